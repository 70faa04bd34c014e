#include "libnet_context.hpp"

#include <arpa/inet.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace fo::inject::detail {

LibnetContext::LibnetContext(int injection_type, const std::string& interface) : interface_(interface) {
    std::array<char, LIBNET_ERRBUF_SIZE> error{};
    context_ = libnet_init(injection_type, interface.empty() ? nullptr : interface.c_str(), error.data());
    if (context_ == nullptr) {
        throw std::runtime_error("cannot open " + (interface.empty() ? std::string("libnet") : interface) +
                                 " for injection: " + error.data());
    }
    if (injection_type == LIBNET_LINK) {
        // libnet's packet socket listens to ETH_P_ALL on every interface and
        // is never read: the kernel offers it a copy of every frame. Bound to
        // protocol 0 it receives nothing; libnet_write names the interface.
        sockaddr_ll unhooked{};
        unhooked.sll_family = AF_PACKET;
        (void)bind(libnet_getfd(context_), reinterpret_cast<const sockaddr*>(&unhooked), sizeof unhooked);
    }
}

LibnetContext::~LibnetContext() {
    libnet_destroy(context_);
}

wire::MacAddress LibnetContext::hardware_address() const {
    const libnet_ether_addr* address = libnet_get_hwaddr(context_);
    if (address == nullptr) {
        throw std::runtime_error("cannot read the hardware address of " + interface_ + ": " + error());
    }
    wire::MacAddress mac;
    std::memcpy(mac.octets.data(), address->ether_addr_octet, mac.octets.size());
    return mac;
}

wire::Ipv4Address LibnetContext::ipv4_address() const {
    const std::uint32_t network_order = libnet_get_ipaddr4(context_);
    if (network_order == static_cast<std::uint32_t>(-1)) {
        return wire::Ipv4Address{};
    }
    return wire::Ipv4Address{ntohl(network_order)};
}

}  // namespace fo::inject::detail
