#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fo::runtime {

/// Parses "1ms", "250us", "1.5s", "100ns"; a bare number is milliseconds.
/// Returns nanoseconds, or nullopt for anything else or a negative value.
std::optional<std::int64_t> parse_duration_ns(std::string_view text);

}  // namespace fo::runtime
