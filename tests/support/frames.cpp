#include "frames.hpp"

#include <cstring>

#include "fo/wire/checksum.hpp"

namespace fo::testing {

namespace {
constexpr std::size_t kIpStart = wire::kEthernetHeaderSize;
constexpr std::size_t kUdpStart = kIpStart + wire::kIpv4HeaderSize;
constexpr std::size_t kPayloadStart = kUdpStart + wire::kUdpHeaderSize;

wire::AuthKey key_from(const char* text) {
    return wire::AuthKey(std::vector<std::uint8_t>(text, text + std::strlen(text)));
}

void put_u16(Frame& frame, std::size_t at, std::uint16_t value) {
    frame[at] = static_cast<std::uint8_t>(value >> 8U);
    frame[at + 1] = static_cast<std::uint8_t>(value & 0xFFU);
}

std::uint16_t get_u16(const Frame& frame, std::size_t at) {
    return static_cast<std::uint16_t>((frame[at] << 8U) | frame[at + 1]);
}
}  // namespace

wire::AuthKey test_key() {
    return key_from(kTestKeyText);
}
wire::AuthKey other_key() {
    return key_from(kOtherKeyText);
}

wire::UdpEndpoints primary_to_secondary() {
    return wire::UdpEndpoints{wire::MacAddress{{0x02, 0, 0, 0, 0, 0x01}},
                              wire::MacAddress{{0x02, 0, 0, 0, 0, 0x02}},
                              wire::Ipv4Address{0xC6336401},
                              wire::Ipv4Address{0xC6336402},
                              wire::kDefaultHeartbeatPort,
                              wire::kDefaultHeartbeatPort};
}

wire::UdpEndpoints secondary_to_primary() {
    const wire::UdpEndpoints forward = primary_to_secondary();
    return wire::UdpEndpoints{forward.destination_mac, forward.source_mac,       forward.destination_ip,
                              forward.source_ip,       forward.destination_port, forward.source_port};
}

wire::Heartbeat sample_beat(std::uint64_t sequence) {
    wire::Heartbeat beat;
    beat.type = wire::MessageType::beat;
    beat.role = wire::Role::primary;
    beat.state = wire::SenderState::active;
    beat.link_id = 0;
    beat.node_id = 1;
    beat.boot_epoch = 0x1122334455667788ULL;
    beat.sequence = sequence;
    beat.tx_time_ns = 1'700'000'000'000'000'000ULL + sequence * 1'000'000ULL;
    beat.interval_us = 1000;
    return beat;
}

Frame beat_frame(const wire::Heartbeat& beat, const wire::AuthKey* key, const wire::UdpEndpoints& endpoints) {
    Frame frame(wire::kHeartbeatFrameSize);
    frame.resize(wire::encode_heartbeat_frame(endpoints, beat, key, frame));
    return frame;
}

Frame arp_frame(const wire::ArpFrame& arp) {
    const auto bytes = wire::encode_arp_frame(arp);
    return Frame(bytes.begin(), bytes.end());
}

void refresh_ip_checksum(Frame& frame) {
    put_u16(frame, kIpStart + 10, 0);
    const std::size_t header_length = static_cast<std::size_t>(frame[kIpStart] & 0x0FU) * 4;
    put_u16(frame, kIpStart + 10,
            wire::internet_checksum(std::span<const std::uint8_t>(frame).subspan(kIpStart, header_length)));
}

void refresh_udp_checksum(Frame& frame) {
    put_u16(frame, kUdpStart + 6, 0);
    const std::uint16_t udp_length = get_u16(frame, kUdpStart + 4);
    std::uint32_t sum = 0;
    for (std::size_t at = kIpStart + 12; at < kIpStart + 20; at += 2) {
        sum += get_u16(frame, at);
    }
    sum += wire::kIpProtocolUdp;
    sum += udp_length;
    const std::size_t length = std::min<std::size_t>(udp_length, frame.size() - kUdpStart);
    std::uint16_t checksum = wire::checksum_finish(
        wire::checksum_partial(std::span<const std::uint8_t>(frame).subspan(kUdpStart, length), sum));
    put_u16(frame, kUdpStart + 6, checksum == 0 ? 0xFFFF : checksum);
}

std::vector<MalformedCase> malformed_cases() {
    const wire::AuthKey key = test_key();
    const Frame valid = beat_frame(sample_beat(1), &key);
    std::vector<MalformedCase> cases;
    using wire::DropReason;

    cases.push_back({DropReason::too_short, Frame(valid.begin(), valid.begin() + 10)});
    {
        Frame frame = valid;
        put_u16(frame, 12, 0x86DD);  // IPv6 EtherType
        cases.push_back({DropReason::not_ipv4, frame});
    }
    {
        Frame frame = valid;
        frame[kIpStart] = 0x65;  // version 6 in an IPv4 EtherType
        cases.push_back({DropReason::bad_ip_header, frame});
    }
    {
        Frame frame = valid;
        put_u16(frame, kIpStart + 2, static_cast<std::uint16_t>(frame.size()));  // longer than the frame
        refresh_ip_checksum(frame);
        cases.push_back({DropReason::bad_ip_length, frame});
    }
    {
        Frame frame = valid;
        frame[kIpStart + 10] ^= 0x5AU;
        cases.push_back({DropReason::bad_ip_checksum, frame});
    }
    {
        Frame frame = valid;
        put_u16(frame, kIpStart + 6, 0x2000);  // more fragments
        refresh_ip_checksum(frame);
        cases.push_back({DropReason::ip_fragment, frame});
    }
    {
        Frame frame = valid;
        frame[kIpStart + 9] = 6;  // TCP
        refresh_ip_checksum(frame);
        cases.push_back({DropReason::not_udp, frame});
    }
    {
        Frame frame = valid;
        put_u16(frame, kUdpStart + 2, 1695);
        refresh_udp_checksum(frame);
        cases.push_back({DropReason::wrong_port, frame});
    }
    {
        Frame frame = valid;
        put_u16(frame, kUdpStart + 4, 20);  // shorter than the IP payload says
        cases.push_back({DropReason::bad_udp_length, frame});
    }
    {
        Frame frame = valid;
        frame[kUdpStart + 6] ^= 0x01U;
        cases.push_back({DropReason::bad_udp_checksum, frame});
    }
    {
        // A well-formed datagram carrying only the first 20 bytes of a payload.
        wire::UdpEndpoints endpoints = primary_to_secondary();
        wire::HeartbeatPayload payload{};
        const wire::Heartbeat beat = sample_beat(1);
        wire::encode_heartbeat_payload(beat, &key, payload);
        Frame frame(wire::kHeartbeatFrameSize);
        frame.resize(wire::encode_udp_frame(endpoints, std::span<const std::uint8_t>(payload).first(20), frame));
        cases.push_back({DropReason::payload_too_short, frame});
    }
    const auto payload_case = [&](DropReason reason, std::size_t offset, std::uint8_t value) {
        Frame frame = valid;
        frame[kPayloadStart + offset] = value;
        refresh_udp_checksum(frame);
        cases.push_back({reason, frame});
    };
    payload_case(DropReason::bad_magic, 0, 'X');
    payload_case(DropReason::unknown_version, 4, 99);
    payload_case(DropReason::bad_length, 11, 63);
    payload_case(DropReason::unknown_message_type, 5, 42);
    cases.push_back({DropReason::auth_missing, beat_frame(sample_beat(1), nullptr)});
    const wire::AuthKey wrong = other_key();
    cases.push_back({DropReason::bad_mac, beat_frame(sample_beat(1), &wrong)});
    return cases;
}

std::vector<UnrelatedCase> unrelated_frames() {
    std::vector<UnrelatedCase> frames;
    {
        wire::UdpEndpoints dns = primary_to_secondary();
        dns.destination_port = 53;
        dns.source_port = 40000;
        const std::uint8_t query[12] = {0x12, 0x34, 1, 0};
        Frame frame(128);
        frame.resize(wire::encode_udp_frame(dns, query, frame));
        frames.push_back({"udp to port 53", frame});
    }
    {
        Frame frame = beat_frame(sample_beat(1), nullptr);
        frame[wire::kEthernetHeaderSize + 9] = 6;  // TCP: port bytes sit where "dst port 1694" looks
        refresh_ip_checksum(frame);
        frames.push_back({"tcp to port 1694", frame});
    }
    {
        Frame frame = beat_frame(sample_beat(1), nullptr);
        put_u16(frame, 12, 0x86DD);
        frames.push_back({"ipv6 ethertype", frame});
    }
    {
        Frame frame(60, 0);
        const wire::MacAddress lldp{{0x01, 0x80, 0xC2, 0, 0, 0x0E}};
        std::copy(lldp.octets.begin(), lldp.octets.end(), frame.begin());
        frame[6] = 0x02;
        frame[11] = 0x09;
        put_u16(frame, 12, 0x88CC);
        frames.push_back({"lldp", frame});
    }
    return frames;
}

}  // namespace fo::testing
