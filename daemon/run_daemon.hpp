#pragma once

#include <optional>
#include <string>

#include "fo/daemon/config.hpp"
#include "fo/wire/keyring.hpp"

namespace fo::daemon {

/// Runs the daemon on a validated configuration until SIGTERM/SIGINT;
/// returns the exit code (1 when setup failed).
int run_daemon(Config config, std::optional<wire::Keyring> keyring, const std::string& config_path, bool summary_json);

}  // namespace fo::daemon
