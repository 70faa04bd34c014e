#pragma once

#include <cstdint>
#include <span>

namespace fo::wire {

/// One's-complement sum of 16-bit words (RFC 1071), not yet folded or inverted,
/// so that pseudo-headers can be summed piecewise.
std::uint32_t checksum_partial(std::span<const std::uint8_t> data, std::uint32_t sum = 0);

/// Folds and inverts a partial sum into the value stored in a header.
std::uint16_t checksum_finish(std::uint32_t sum);

inline std::uint16_t internet_checksum(std::span<const std::uint8_t> data) {
    return checksum_finish(checksum_partial(data));
}

}  // namespace fo::wire
