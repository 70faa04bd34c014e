#include "fo/wire/udp_frame.hpp"

#include "fo/wire/checksum.hpp"

namespace fo::wire {

namespace {
constexpr std::uint8_t kIpVersion4 = 4;
constexpr std::uint16_t kFlagMoreFragments = 0x2000;
constexpr std::uint16_t kFragmentOffsetMask = 0x1FFF;
constexpr std::uint16_t kFlagDontFragment = 0x4000;

std::uint32_t pseudo_header_sum(Ipv4Address source, Ipv4Address destination, std::uint16_t udp_length) {
    std::uint32_t sum = 0;
    sum += source.value >> 16U;
    sum += source.value & 0xFFFFU;
    sum += destination.value >> 16U;
    sum += destination.value & 0xFFFFU;
    sum += kIpProtocolUdp;
    sum += udp_length;
    return sum;
}

void read_mac(ByteReader& reader, MacAddress& mac) {
    reader.read_bytes(mac.octets);
}
}  // namespace

bool read_ethernet(ByteReader& reader, EthernetHeader& out) {
    if (!reader.can_read(kEthernetHeaderSize)) {
        return false;
    }
    read_mac(reader, out.destination);
    read_mac(reader, out.source);
    return reader.read_u16(out.ether_type);
}

void write_ethernet(ByteWriter& writer, const EthernetHeader& header) {
    writer.write_bytes(header.destination.octets);
    writer.write_bytes(header.source.octets);
    writer.write_u16(header.ether_type);
}

DecodeResult<Ipv4Packet> decode_ipv4_frame(std::span<const std::uint8_t> frame) {
    ByteReader reader(frame);
    Ipv4Packet packet;
    if (!read_ethernet(reader, packet.ethernet)) {
        return DropReason::too_short;
    }
    if (packet.ethernet.ether_type != kEtherTypeIpv4) {
        return DropReason::not_ipv4;
    }

    const std::span<const std::uint8_t> ip_packet = reader.rest();
    std::uint8_t version_ihl = 0;
    if (!reader.read_u8(version_ihl) || !reader.can_read(kIpv4HeaderSize - 1)) {
        return DropReason::too_short;
    }
    const std::size_t header_length = static_cast<std::size_t>(version_ihl & 0x0FU) * 4;
    if ((version_ihl >> 4U) != kIpVersion4 || header_length < kIpv4HeaderSize || header_length > ip_packet.size()) {
        return DropReason::bad_ip_header;
    }
    std::uint8_t tos = 0;
    std::uint16_t total_length = 0;
    std::uint16_t identification = 0;
    std::uint16_t flags_fragment = 0;
    std::uint16_t header_checksum = 0;
    reader.read_u8(tos);
    reader.read_u16(total_length);
    reader.read_u16(identification);
    reader.read_u16(flags_fragment);
    reader.read_u8(packet.ttl);
    reader.read_u8(packet.protocol);
    reader.read_u16(header_checksum);
    reader.read_u32(packet.source.value);
    reader.read_u32(packet.destination.value);
    // Ethernet pads short frames, so the frame may be longer than the IP packet.
    if (total_length < header_length || total_length > ip_packet.size()) {
        return DropReason::bad_ip_length;
    }
    if (internet_checksum(ip_packet.first(header_length)) != 0) {
        return DropReason::bad_ip_checksum;
    }
    if ((flags_fragment & (kFlagMoreFragments | kFragmentOffsetMask)) != 0) {
        return DropReason::ip_fragment;
    }
    packet.payload = ip_packet.subspan(header_length, total_length - header_length);
    return packet;
}

DecodeResult<UdpDatagram> decode_udp_frame(std::span<const std::uint8_t> frame, std::uint16_t port,
                                           bool verify_udp_checksum) {
    auto ip = decode_ipv4_frame(frame);
    if (!ip) {
        return ip.reason();
    }
    if (ip->protocol != kIpProtocolUdp) {
        return DropReason::not_udp;
    }
    const std::span<const std::uint8_t> udp_segment = ip->payload;
    ByteReader udp(udp_segment);
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::uint16_t udp_length = 0;
    std::uint16_t udp_checksum = 0;
    if (!udp.read_u16(source_port) || !udp.read_u16(destination_port) || !udp.read_u16(udp_length) ||
        !udp.read_u16(udp_checksum)) {
        return DropReason::bad_udp_length;
    }
    if (destination_port != port) {
        return DropReason::wrong_port;
    }
    if (udp_length < kUdpHeaderSize || udp_length != udp_segment.size()) {
        return DropReason::bad_udp_length;
    }
    if (udp_checksum != 0 && verify_udp_checksum) {  // RFC 768: zero means the sender computed none
        const std::uint32_t sum = pseudo_header_sum(ip->source, ip->destination, udp_length);
        if (checksum_finish(checksum_partial(udp_segment, sum)) != 0) {
            return DropReason::bad_udp_checksum;
        }
    }

    UdpDatagram datagram;
    datagram.endpoints = UdpEndpoints{ip->ethernet.source, ip->ethernet.destination, ip->source, ip->destination,
                                      source_port,         destination_port};
    datagram.ttl = ip->ttl;
    datagram.payload = udp_segment.subspan(kUdpHeaderSize);
    return datagram;
}

std::size_t encode_udp_frame(const UdpEndpoints& endpoints, std::span<const std::uint8_t> payload,
                             std::span<std::uint8_t> out) {
    const std::size_t udp_length = kUdpHeaderSize + payload.size();
    const std::size_t ip_length = kIpv4HeaderSize + udp_length;
    const std::size_t frame_length = kEthernetHeaderSize + ip_length;
    if (out.size() < frame_length || ip_length > 0xFFFF) {
        return 0;
    }
    ByteWriter writer(out);
    write_ethernet(writer, EthernetHeader{endpoints.destination_mac, endpoints.source_mac, kEtherTypeIpv4});

    const std::size_t ip_start = writer.position();
    writer.write_u8(0x45);  // version 4, IHL 5
    writer.write_u8(kHeartbeatTos);
    writer.write_u16(static_cast<std::uint16_t>(ip_length));
    writer.write_u16(0);  // identification: unused with DF set (RFC 6864 section 4.1)
    writer.write_u16(kFlagDontFragment);
    writer.write_u8(kHeartbeatTtl);
    writer.write_u8(kIpProtocolUdp);
    writer.write_u16(0);  // checksum, filled below
    writer.write_u32(endpoints.source_ip.value);
    writer.write_u32(endpoints.destination_ip.value);
    const std::uint16_t ip_checksum = internet_checksum(out.subspan(ip_start, kIpv4HeaderSize));
    out[ip_start + 10] = static_cast<std::uint8_t>(ip_checksum >> 8U);
    out[ip_start + 11] = static_cast<std::uint8_t>(ip_checksum & 0xFFU);

    const std::size_t udp_start = writer.position();
    writer.write_u16(endpoints.source_port);
    writer.write_u16(endpoints.destination_port);
    writer.write_u16(static_cast<std::uint16_t>(udp_length));
    writer.write_u16(0);
    writer.write_bytes(payload);
    if (!writer.ok()) {
        return 0;
    }
    const std::uint32_t pseudo =
        pseudo_header_sum(endpoints.source_ip, endpoints.destination_ip, static_cast<std::uint16_t>(udp_length));
    std::uint16_t udp_checksum = checksum_finish(checksum_partial(out.subspan(udp_start, udp_length), pseudo));
    if (udp_checksum == 0) {
        udp_checksum = 0xFFFF;  // RFC 768: a computed zero is sent as all ones
    }
    out[udp_start + 6] = static_cast<std::uint8_t>(udp_checksum >> 8U);
    out[udp_start + 7] = static_cast<std::uint8_t>(udp_checksum & 0xFFU);
    return frame_length;
}

}  // namespace fo::wire
