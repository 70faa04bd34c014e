#include "fo/wire/ipv6.hpp"

#include "fo/wire/byte_reader.hpp"

namespace fo::wire {

namespace {
constexpr std::uint8_t kIpVersion6 = 6;
}  // namespace

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

std::vector<std::uint8_t> encode_echo6_request(std::uint16_t identifier, std::uint64_t probe_index) {
    constexpr std::size_t kSize = 16;  // type, code, checksum, identifier, sequence, the index
    std::vector<std::uint8_t> packet(kSize);
    ByteWriter writer(packet);
    writer.write_u8(kIcmpv6EchoRequest);
    writer.write_u8(0);
    writer.write_u16(0);  // the kernel's
    writer.write_u16(identifier);
    writer.write_u16(static_cast<std::uint16_t>(probe_index & 0xFFFFU));
    writer.write_u64(probe_index);
    return packet;
}

DecodeResult<Echo6Reply> decode_echo6_reply_frame(std::span<const std::uint8_t> frame) {
    auto ip = decode_ipv6_frame(frame);
    if (!ip) {
        return ip.reason();
    }
    ByteReader icmp(ip->payload);
    std::uint8_t type = 0;
    Echo6Reply reply;
    if (ip->next_header != kIpProtocolIcmpv6 || !icmp.read_u8(type) || type != kIcmpv6EchoReply) {
        return DropReason::not_ip;  // "not ours"
    }
    if (!icmp.skip(3) || !icmp.read_u16(reply.identifier) || !icmp.skip(2) || !icmp.read_u64(reply.probe_index)) {
        return DropReason::payload_too_short;
    }
    // No checksum check, as for IPv4 echo replies: the probe index is all we
    // need, and a sender may leave the checksum to its NIC (offload).
    reply.source_mac = ip->ethernet.source;
    reply.source = ip->source;
    return reply;
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
