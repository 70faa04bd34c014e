#include "fo/inject/frame_sink.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
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

PacketSocketSink::PacketSocketSink(const std::string& interface) : interface_(interface) {
    const InterfaceAddresses addresses = interface_addresses(interface);
    // Protocol 0: no receive hook, so the kernel never queues frames here.
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error(errno_text("cannot open " + interface + " for injection (AF_PACKET socket)"));
    }
    address_.sll_family = AF_PACKET;
    address_.sll_protocol = htons(ETH_P_IP);  // the kernel's skb->protocol; the frame carries its own
    address_.sll_ifindex = addresses.index;
}

PacketSocketSink::~PacketSocketSink() {
    close(fd_);
}

bool PacketSocketSink::send(std::span<const std::uint8_t> frame, std::string& error) {
    const ssize_t sent =
        sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&address_), sizeof address_);
    if (sent != static_cast<ssize_t>(frame.size())) {
        error = errno_text("sendto on " + interface_);
        return false;
    }
    return true;
}

bool DescriptorSink::send(std::span<const std::uint8_t> frame, std::string& error) {
    if (::send(fd_, frame.data(), frame.size(), MSG_DONTWAIT) != static_cast<ssize_t>(frame.size())) {
        error = errno_text("send");
        return false;
    }
    return true;
}

}  // namespace fo::inject
