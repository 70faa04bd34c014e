#include "fo/inject/neighbor.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fo::inject {

namespace {
constexpr unsigned kArpFlagComplete = 0x2;  // ATF_COM, <net/if_arp.h>
constexpr std::uint16_t kDiscardPort = 9;   // RFC 863
}  // namespace

std::optional<wire::MacAddress> lookup_neighbor(const std::string& interface, wire::Ipv4Address address) {
    std::ifstream table("/proc/net/arp");
    std::string line;
    std::getline(table, line);  // header
    const std::string wanted_ip = address.to_string();
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string ip;
        std::string hardware_type;
        std::string flags;
        std::string mac;
        std::string mask;
        std::string device;
        if (!(fields >> ip >> hardware_type >> flags >> mac >> mask >> device)) {
            continue;
        }
        if (ip != wanted_ip || device != interface) {
            continue;
        }
        if ((std::stoul(flags, nullptr, 16) & kArpFlagComplete) == 0) {
            return std::nullopt;
        }
        return wire::MacAddress::parse(mac);
    }
    return std::nullopt;
}

bool solicit_neighbor(const std::string& interface, wire::Ipv4Address address, std::string& error) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    bool ok =
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), static_cast<socklen_t>(interface.size())) == 0;
    if (ok) {
        sockaddr_in destination{};
        destination.sin_family = AF_INET;
        destination.sin_port = htons(kDiscardPort);
        destination.sin_addr.s_addr = htonl(address.value);
        const char byte = 0;
        ok = sendto(fd, &byte, 1, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&destination), sizeof destination) >=
             0;
    }
    if (!ok) {
        error = "resolving " + address.to_string() + " on " + interface + ": " + std::strerror(errno);
    }
    close(fd);
    return ok;
}

}  // namespace fo::inject
