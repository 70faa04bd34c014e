#include "fo/inject/arp_sender.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "fo/wire/arp.hpp"
#include "libnet_context.hpp"

namespace fo::inject {

struct LibnetArpSender::State {
    State(const std::string& interface, InjectionMode injection_mode, wire::MacAddress given_mac)
        : context(injection_mode == InjectionMode::link ? LIBNET_LINK : LIBNET_NONE, interface),
          mode(injection_mode),
          source_mac(injection_mode == InjectionMode::link ? context.hardware_address() : given_mac) {
        if (mode != InjectionMode::link) {
            return;
        }
        // A takeover announces up to thousands of addresses back to back:
        // one cached packet socket and interface index, where libnet_write
        // asks the kernel for the index (an ioctl) on every frame.
        const unsigned index = if_nametoindex(interface.c_str());
        packet_fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);  // protocol 0: sends only, receives nothing
        if (index == 0 || packet_fd < 0) {
            const std::string why = std::strerror(errno);
            if (packet_fd >= 0) {
                ::close(packet_fd);
            }
            throw std::runtime_error("ARP sender on " + interface + ": " + why);
        }
        link_address.sll_family = AF_PACKET;
        link_address.sll_protocol = htons(ETHERTYPE_ARP);
        link_address.sll_ifindex = static_cast<int>(index);
        link_address.sll_halen = ETHER_ADDR_LEN;
        interface_name = interface;
    }
    ~State() {
        if (packet_fd >= 0) {
            ::close(packet_fd);
        }
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    State(State&&) = delete;
    State& operator=(State&&) = delete;

    detail::LibnetContext context;
    InjectionMode mode;
    wire::MacAddress source_mac;
    libnet_ptag_t arp_tag = 0;
    libnet_ptag_t ethernet_tag = 0;
    int packet_fd = -1;
    sockaddr_ll link_address{};
    std::string interface_name;
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
        sockaddr_ll destination = s.link_address;
        std::memcpy(destination.sll_addr, frame.ethernet_destination.octets.data(), ETHER_ADDR_LEN);
        const auto send = [&] {
            return ::sendto(s.packet_fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&destination),
                            sizeof destination) >= 0;
        };
        bool sent = send();
        if (!sent && (errno == ENXIO || errno == ENODEV)) {
            // The interface was re-created under the same name: a new index.
            const unsigned index = if_nametoindex(s.interface_name.c_str());
            if (index != 0) {
                s.link_address.sll_ifindex = static_cast<int>(index);
                destination.sll_ifindex = static_cast<int>(index);
                sent = send();
            }
        }
        if (!sent) {
            last_error_ = std::string("sendto: ") + std::strerror(errno);
        }
        return sent;
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
