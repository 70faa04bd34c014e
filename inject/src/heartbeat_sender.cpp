#include "fo/inject/heartbeat_sender.hpp"

#include <arpa/inet.h>
#include <net/ethernet.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "fo/wire/checksum.hpp"
#include "libnet_context.hpp"

namespace fo::inject {

namespace {
constexpr std::uint16_t kFlagDontFragment = 0x4000;
constexpr std::size_t kEthernetHeader = LIBNET_ETH_H;
constexpr std::size_t kIpv4Header = LIBNET_IPV4_H;
constexpr std::size_t kUdpHeader = LIBNET_UDP_H;
constexpr std::size_t kUdpOffset = kEthernetHeader + kIpv4Header;
constexpr std::size_t kUdpChecksumOffset = kUdpOffset + 6;  // RFC 768: source, destination, length, checksum
constexpr std::size_t kPayloadOffset = kUdpOffset + kUdpHeader;
constexpr std::size_t kFrameSize = kPayloadOffset + wire::kHeartbeatPayloadSize;
constexpr std::uint8_t kProtocolUdp = 17;

struct SourceAddresses {
    wire::MacAddress mac;
    wire::Ipv4Address ip;
};

SourceAddresses source_addresses(const HeartbeatSenderOptions& options) {
    if (options.source_mac && options.source_ip) {
        return {*options.source_mac, *options.source_ip};
    }
    const InterfaceAddresses found = interface_addresses(options.interface);
    return {options.source_mac.value_or(found.mac), options.source_ip.value_or(found.ipv4)};
}

/// The frame with a zero payload, assembled by libnet (IPv4 checksum included).
std::vector<std::uint8_t> build_template(const HeartbeatSenderOptions& options, const SourceAddresses& source) {
    detail::LibnetContext context;
    const wire::HeartbeatPayload zeros{};
    const auto ip_length = static_cast<std::uint16_t>(kIpv4Header + kUdpHeader + wire::kHeartbeatPayloadSize);
    // libnet builds from the innermost header out: UDP, then IPv4, then Ethernet.
    const bool built =
        libnet_build_udp(options.port, options.port, static_cast<std::uint16_t>(kUdpHeader + zeros.size()), 0,
                         zeros.data(), static_cast<std::uint32_t>(zeros.size()), context.get(), 0) != -1 &&
        libnet_build_ipv4(ip_length, wire::kHeartbeatTos, 0, kFlagDontFragment, wire::kHeartbeatTtl, IPPROTO_UDP, 0,
                          htonl(source.ip.value), htonl(options.destination_ip.value), nullptr, 0, context.get(),
                          0) != -1 &&
        libnet_build_ethernet(options.destination_mac.octets.data(), source.mac.octets.data(), ETHERTYPE_IP, nullptr, 0,
                              context.get(), 0) != -1;
    std::uint8_t* packet = nullptr;
    std::uint32_t size = 0;
    if (!built || libnet_pblock_coalesce(context.get(), &packet, &size) == -1) {
        throw std::runtime_error("cannot build heartbeat headers on " + options.interface + ": " + context.error());
    }
    std::vector<std::uint8_t> frame(packet, packet + size);
    std::free(packet);  // NOLINT(cppcoreguidelines-no-malloc): libnet allocates with malloc
    if (frame.size() != kFrameSize) {
        throw std::runtime_error("libnet assembled a heartbeat frame of " + std::to_string(frame.size()) +
                                 " bytes, not " + std::to_string(kFrameSize));
    }
    return frame;
}
}  // namespace

struct LibnetHeartbeatSender::State {
    State(const HeartbeatSenderOptions& given, std::unique_ptr<FrameSink> given_sink)
        : options(given), source(source_addresses(given)), sink(std::move(given_sink)) {
        frame = build_template(options, source);
        frame[kUdpChecksumOffset] = 0;
        frame[kUdpChecksumOffset + 1] = 0;
        // RFC 768: the checksum covers a pseudo-header (source, destination,
        // zero, protocol, UDP length), the UDP header and the payload; all but
        // the payload are fixed, so their sum is taken once.
        std::array<std::uint8_t, 12> pseudo{};
        std::memcpy(pseudo.data(), &frame[kEthernetHeader + 12], 8);  // IPv4 source and destination
        pseudo[9] = kProtocolUdp;
        pseudo[10] = frame[kUdpOffset + 4];  // the UDP length
        pseudo[11] = frame[kUdpOffset + 5];
        fixed_sum = wire::checksum_partial(std::span<const std::uint8_t>(&frame[kUdpOffset], kUdpHeader),
                                           wire::checksum_partial(pseudo));
    }

    HeartbeatSenderOptions options;
    SourceAddresses source;
    std::unique_ptr<FrameSink> sink;
    std::vector<std::uint8_t> frame;
    std::uint32_t fixed_sum = 0;
    wire::HeartbeatPayload payload{};
};

LibnetHeartbeatSender::LibnetHeartbeatSender(const HeartbeatSenderOptions& options)
    : LibnetHeartbeatSender(options, std::make_unique<PacketSocket>(options.interface, ETHERTYPE_IP)) {}

LibnetHeartbeatSender::LibnetHeartbeatSender(const HeartbeatSenderOptions& options, std::unique_ptr<FrameSink> sink)
    : state_(std::make_unique<State>(options, std::move(sink))) {}

LibnetHeartbeatSender::~LibnetHeartbeatSender() = default;

bool LibnetHeartbeatSender::send(const wire::Heartbeat& beat) {
    State& s = *state_;
    wire::sign_heartbeat_payload(beat, s.options.keyring, s.payload);
    std::memcpy(&s.frame[kPayloadOffset], s.payload.data(), s.payload.size());
    std::uint16_t checksum = wire::checksum_finish(wire::checksum_partial(s.payload, s.fixed_sum));
    if (checksum == 0) {
        checksum = 0xffff;  // RFC 768: a computed zero is sent as all ones (zero means "none")
    }
    s.frame[kUdpChecksumOffset] = static_cast<std::uint8_t>(checksum >> 8U);
    s.frame[kUdpChecksumOffset + 1] = static_cast<std::uint8_t>(checksum & 0xffU);
    return s.sink->send(s.frame, last_error_);
}

bool LibnetHeartbeatSender::set_destination_mac(wire::MacAddress mac) {
    state_->options.destination_mac = mac;
    std::memcpy(state_->frame.data(), mac.octets.data(), mac.octets.size());  // Ethernet destination: no checksum
    return true;
}

wire::MacAddress LibnetHeartbeatSender::source_mac() const {
    return state_->source.mac;
}
wire::Ipv4Address LibnetHeartbeatSender::source_ip() const {
    return state_->source.ip;
}

}  // namespace fo::inject
