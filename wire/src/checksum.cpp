#include "fo/wire/checksum.hpp"

namespace fo::wire {

std::uint32_t checksum_partial(std::span<const std::uint8_t> data, std::uint32_t sum) {
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        sum += static_cast<std::uint32_t>(data[i] << 8U) | data[i + 1];
    }
    if (i < data.size()) {
        sum += static_cast<std::uint32_t>(data[i] << 8U);
    }
    return sum;
}

std::uint16_t checksum_finish(std::uint32_t sum) {
    while ((sum >> 16U) != 0) {
        sum = (sum & 0xFFFFU) + (sum >> 16U);
    }
    return static_cast<std::uint16_t>(~sum & 0xFFFFU);
}

}  // namespace fo::wire
