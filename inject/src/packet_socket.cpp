#include "fo/inject/packet_socket.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fo::inject {

namespace {
std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

void copy_name(ifreq& request, const std::string& interface) {
    if (interface.empty() || interface.size() >= sizeof request.ifr_name) {
        throw std::runtime_error("bad interface name '" + interface + "'");
    }
    std::memcpy(request.ifr_name, interface.c_str(), interface.size() + 1);
}
}  // namespace

InterfaceAddresses interface_addresses(const std::string& interface) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error(errno_text("socket"));
    }
    InterfaceAddresses result;
    ifreq request{};
    copy_name(request, interface);
    if (ioctl(fd, SIOCGIFINDEX, &request) != 0) {
        const std::string message = errno_text("no interface " + interface);
        close(fd);
        throw std::runtime_error(message);
    }
    result.index = request.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &request) != 0) {
        const std::string message = errno_text("cannot read the hardware address of " + interface);
        close(fd);
        throw std::runtime_error(message);
    }
    std::memcpy(result.mac.octets.data(), request.ifr_hwaddr.sa_data, result.mac.octets.size());
    if (ioctl(fd, SIOCGIFADDR, &request) == 0 && request.ifr_addr.sa_family == AF_INET) {
        sockaddr_in address{};
        std::memcpy(&address, &request.ifr_addr, sizeof address);
        result.ipv4 = wire::Ipv4Address{ntohl(address.sin_addr.s_addr)};
    }
    close(fd);
    return result;
}

PacketSocket::PacketSocket(const std::string& interface, std::uint16_t ether_type) : interface_(interface) {
    const unsigned index = if_nametoindex(interface.c_str());
    if (index == 0) {
        throw std::runtime_error(errno_text("no interface " + interface));
    }
    // Protocol 0: no receive hook, so the kernel never queues frames here.
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error(errno_text("cannot open " + interface + " for injection (AF_PACKET socket)"));
    }
    address_.sll_family = AF_PACKET;
    address_.sll_protocol = htons(ether_type);
    address_.sll_ifindex = static_cast<int>(index);
}

PacketSocket::~PacketSocket() {
    close(fd_);
}

bool PacketSocket::send(std::span<const std::uint8_t> frame, std::string& error) {
    const auto send_once = [&] {  // 0 or the errno
        const ssize_t sent =
            sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&address_), sizeof address_);
        if (sent == static_cast<ssize_t>(frame.size())) {
            return 0;
        }
        return sent < 0 ? errno : EMSGSIZE;
    };
    int failure = send_once();
    if (failure == ENXIO || failure == ENODEV) {
        // The interface was re-created under the same name: a new index.
        const unsigned index = if_nametoindex(interface_.c_str());
        if (index != 0 && static_cast<int>(index) != address_.sll_ifindex) {
            address_.sll_ifindex = static_cast<int>(index);
            failure = send_once();
        }
    }
    if (failure != 0) {
        error = "sendto on " + interface_ + ": " + std::strerror(failure);
        return false;
    }
    return true;
}

}  // namespace fo::inject
