#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>

#include "fo/wire/addresses.hpp"
#include "fo/wire/drop_reason.hpp"
#include "fo/wire/udp_frame.hpp"

namespace fo::wire {

inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
inline constexpr std::size_t kIpv6HeaderSize = 40;  // RFC 8200 section 3

struct Ipv6Address {
    std::array<std::uint8_t, 16> octets{};

    /// RFC 5952 text (via inet_ntop).
    [[nodiscard]] std::string to_string() const;
    auto operator<=>(const Ipv6Address&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
};

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

inline constexpr std::uint8_t kIpProtocolIcmpv6 = 58;
inline constexpr std::uint8_t kIcmpv6NeighborAdvert = 136;       // RFC 4861 section 4.4
inline constexpr std::uint8_t kNeighborDiscoveryHopLimit = 255;  // RFC 4861 section 7.1.2
inline constexpr std::size_t kNeighborAdvertMinSize = 24;        // RFC 4861 7.1.2: ICMP length 24 or more

/// An ICMPv6 neighbor advertisement (RFC 4861 4.4): the IPv6 announcement
/// that plays gratuitous ARP's part (unsolicited, override set, 7.2.6).
struct NeighborAdvert {
    EthernetHeader ethernet;
    Ipv6Address source;
    Ipv6Address destination;
    Ipv6Address target;
    bool router = false;
    bool solicited = false;
    bool override_flag = false;
    bool has_target_mac = false;  // a Target Link-Layer Address option (type 2) was present
    MacAddress target_mac;
};

/// decode_ipv6_frame, then not_neighbor_advert (next header not 58 or type
/// not 136), then RFC 4861 7.1.2 in order: bad_neighbor_advert (hop limit
/// 255), bad_icmpv6_checksum, bad_neighbor_advert (code 0, length >= 24).
DecodeResult<NeighborAdvert> decode_neighbor_advert_frame(std::span<const std::uint8_t> frame);

/// One's-complement partial sum of the RFC 8200 section 8.1 pseudo-header.
std::uint32_t ipv6_pseudo_header_sum(const Ipv6Address& source, const Ipv6Address& destination,
                                     std::uint32_t upper_layer_length, std::uint8_t next_header);

}  // namespace fo::wire
