#pragma once

#include "fo/address/options.hpp"

namespace fo::address {

/// Runs the parsed command against this host and returns its exit code
/// (ExitCode). Logs what it did, or why not, to stderr.
int run_command(const Options& options);

}  // namespace fo::address
