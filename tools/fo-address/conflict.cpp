#include "fo/address/conflict.hpp"

#include "fo/takeover/ipv6_service.hpp"
#include "fo/wire/arp.hpp"

namespace fo::address {

std::optional<wire::MacAddress> conflicting_sender(std::span<const std::uint8_t> frame, wire::Ipv4Address address,
                                                   wire::MacAddress own_mac) {
    const auto arp = wire::decode_arp_frame(frame);
    if (!arp || arp->sender_mac == own_mac || arp->ethernet_source == own_mac) {
        return std::nullopt;
    }
    if (arp->sender_ip == address) {
        return arp->sender_mac;
    }
    return std::nullopt;
}

std::optional<wire::MacAddress> conflicting_ndp_sender(std::span<const std::uint8_t> frame,
                                                       const wire::Ipv6Address& address, wire::MacAddress own_mac) {
    const auto claim = takeover::neighbor_discovery_claim(frame);
    if (!claim || claim->sender == own_mac || claim->address != address) {
        return std::nullopt;
    }
    return claim->sender;
}

}  // namespace fo::address
