#include "fo/takeover/ipv6_service.hpp"

#include <algorithm>

#include "fo/wire/ndp.hpp"

namespace fo::takeover {

std::optional<std::string> ipv6_service_address_problem(const wire::Ipv6Address& address) {
    const auto& octets = address.octets;
    wire::Ipv6Address loopback;
    loopback.octets[15] = 1;
    const bool link_local = octets[0] == 0xFE && (octets[1] & 0xC0U) == 0x80U;  // fe80::/10
    const bool v4_mapped = std::all_of(octets.begin(), octets.begin() + 10, [](auto o) { return o == 0; }) &&
                           octets[10] == 0xFF && octets[11] == 0xFF;  // ::ffff:0:0/96
    if (address.is_unspecified() || address == loopback || address.is_multicast() || link_local || v4_mapped) {
        return address.to_string() +
               " cannot be a service address (unspecified, loopback, multicast, link-local or IPv4-mapped)";
    }
    return std::nullopt;
}

std::optional<NeighborClaim> neighbor_discovery_claim(std::span<const std::uint8_t> frame) {
    if (auto advert = wire::decode_neighbor_advert_frame(frame)) {
        return NeighborClaim{advert->target, advert->ethernet.source};
    }
    if (auto solicit = wire::decode_neighbor_solicit_frame(frame); solicit && solicit->is_dad_probe()) {
        return NeighborClaim{solicit->target, solicit->ethernet.source};
    }
    return std::nullopt;
}

}  // namespace fo::takeover
