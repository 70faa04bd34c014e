#include "fo/wire/ipv6.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "fo/wire/byte_reader.hpp"
#include "fo/wire/checksum.hpp"

namespace fo::wire {

namespace {
constexpr std::uint8_t kIpVersion6 = 6;
constexpr std::uint32_t kFlagRouter = 0x80000000U;  // RFC 4861 4.4
constexpr std::uint32_t kFlagSolicited = 0x40000000U;
constexpr std::uint32_t kFlagOverride = 0x20000000U;
constexpr std::uint8_t kOptionTargetLinkLayer = 2;  // RFC 4861 4.6.1
constexpr std::size_t kOptionUnit = 8;              // option length is in units of 8 bytes
}  // namespace

std::string Ipv6Address::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, octets.data(), text, sizeof text);
    return text;
}

IpAddress IpAddress::from(Ipv4Address address) {
    IpAddress out;
    for (std::size_t i = 0; i < 4; ++i) {
        out.octets[i] = static_cast<std::uint8_t>(address.value >> (24U - 8U * i));
    }
    return out;
}

IpAddress IpAddress::from(const Ipv6Address& address) {
    IpAddress out;
    out.v6 = true;
    out.octets = address.octets;
    return out;
}

std::string IpAddress::to_string() const {
    if (v6) {
        return Ipv6Address{octets}.to_string();
    }
    Ipv4Address address;
    address.value = (std::uint32_t{octets[0]} << 24U) | (std::uint32_t{octets[1]} << 16U) |
                    (std::uint32_t{octets[2]} << 8U) | std::uint32_t{octets[3]};
    return address.to_string();
}

DecodeResult<Ipv6Packet> decode_ipv6_frame(std::span<const std::uint8_t> frame) {
    ByteReader reader(frame);
    Ipv6Packet packet;
    if (!read_ethernet(reader, packet.ethernet)) {
        return DropReason::too_short;
    }
    if (packet.ethernet.ether_type != kEtherTypeIpv6) {
        return DropReason::not_ip;
    }
    if (!reader.can_read(kIpv6HeaderSize)) {
        return DropReason::too_short;
    }
    std::uint32_t version_class_flow = 0;
    std::uint16_t payload_length = 0;
    reader.read_u32(version_class_flow);
    reader.read_u16(payload_length);
    reader.read_u8(packet.next_header);
    reader.read_u8(packet.hop_limit);
    reader.read_bytes(packet.source.octets);
    reader.read_bytes(packet.destination.octets);
    // Ethernet pads short frames, so the frame may be longer than the packet.
    std::span<const std::uint8_t> payload;
    if ((version_class_flow >> 28U) != kIpVersion6 || !reader.take(payload_length, payload)) {
        return DropReason::bad_ipv6_header;
    }
    packet.payload = payload;
    return packet;
}

DecodeResult<NeighborAdvert> decode_neighbor_advert_frame(std::span<const std::uint8_t> frame) {
    auto ip = decode_ipv6_frame(frame);
    if (!ip) {
        return ip.reason();
    }
    ByteReader reader(ip->payload);
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::uint16_t checksum = 0;
    if (ip->next_header != kIpProtocolIcmpv6 || !reader.read_u8(type) || type != kIcmpv6NeighborAdvert) {
        return DropReason::not_neighbor_advert;
    }
    if (ip->hop_limit != kNeighborDiscoveryHopLimit) {
        return DropReason::bad_neighbor_advert;
    }
    const std::uint32_t pseudo = ipv6_pseudo_header_sum(
        ip->source, ip->destination, static_cast<std::uint32_t>(ip->payload.size()), kIpProtocolIcmpv6);
    if (checksum_finish(checksum_partial(ip->payload, pseudo)) != 0) {
        return DropReason::bad_icmpv6_checksum;
    }
    std::uint32_t flags = 0;
    NeighborAdvert advert;
    if (!reader.read_u8(code) || code != 0 || ip->payload.size() < kNeighborAdvertMinSize ||
        !reader.read_u16(checksum) || !reader.read_u32(flags) || !reader.read_bytes(advert.target.octets)) {
        return DropReason::bad_neighbor_advert;
    }
    advert.ethernet = ip->ethernet;
    advert.source = ip->source;
    advert.destination = ip->destination;
    advert.router = (flags & kFlagRouter) != 0;
    advert.solicited = (flags & kFlagSolicited) != 0;
    advert.override_flag = (flags & kFlagOverride) != 0;
    // Options: only the target link-layer address is read; a zero length is invalid (7.1.2).
    std::uint8_t option_type = 0;
    std::uint8_t option_length = 0;
    while (reader.read_u8(option_type) && reader.read_u8(option_length)) {
        if (option_length == 0) {
            return DropReason::bad_neighbor_advert;
        }
        const std::size_t body = option_length * kOptionUnit - 2;
        if (option_type == kOptionTargetLinkLayer && body >= advert.target_mac.octets.size()) {
            std::span<const std::uint8_t> option;
            if (!reader.take(body, option)) {
                return DropReason::bad_neighbor_advert;
            }
            std::copy_n(option.begin(), advert.target_mac.octets.size(), advert.target_mac.octets.begin());
            advert.has_target_mac = true;
        } else if (!reader.skip(body)) {
            return DropReason::bad_neighbor_advert;
        }
    }
    return advert;
}

std::uint32_t ipv6_pseudo_header_sum(const Ipv6Address& source, const Ipv6Address& destination,
                                     std::uint32_t upper_layer_length, std::uint8_t next_header) {
    std::uint32_t sum = 0;
    for (const auto* address : {&source, &destination}) {
        for (std::size_t i = 0; i < address->octets.size(); i += 2) {
            sum += (std::uint32_t{address->octets[i]} << 8U) | address->octets[i + 1];
        }
    }
    sum += upper_layer_length >> 16U;
    sum += upper_layer_length & 0xFFFFU;
    sum += next_header;
    return sum;
}

}  // namespace fo::wire
