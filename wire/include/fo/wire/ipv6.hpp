#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fo/wire/addresses.hpp"
#include "fo/wire/drop_reason.hpp"
#include "fo/wire/ndp.hpp"
#include "fo/wire/udp_frame.hpp"

namespace fo::wire {

inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
inline constexpr std::size_t kIpv6HeaderSize = 40;  // RFC 8200 section 3

/// An IPv4 or IPv6 address, for decoders that accept both families.
struct IpAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> octets{};  // IPv4: the first 4, network order

    static IpAddress from(Ipv4Address address);
    static IpAddress from(const Ipv6Address& address);
    [[nodiscard]] std::string to_string() const;
    auto operator<=>(const IpAddress&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
};

/// An IPv6 packet in an Ethernet frame. Extension headers are not walked:
/// next_header is the fixed header's, payload everything after it.
struct Ipv6Packet {
    EthernetHeader ethernet;
    Ipv6Address source;
    Ipv6Address destination;
    std::uint8_t next_header = 0;
    std::uint8_t hop_limit = 0;
    std::span<const std::uint8_t> payload;  // points into the frame, padding excluded
};

/// Ethernet and IPv6 checks: too_short, not_ip (EtherType not 0x86DD),
/// bad_ipv6_header (version not 6, payload length past the frame).
DecodeResult<Ipv6Packet> decode_ipv6_frame(std::span<const std::uint8_t> frame);

inline constexpr std::uint8_t kIcmpv6EchoRequest = 128;  // RFC 4443 4.1
inline constexpr std::uint8_t kIcmpv6EchoReply = 129;    // RFC 4443 4.2

/// An ICMPv6 echo request for a raw ICMPv6 socket, whose kernel fills in the
/// checksum (RFC 3542 3.1); the data carries the probe index.
std::vector<std::uint8_t> encode_echo6_request(std::uint16_t identifier, std::uint64_t probe_index);

struct Echo6Reply {
    MacAddress source_mac;
    Ipv6Address source;
    std::uint16_t identifier = 0;
    std::uint64_t probe_index = 0;
};

/// An Ethernet frame holding an ICMPv6 echo reply whose data starts with a
/// probe index: the IPv6 checks, then not_ip for "not ICMPv6 echo reply",
/// payload_too_short (the checksum is not checked, as for IPv4 echo replies).
DecodeResult<Echo6Reply> decode_echo6_reply_frame(std::span<const std::uint8_t> frame);

/// One's-complement partial sum of the RFC 8200 section 8.1 pseudo-header.
std::uint32_t ipv6_pseudo_header_sum(const Ipv6Address& source, const Ipv6Address& destination,
                                     std::uint32_t upper_layer_length, std::uint8_t next_header);

}  // namespace fo::wire
