#include "fo/wire/icmp_echo.hpp"

#include "fo/wire/byte_reader.hpp"
#include "fo/wire/checksum.hpp"
#include "fo/wire/udp_frame.hpp"

namespace fo::wire {

std::vector<std::uint8_t> encode_echo_request(std::uint16_t identifier, std::uint64_t probe_index,
                                              std::size_t data_size) {
    constexpr std::size_t kHeaderSize = 8;
    std::vector<std::uint8_t> packet(kHeaderSize + std::max<std::size_t>(data_size, 8), 0);
    ByteWriter writer(packet);
    writer.write_u8(kIcmpEchoRequest);
    writer.write_u8(0);
    writer.write_u16(0);  // checksum below
    writer.write_u16(identifier);
    writer.write_u16(static_cast<std::uint16_t>(probe_index & 0xFFFFU));
    writer.write_u64(probe_index);
    const std::uint16_t checksum = internet_checksum(packet);
    packet[2] = static_cast<std::uint8_t>(checksum >> 8U);
    packet[3] = static_cast<std::uint8_t>(checksum & 0xFFU);
    return packet;
}

DecodeResult<EchoReply> decode_echo_reply_frame(std::span<const std::uint8_t> frame) {
    auto ip = decode_ipv4_frame(frame);
    if (!ip) {
        return ip.reason();
    }
    ByteReader icmp(ip->payload);
    std::uint8_t type = 0;
    EchoReply reply;
    if (ip->protocol != kIpProtocolIcmp || !icmp.read_u8(type) || type != kIcmpEchoReply) {
        return DropReason::not_udp;  // "not ours": neither UDP nor an echo reply
    }
    if (!icmp.skip(3) || !icmp.read_u16(reply.identifier) || !icmp.skip(2) || !icmp.read_u64(reply.probe_index)) {
        return DropReason::payload_too_short;
    }
    reply.source_mac = ip->ethernet.source;
    reply.source_ip = ip->source;
    return reply;
}

}  // namespace fo::wire

namespace fo::wire {

namespace {
constexpr std::uint64_t kUdpProbeMarker = 0x464F50524F424531ULL;  // "FOPROBE1"
}

std::vector<std::uint8_t> encode_udp_probe(std::uint16_t identifier, std::uint64_t probe_index) {
    std::vector<std::uint8_t> payload(kUdpProbePayloadSize);
    ByteWriter writer(payload);
    writer.write_u64(kUdpProbeMarker);
    writer.write_u16(identifier);
    writer.write_u64(probe_index);
    return payload;
}

DecodeResult<EchoReply> decode_udp_echo_reply_frame(std::span<const std::uint8_t> frame, std::uint16_t local_port) {
    // Echo replies come from a kernel stack that may leave the checksum to
    // the NIC (offload); the probe index is all we need from them.
    auto datagram = decode_udp_frame(frame, local_port, false);
    if (!datagram) {
        return datagram.reason();
    }
    ByteReader reader(datagram->payload);
    std::uint64_t marker = 0;
    EchoReply reply;
    if (!reader.read_u64(marker) || !reader.read_u16(reply.identifier) || !reader.read_u64(reply.probe_index)) {
        return DropReason::payload_too_short;
    }
    if (marker != kUdpProbeMarker) {
        return DropReason::bad_magic;
    }
    reply.source_mac = datagram->endpoints.source_mac;
    reply.source_ip = datagram->endpoints.source_ip;
    return reply;
}

DecodeResult<Echo6Reply> decode_udp6_echo_reply_frame(std::span<const std::uint8_t> frame, std::uint16_t local_port) {
    auto ip = decode_ipv6_frame(frame);
    if (!ip) {
        return ip.reason();
    }
    if (ip->next_header != kIpProtocolUdp) {
        return DropReason::not_udp;
    }
    ByteReader udp(ip->payload);
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::uint16_t udp_length = 0;
    // RFC 768: the length covers header and data, all of the IPv6 payload.
    if (!udp.read_u16(source_port) || !udp.read_u16(destination_port) || !udp.read_u16(udp_length) || !udp.skip(2) ||
        udp_length < kUdpHeaderSize || udp_length != ip->payload.size()) {
        return DropReason::bad_udp_length;
    }
    if (destination_port != local_port) {
        return DropReason::wrong_port;
    }
    ByteReader reader(ip->payload.subspan(kUdpHeaderSize, udp_length - kUdpHeaderSize));
    std::uint64_t marker = 0;
    Echo6Reply reply;
    if (!reader.read_u64(marker) || !reader.read_u16(reply.identifier) || !reader.read_u64(reply.probe_index)) {
        return DropReason::payload_too_short;
    }
    if (marker != kUdpProbeMarker) {
        return DropReason::bad_magic;
    }
    reply.source_mac = ip->ethernet.source;
    reply.source = ip->source;
    return reply;
}

}  // namespace fo::wire
