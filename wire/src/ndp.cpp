#include "fo/wire/ndp.hpp"

#include <algorithm>

#include "fo/wire/byte_reader.hpp"
#include "fo/wire/checksum.hpp"
#include "fo/wire/ipv6.hpp"

namespace fo::wire {

namespace {
constexpr std::uint32_t kFlagRouter = 0x80000000U;  // RFC 4861 4.4
constexpr std::uint32_t kFlagSolicited = 0x40000000U;
constexpr std::uint32_t kFlagOverride = 0x20000000U;
constexpr std::uint8_t kOptionSourceLinkLayer = 1;  // RFC 4861 4.6.1
constexpr std::uint8_t kOptionTargetLinkLayer = 2;
constexpr std::size_t kOptionUnit = 8;                   // option length is in units of 8 bytes
constexpr std::uint32_t kIpv6VersionWord = 0x60000000U;  // version 6, traffic class and flow label 0
constexpr std::size_t kChecksumOffset = kEthernetHeaderSize + kIpv6HeaderSize + 2;
constexpr std::size_t kSolicitedNodePrefix = 13;  // ff02::1:ff00:0/104: 13 octets, the low 3 from the address

/// What NS and NA share (RFC 4861 7.1.1 and 7.1.2): the IPv6 frame, the
/// ICMPv6 type, hop limit 255, the checksum, code 0, the minimum length.
DecodeResult<Ipv6Packet> decode_nd_message(std::span<const std::uint8_t> frame, std::uint8_t wanted_type,
                                           DropReason not_it, DropReason bad) {
    auto ip = decode_ipv6_frame(frame);
    if (!ip) {
        return ip.reason();
    }
    ByteReader reader(ip->payload);
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    if (ip->next_header != kIpProtocolIcmpv6 || !reader.read_u8(type) || type != wanted_type) {
        return not_it;
    }
    if (ip->hop_limit != kNeighborDiscoveryHopLimit) {
        return bad;
    }
    const std::uint32_t pseudo = ipv6_pseudo_header_sum(
        ip->source, ip->destination, static_cast<std::uint32_t>(ip->payload.size()), kIpProtocolIcmpv6);
    if (checksum_finish(checksum_partial(ip->payload, pseudo)) != 0) {
        return DropReason::bad_icmpv6_checksum;
    }
    static_assert(kNeighborAdvertMinSize == kNeighborSolicitMinSize);
    if (!reader.read_u8(code) || code != 0 || ip->payload.size() < kNeighborAdvertMinSize) {
        return bad;
    }
    return ip.value();
}

/// Walks the options after the fixed part; copies the link-layer address of
/// option `wanted`. False on an option of length 0 or one past the end.
bool read_link_layer_option(ByteReader& reader, std::uint8_t wanted, bool& found, MacAddress& mac) {
    std::uint8_t option_type = 0;
    std::uint8_t option_length = 0;
    while (reader.read_u8(option_type) && reader.read_u8(option_length)) {
        if (option_length == 0) {
            return false;
        }
        const std::size_t body = option_length * kOptionUnit - 2;
        std::span<const std::uint8_t> option;
        if (!reader.take(body, option)) {
            return false;
        }
        if (option_type == wanted && body >= mac.octets.size()) {
            std::copy_n(option.begin(), mac.octets.size(), mac.octets.begin());
            found = true;
        }
    }
    return true;  // a last byte too short for an option header is ignored, as before
}

std::vector<std::uint8_t> encode_nd(const EthernetHeader& ethernet, const Ipv6Address& source,
                                    const Ipv6Address& destination, std::uint8_t type, std::uint32_t word,
                                    const Ipv6Address& target, std::uint8_t option_type, const MacAddress& option_mac) {
    const std::size_t icmp_size = kNeighborAdvertMinSize + (option_type != 0 ? kLinkLayerOptionSize : 0);
    std::vector<std::uint8_t> out(kEthernetHeaderSize + kIpv6HeaderSize + icmp_size);
    ByteWriter writer(out);
    write_ethernet(writer, ethernet);
    writer.write_u32(kIpv6VersionWord);
    writer.write_u16(static_cast<std::uint16_t>(icmp_size));
    writer.write_u8(kIpProtocolIcmpv6);
    writer.write_u8(kNeighborDiscoveryHopLimit);
    writer.write_bytes(source.octets);
    writer.write_bytes(destination.octets);
    writer.write_u8(type);
    writer.write_u8(0);   // code
    writer.write_u16(0);  // checksum, below
    writer.write_u32(word);
    writer.write_bytes(target.octets);
    if (option_type != 0) {
        writer.write_u8(option_type);
        writer.write_u8(1);  // 8 bytes
        writer.write_bytes(option_mac.octets);
    }
    const std::span<const std::uint8_t> icmp(out.data() + kEthernetHeaderSize + kIpv6HeaderSize, icmp_size);
    const std::uint16_t checksum = checksum_finish(checksum_partial(
        icmp, ipv6_pseudo_header_sum(source, destination, static_cast<std::uint32_t>(icmp_size), kIpProtocolIcmpv6)));
    out[kChecksumOffset] = static_cast<std::uint8_t>(checksum >> 8U);
    out[kChecksumOffset + 1] = static_cast<std::uint8_t>(checksum & 0xFFU);
    return out;
}
}  // namespace

Ipv6Address all_nodes_address() {
    Ipv6Address address;
    address.octets[0] = 0xFF;
    address.octets[1] = 0x02;
    address.octets[15] = 0x01;
    return address;
}

Ipv6Address solicited_node_address(const Ipv6Address& address) {
    Ipv6Address group;
    group.octets[0] = 0xFF;
    group.octets[1] = 0x02;
    group.octets[11] = 0x01;
    group.octets[12] = 0xFF;
    std::copy(address.octets.begin() + kSolicitedNodePrefix, address.octets.end(),
              group.octets.begin() + kSolicitedNodePrefix);
    return group;
}

MacAddress ipv6_multicast_mac(const Ipv6Address& multicast) {
    return MacAddress{
        {0x33, 0x33, multicast.octets[12], multicast.octets[13], multicast.octets[14], multicast.octets[15]}};
}

MacAddress solicited_node_mac(const Ipv6Address& address) {
    return ipv6_multicast_mac(solicited_node_address(address));
}

NeighborAdvert make_unsolicited_advert(MacAddress own_mac, const Ipv6Address& target) {
    NeighborAdvert advert;
    advert.destination = all_nodes_address();
    advert.ethernet = EthernetHeader{ipv6_multicast_mac(advert.destination), own_mac, kEtherTypeIpv6};
    advert.source = target;
    advert.target = target;
    advert.override_flag = true;
    advert.has_target_mac = true;
    advert.target_mac = own_mac;
    return advert;
}

NeighborSolicit make_dad_probe(MacAddress own_mac, const Ipv6Address& target) {
    NeighborSolicit solicit;
    solicit.destination = solicited_node_address(target);
    solicit.ethernet = EthernetHeader{ipv6_multicast_mac(solicit.destination), own_mac, kEtherTypeIpv6};
    solicit.target = target;
    return solicit;
}

NeighborSolicit make_neighbor_solicit(MacAddress own_mac, const Ipv6Address& source, const Ipv6Address& target) {
    NeighborSolicit solicit = make_dad_probe(own_mac, target);
    solicit.source = source;
    solicit.has_source_mac = true;
    solicit.source_mac = own_mac;
    return solicit;
}

std::vector<std::uint8_t> encode_neighbor_advert(const NeighborAdvert& advert) {
    const std::uint32_t flags = (advert.router ? kFlagRouter : 0U) | (advert.solicited ? kFlagSolicited : 0U) |
                                (advert.override_flag ? kFlagOverride : 0U);
    return encode_nd(advert.ethernet, advert.source, advert.destination, kIcmpv6NeighborAdvert, flags, advert.target,
                     advert.has_target_mac ? kOptionTargetLinkLayer : 0, advert.target_mac);
}

std::vector<std::uint8_t> encode_neighbor_solicit(const NeighborSolicit& solicit) {
    return encode_nd(solicit.ethernet, solicit.source, solicit.destination, kIcmpv6NeighborSolicit, 0, solicit.target,
                     solicit.has_source_mac ? kOptionSourceLinkLayer : 0, solicit.source_mac);
}

DecodeResult<NeighborAdvert> decode_neighbor_advert_frame(std::span<const std::uint8_t> frame) {
    auto ip = decode_nd_message(frame, kIcmpv6NeighborAdvert, DropReason::not_neighbor_advert,
                                DropReason::bad_neighbor_advert);
    if (!ip) {
        return ip.reason();
    }
    ByteReader reader(ip->payload);
    std::uint32_t flags = 0;
    NeighborAdvert advert;
    reader.skip(4);  // type, code, checksum: checked above
    if (!reader.read_u32(flags) || !reader.read_bytes(advert.target.octets) ||
        !read_link_layer_option(reader, kOptionTargetLinkLayer, advert.has_target_mac, advert.target_mac)) {
        return DropReason::bad_neighbor_advert;
    }
    advert.ethernet = ip->ethernet;
    advert.source = ip->source;
    advert.destination = ip->destination;
    advert.router = (flags & kFlagRouter) != 0;
    advert.solicited = (flags & kFlagSolicited) != 0;
    advert.override_flag = (flags & kFlagOverride) != 0;
    return advert;
}

DecodeResult<NeighborSolicit> decode_neighbor_solicit_frame(std::span<const std::uint8_t> frame) {
    auto ip = decode_nd_message(frame, kIcmpv6NeighborSolicit, DropReason::not_neighbor_solicit,
                                DropReason::bad_neighbor_solicit);
    if (!ip) {
        return ip.reason();
    }
    ByteReader reader(ip->payload);
    NeighborSolicit solicit;
    reader.skip(8);  // type, code, checksum, reserved
    if (!reader.read_bytes(solicit.target.octets) || solicit.target.is_multicast() ||
        !read_link_layer_option(reader, kOptionSourceLinkLayer, solicit.has_source_mac, solicit.source_mac)) {
        return DropReason::bad_neighbor_solicit;
    }
    solicit.ethernet = ip->ethernet;
    solicit.source = ip->source;
    solicit.destination = ip->destination;
    if (solicit.is_dad_probe() && solicit.has_source_mac) {
        return DropReason::bad_neighbor_solicit;  // RFC 4861 7.1.1
    }
    return solicit;
}

}  // namespace fo::wire
