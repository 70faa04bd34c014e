#include "fo/inject/heartbeat_sender.hpp"

#include <arpa/inet.h>

#include <stdexcept>

#include "libnet_context.hpp"

namespace fo::inject {

namespace {
constexpr std::uint16_t kFlagDontFragment = 0x4000;
}

struct LibnetHeartbeatSender::State {
    explicit State(const HeartbeatSenderOptions& given)
        : context(LIBNET_LINK, given.interface),
          options(given),
          source_mac(context.hardware_address()),
          source_ip(context.ipv4_address()),
          destination_mac(given.destination_mac) {}

    detail::LibnetContext context;
    HeartbeatSenderOptions options;
    wire::MacAddress source_mac;
    wire::Ipv4Address source_ip;
    wire::MacAddress destination_mac;
    libnet_ptag_t udp_tag = 0;
    libnet_ptag_t ip_tag = 0;
    libnet_ptag_t ethernet_tag = 0;
    wire::HeartbeatPayload payload{};

    bool build_udp() {
        udp_tag = libnet_build_udp(options.port, options.port,
                                   static_cast<std::uint16_t>(LIBNET_UDP_H + wire::kHeartbeatPayloadSize), 0,
                                   payload.data(), static_cast<std::uint32_t>(payload.size()), context.get(), udp_tag);
        return udp_tag != -1;
    }

    bool build_ethernet() {
        ethernet_tag = libnet_build_ethernet(destination_mac.octets.data(), source_mac.octets.data(), ETHERTYPE_IP,
                                             nullptr, 0, context.get(), ethernet_tag);
        return ethernet_tag != -1;
    }
};

LibnetHeartbeatSender::LibnetHeartbeatSender(const HeartbeatSenderOptions& options)
    : state_(std::make_unique<State>(options)) {
    State& s = *state_;
    const auto ip_length = static_cast<std::uint16_t>(LIBNET_IPV4_H + LIBNET_UDP_H + wire::kHeartbeatPayloadSize);
    // libnet builds from the innermost header out: UDP, then IPv4, then Ethernet.
    const bool built =
        s.build_udp() &&
        (s.ip_tag = libnet_build_ipv4(ip_length, wire::kHeartbeatTos, 0, kFlagDontFragment, wire::kHeartbeatTtl,
                                      IPPROTO_UDP, 0, htonl(s.source_ip.value), htonl(options.destination_ip.value),
                                      nullptr, 0, s.context.get(), 0)) != -1 &&
        s.build_ethernet();
    if (!built) {
        throw std::runtime_error("cannot build heartbeat headers on " + options.interface + ": " + s.context.error());
    }
}

LibnetHeartbeatSender::~LibnetHeartbeatSender() = default;

bool LibnetHeartbeatSender::send(const wire::Heartbeat& beat) {
    State& s = *state_;
    wire::sign_heartbeat_payload(beat, s.options.keyring, s.payload);
    if (!s.build_udp()) {
        last_error_ = "libnet_build_udp: " + s.context.error();
        return false;
    }
    if (libnet_write(s.context.get()) == -1) {
        last_error_ = "libnet_write on " + s.options.interface + ": " + s.context.error();
        return false;
    }
    return true;
}

bool LibnetHeartbeatSender::set_destination_mac(wire::MacAddress mac) {
    state_->destination_mac = mac;
    if (!state_->build_ethernet()) {
        last_error_ = "libnet_build_ethernet: " + state_->context.error();
        return false;
    }
    return true;
}

wire::MacAddress LibnetHeartbeatSender::source_mac() const {
    return state_->source_mac;
}
wire::Ipv4Address LibnetHeartbeatSender::source_ip() const {
    return state_->source_ip;
}

}  // namespace fo::inject
