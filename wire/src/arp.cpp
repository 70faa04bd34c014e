#include "fo/wire/arp.hpp"

#include "fo/wire/byte_reader.hpp"
#include "fo/wire/udp_frame.hpp"

namespace fo::wire {

namespace {
constexpr std::uint16_t kHardwareEthernet = 1;
constexpr std::uint8_t kHardwareLength = 6;
constexpr std::uint8_t kProtocolLength = 4;
}  // namespace

std::string_view to_string(ArpKind kind) {
    switch (kind) {
        case ArpKind::gratuitous_request: return "gratuitous-request";
        case ArpKind::gratuitous_reply: return "gratuitous-reply";
        case ArpKind::probe: return "probe";
        case ArpKind::request: return "request";
        case ArpKind::reply: return "reply";
    }
    return "unknown";
}

ArpKind ArpFrame::kind() const {
    if (operation == kArpRequest && sender_ip.is_unspecified()) {
        return ArpKind::probe;
    }
    if (!sender_ip.is_unspecified() && sender_ip == target_ip) {
        return operation == kArpRequest ? ArpKind::gratuitous_request : ArpKind::gratuitous_reply;
    }
    return operation == kArpRequest ? ArpKind::request : ArpKind::reply;
}

ArpFrame make_gratuitous_request(MacAddress own_mac, Ipv4Address address) {
    return ArpFrame{MacAddress::broadcast(), own_mac, kArpRequest, own_mac, address, MacAddress::zero(), address};
}

ArpFrame make_gratuitous_reply(MacAddress own_mac, Ipv4Address address) {
    return ArpFrame{MacAddress::broadcast(), own_mac, kArpReply, own_mac, address, own_mac, address};
}

ArpFrame make_arp_probe(MacAddress own_mac, Ipv4Address address) {
    return ArpFrame{MacAddress::broadcast(), own_mac, kArpRequest, own_mac, Ipv4Address{}, MacAddress::zero(), address};
}

std::array<std::uint8_t, kArpFrameSize> encode_arp_frame(const ArpFrame& frame) {
    std::array<std::uint8_t, kArpFrameSize> out{};
    ByteWriter writer(out);
    write_ethernet(writer, EthernetHeader{frame.ethernet_destination, frame.ethernet_source, kEtherTypeArp});
    writer.write_u16(kHardwareEthernet);
    writer.write_u16(kEtherTypeIpv4);
    writer.write_u8(kHardwareLength);
    writer.write_u8(kProtocolLength);
    writer.write_u16(frame.operation);
    writer.write_bytes(frame.sender_mac.octets);
    writer.write_u32(frame.sender_ip.value);
    writer.write_bytes(frame.target_mac.octets);
    writer.write_u32(frame.target_ip.value);
    return out;
}

DecodeResult<ArpFrame> decode_arp_frame(std::span<const std::uint8_t> frame) {
    ByteReader reader(frame);
    EthernetHeader ethernet;
    if (!read_ethernet(reader, ethernet)) {
        return DropReason::too_short;
    }
    if (ethernet.ether_type != kEtherTypeArp) {
        return DropReason::not_arp;
    }
    if (!reader.can_read(kArpFrameSize - kEthernetHeaderSize)) {
        return DropReason::too_short;
    }
    std::uint16_t hardware = 0;
    std::uint16_t protocol = 0;
    std::uint8_t hardware_length = 0;
    std::uint8_t protocol_length = 0;
    ArpFrame arp;
    arp.ethernet_destination = ethernet.destination;
    arp.ethernet_source = ethernet.source;
    reader.read_u16(hardware);
    reader.read_u16(protocol);
    reader.read_u8(hardware_length);
    reader.read_u8(protocol_length);
    if (hardware != kHardwareEthernet || protocol != kEtherTypeIpv4 || hardware_length != kHardwareLength ||
        protocol_length != kProtocolLength) {
        return DropReason::bad_arp_header;
    }
    reader.read_u16(arp.operation);
    if (arp.operation != kArpRequest && arp.operation != kArpReply) {
        return DropReason::unknown_arp_operation;
    }
    reader.read_bytes(arp.sender_mac.octets);
    reader.read_u32(arp.sender_ip.value);
    reader.read_bytes(arp.target_mac.octets);
    reader.read_u32(arp.target_ip.value);
    return arp;
}

}  // namespace fo::wire
