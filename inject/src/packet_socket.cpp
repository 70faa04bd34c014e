#include "packet_socket.hpp"

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fo::inject::detail {

PacketSocket::PacketSocket(const std::string& interface, std::uint16_t ether_type) : interface_(interface) {
    const unsigned index = if_nametoindex(interface.c_str());
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);  // protocol 0: sends only, receives nothing
    if (index == 0 || fd_ < 0) {
        const std::string why = std::strerror(errno);
        if (fd_ >= 0) {
            ::close(fd_);
        }
        throw std::runtime_error("packet socket on " + interface + ": " + why);
    }
    link_address_.sll_family = AF_PACKET;
    link_address_.sll_protocol = htons(ether_type);
    link_address_.sll_ifindex = static_cast<int>(index);
    link_address_.sll_halen = ETHER_ADDR_LEN;
}

PacketSocket::~PacketSocket() {
    ::close(fd_);
}

bool PacketSocket::send(std::span<const std::uint8_t> frame, const wire::MacAddress& destination, std::string& error) {
    sockaddr_ll to = link_address_;
    std::memcpy(to.sll_addr, destination.octets.data(), ETHER_ADDR_LEN);
    const auto send_once = [&] {
        return ::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) >= 0;
    };
    bool sent = send_once();
    if (!sent && (errno == ENXIO || errno == ENODEV)) {
        // The interface was re-created under the same name: a new index.
        const unsigned index = if_nametoindex(interface_.c_str());
        if (index != 0) {
            link_address_.sll_ifindex = static_cast<int>(index);
            to.sll_ifindex = static_cast<int>(index);
            sent = send_once();
        }
    }
    if (!sent) {
        error = std::string("sendto: ") + std::strerror(errno);
    }
    return sent;
}

wire::MacAddress PacketSocket::hardware_address() const {
    ifreq request{};
    std::strncpy(request.ifr_name, interface_.c_str(), IFNAMSIZ - 1);
    wire::MacAddress mac;
    if (::ioctl(fd_, SIOCGIFHWADDR, &request) == 0) {
        std::memcpy(mac.octets.data(), request.ifr_hwaddr.sa_data, mac.octets.size());
    }
    return mac;
}

}  // namespace fo::inject::detail
