#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fo/wire/addresses.hpp"
#include "fo/wire/drop_reason.hpp"
#include "fo/wire/udp_frame.hpp"

// IPv6 neighbor discovery (RFC 4861) frames: the IPv6 counterparts of
// gratuitous ARP (unsolicited neighbor advertisements, 7.2.6) and of the
// RFC 5227 ARP probe (duplicate address detection solicitations, RFC 4862
// 5.4.2). Pure: no sockets.

namespace fo::wire {

inline constexpr std::uint8_t kIpProtocolIcmpv6 = 58;
inline constexpr std::uint8_t kIcmpv6NeighborSolicit = 135;      // RFC 4861 section 4.3
inline constexpr std::uint8_t kIcmpv6NeighborAdvert = 136;       // RFC 4861 section 4.4
inline constexpr std::uint8_t kNeighborDiscoveryHopLimit = 255;  // RFC 4861 sections 7.1.1 and 7.1.2
inline constexpr std::size_t kNeighborAdvertMinSize = 24;        // RFC 4861 7.1.2: ICMP length 24 or more
inline constexpr std::size_t kNeighborSolicitMinSize = 24;       // RFC 4861 7.1.1: ICMP length 24 or more
inline constexpr std::size_t kLinkLayerOptionSize = 8;           // RFC 4861 4.6.1, Ethernet (RFC 2464 8)
/// Ethernet 14 + IPv6 40 + NA 24 + target link-layer address option 8.
inline constexpr std::size_t kUnsolicitedAdvertFrameSize = 86;
/// Ethernet 14 + IPv6 40 + NS 24: a DAD probe carries no source link-layer option (RFC 4861 7.1.1).
inline constexpr std::size_t kDadProbeFrameSize = 78;

/// ff02::1, all nodes on the link (RFC 4291 2.7.1).
Ipv6Address all_nodes_address();
/// ff02::1:ffXX:XXXX, the solicited-node multicast address of `address` (RFC 4291 2.7.1).
Ipv6Address solicited_node_address(const Ipv6Address& address);
/// 33:33 and the last four octets of a multicast address (RFC 2464 section 7).
MacAddress ipv6_multicast_mac(const Ipv6Address& multicast);
/// 33:33:ff:XX:XX:XX, the link-layer group of `address`'s solicited-node
/// address: where a DAD probe for it goes (RFC 4862 5.4.2).
MacAddress solicited_node_mac(const Ipv6Address& address);

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

/// An ICMPv6 neighbor solicitation (RFC 4861 4.3).
struct NeighborSolicit {
    EthernetHeader ethernet;
    Ipv6Address source;  // unspecified (::) in a DAD probe
    Ipv6Address destination;
    Ipv6Address target;
    bool has_source_mac = false;  // a Source Link-Layer Address option (type 1) was present
    MacAddress source_mac;
    /// RFC 4862 5.4.3: a solicitation from :: is another node's duplicate address detection.
    [[nodiscard]] bool is_dad_probe() const { return source.is_unspecified(); }
};

/// RFC 4861 7.2.6 unsolicited advertisement from `own_mac` for `target`:
/// to all nodes (ff02::1, 33:33:00:00:00:01), override set, solicited and
/// router clear, the target link-layer address option, source the target
/// itself (as Linux's ndisc_send_unsolicited_na).
NeighborAdvert make_unsolicited_advert(MacAddress own_mac, const Ipv6Address& target);
/// RFC 4862 5.4.2 duplicate address detection probe: from ::, to the
/// target's solicited-node multicast address and its MAC, no options.
NeighborSolicit make_dad_probe(MacAddress own_mac, const Ipv6Address& target);
/// An address resolution solicitation (RFC 4861 7.2.2) from `source` with
/// its link-layer address option, to the target's solicited-node group.
NeighborSolicit make_neighbor_solicit(MacAddress own_mac, const Ipv6Address& source, const Ipv6Address& target);

/// The whole Ethernet frame: hop limit 255 and the ICMPv6 checksum
/// (RFC 4443 2.3) over the pseudo-header; the target link-layer option
/// when has_target_mac (kUnsolicitedAdvertFrameSize bytes, else 8 fewer).
std::vector<std::uint8_t> encode_neighbor_advert(const NeighborAdvert& advert);
/// As encode_neighbor_advert; the source link-layer option when has_source_mac.
std::vector<std::uint8_t> encode_neighbor_solicit(const NeighborSolicit& solicit);

/// decode_ipv6_frame, then not_neighbor_advert (next header not 58 or type
/// not 136), then RFC 4861 7.1.2 in order: bad_neighbor_advert (hop limit
/// 255), bad_icmpv6_checksum, bad_neighbor_advert (code 0, length >= 24,
/// no option of length 0).
DecodeResult<NeighborAdvert> decode_neighbor_advert_frame(std::span<const std::uint8_t> frame);
/// As decode_neighbor_advert_frame for type 135 (RFC 4861 7.1.1):
/// not_neighbor_solicit, bad_neighbor_solicit (hop limit, code, length,
/// a multicast target, an option of length 0, a source link-layer option
/// from ::), bad_icmpv6_checksum.
DecodeResult<NeighborSolicit> decode_neighbor_solicit_frame(std::span<const std::uint8_t> frame);

}  // namespace fo::wire
