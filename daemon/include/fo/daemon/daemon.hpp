#pragma once

#include "fo/wire/heartbeat.hpp"

namespace fo::daemon {

/// The whole daemon: heartbeatd (primary) and failoverd (secondary) are this
/// with a different default role. Returns the process exit code.
int daemon_main(int argc, char** argv, wire::Role default_role);

}  // namespace fo::daemon
