#pragma once

#include <optional>
#include <string>

#include "fo/daemon/config.hpp"

// Shared by the configuration sources (config.cpp: TOML, hostconfig.cpp)
// and validate() (config_validate.cpp); not part of the library's interface.

namespace fo::daemon::detail {

/// The kernel's rules for an interface name (dev_valid_name).
bool is_interface_name(const std::string& name);

/// "must be between MIN and MAX ms".
std::string bounds_message(const DurationBounds& bounds);

/// A configuration file: a regular file of bounded size, opened without
/// blocking (a FIFO or a device is an error, not a hang).
std::optional<std::string> read_bounded_file(const std::string& path, std::string& error);

}  // namespace fo::daemon::detail
