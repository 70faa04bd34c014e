#include "fo/inject/arp_sender.hpp"

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "fo/inject/packet_socket.hpp"
#include "fo/wire/arp.hpp"
#include "libnet_context.hpp"

namespace fo::inject {

struct LibnetArpSender::State {
    State(const std::string& interface, InjectionMode injection_mode, wire::MacAddress given_mac)
        : mode(injection_mode),
          source_mac(injection_mode == InjectionMode::link ? interface_addresses(interface).mac : given_mac) {
        if (mode == InjectionMode::link) {
            packet.emplace(interface, ETHERTYPE_ARP);
        }
    }
    ~State() = default;
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    State(State&&) = delete;
    State& operator=(State&&) = delete;

    detail::LibnetContext context;  // builds frames only (build_only mode)
    InjectionMode mode;
    wire::MacAddress source_mac;
    libnet_ptag_t arp_tag = 0;
    libnet_ptag_t ethernet_tag = 0;
    std::optional<PacketSocket> packet;  // link mode
};

LibnetArpSender::LibnetArpSender(const std::string& interface, InjectionMode mode, wire::MacAddress source_mac)
    : state_(std::make_unique<State>(interface, mode, source_mac)) {}

LibnetArpSender::~LibnetArpSender() = default;

wire::MacAddress LibnetArpSender::source_mac() const {
    return state_->source_mac;
}

bool LibnetArpSender::send_gratuitous(wire::Ipv4Address address, GratuitousArpForm form) {
    return send_frame(form == GratuitousArpForm::request ? wire::make_gratuitous_request(state_->source_mac, address)
                                                         : wire::make_gratuitous_reply(state_->source_mac, address));
}

bool LibnetArpSender::send_probe(wire::Ipv4Address address) {
    return send_frame(wire::make_arp_probe(state_->source_mac, address));
}

bool LibnetArpSender::send_frame(const wire::ArpFrame& frame) {
    State& s = *state_;
    if (s.mode == InjectionMode::link) {
        const auto bytes = wire::encode_arp_frame(frame);
        return s.packet->send(bytes, last_error_);
    }
    // build_only (benchmarks): libnet builds and assembles the frame.
    const std::uint32_t sender_ip = htonl(frame.sender_ip.value);
    const std::uint32_t target_ip = htonl(frame.target_ip.value);
    s.arp_tag =
        libnet_build_arp(ARPHRD_ETHER, ETHERTYPE_IP, 6, 4, frame.operation, frame.sender_mac.octets.data(),
                         reinterpret_cast<const std::uint8_t*>(&sender_ip), frame.target_mac.octets.data(),
                         reinterpret_cast<const std::uint8_t*>(&target_ip), nullptr, 0, s.context.get(), s.arp_tag);
    if (s.arp_tag == -1) {
        last_error_ = "libnet_build_arp: " + s.context.error();
        return false;
    }
    s.ethernet_tag =
        libnet_build_ethernet(frame.ethernet_destination.octets.data(), frame.ethernet_source.octets.data(),
                              ETHERTYPE_ARP, nullptr, 0, s.context.get(), s.ethernet_tag);
    if (s.ethernet_tag == -1) {
        last_error_ = "libnet_build_ethernet: " + s.context.error();
        return false;
    }
    std::uint8_t* packet = nullptr;
    std::uint32_t size = 0;
    const bool assembled = libnet_pblock_coalesce(s.context.get(), &packet, &size) != -1;
    std::free(packet);  // NOLINT(cppcoreguidelines-no-malloc): libnet allocates with malloc
    if (!assembled) {
        last_error_ = "libnet_pblock_coalesce: " + s.context.error();
    }
    return assembled;
}

}  // namespace fo::inject
