#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "fo/wire/addresses.hpp"
#include "fo/wire/drop_reason.hpp"

namespace fo::wire {

inline constexpr std::size_t kArpFrameSize = 42;  // Ethernet 14 + ARP 28 (RFC 826), before padding
inline constexpr std::uint16_t kArpRequest = 1;   // RFC 826 ar$op
inline constexpr std::uint16_t kArpReply = 2;

enum class ArpKind : std::uint8_t {
    gratuitous_request,  // an announcement: sender IP = target IP (RFC 5227 section 2.3)
    gratuitous_reply,    // the same as a reply (some stacks; Junos ignores these by default)
    probe,               // sender IP 0.0.0.0 (RFC 5227 section 2.1.1)
    request,
    reply,
};

std::string_view to_string(ArpKind kind);

/// An Ethernet/IPv4 ARP frame.
struct ArpFrame {
    MacAddress ethernet_destination;
    MacAddress ethernet_source;
    std::uint16_t operation = kArpRequest;
    MacAddress sender_mac;
    Ipv4Address sender_ip;
    MacAddress target_mac;
    Ipv4Address target_ip;

    [[nodiscard]] ArpKind kind() const;
    bool operator==(const ArpFrame&) const = default;
};

/// Gratuitous ARP as a request: SPA = TPA = address, THA zero, to broadcast.
ArpFrame make_gratuitous_request(MacAddress own_mac, Ipv4Address address);
/// Gratuitous ARP as a reply: THA = SHA, as Linux requires to treat it as
/// gratuitous (kernel commit d9ef2e7bf99f), to broadcast.
ArpFrame make_gratuitous_reply(MacAddress own_mac, Ipv4Address address);
/// RFC 5227 probe: SPA 0.0.0.0, THA zero, TPA = the address we want.
ArpFrame make_arp_probe(MacAddress own_mac, Ipv4Address address);

std::array<std::uint8_t, kArpFrameSize> encode_arp_frame(const ArpFrame& frame);
DecodeResult<ArpFrame> decode_arp_frame(std::span<const std::uint8_t> frame);

}  // namespace fo::wire
