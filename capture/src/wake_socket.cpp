#include "fo/capture/wake_socket.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fo::capture {

namespace {
constexpr int kSnapLength = 256;
constexpr int kReceiveBufferBytes = 64 * 1024;
constexpr int kMaxDrain = 1024;
constexpr int kPacketIgnoreOutgoing = 23;  // PACKET_IGNORE_OUTGOING, <linux/if_packet.h> (Linux 4.20)

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

/// Compiles `filter` for Ethernet and attaches it to `fd`.
void attach_filter(int fd, const std::string& filter) {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, kSnapLength);
    bpf_program program{};
    if (pcap_compile(dead, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        const std::string message = pcap_geterr(dead);
        pcap_close(dead);
        throw std::runtime_error("bad wake filter '" + filter + "': " + message);
    }
    pcap_close(dead);
    sock_fprog kernel_program{};
    kernel_program.len = static_cast<unsigned short>(program.bf_len);
    kernel_program.filter = reinterpret_cast<sock_filter*>(program.bf_insns);  // the same layout
    const int status = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &kernel_program, sizeof kernel_program);
    pcap_freecode(&program);
    if (status != 0) {
        throw std::runtime_error(errno_text("SO_ATTACH_FILTER"));
    }
}
}  // namespace

WakeSocket::WakeSocket(const std::string& interface, const std::string& filter) {
    const unsigned index = if_nametoindex(interface.c_str());
    if (index == 0) {
        throw std::runtime_error(errno_text("no interface " + interface));
    }
    // Protocol 0 until the filter is in place: nothing unfiltered is queued.
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error(errno_text("cannot open a wake socket on " + interface));
    }
    try {
        attach_filter(fd_, filter);
        (void)setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &kReceiveBufferBytes, sizeof kReceiveBufferBytes);
        const int on = 1;  // our own frames never ring (Linux 4.20; the filter excludes them anyway)
        (void)setsockopt(fd_, SOL_PACKET, kPacketIgnoreOutgoing, &on, sizeof on);
        sockaddr_ll address{};
        address.sll_family = AF_PACKET;
        address.sll_protocol = htons(ETH_P_ALL);
        address.sll_ifindex = static_cast<int>(index);
        if (bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
            throw std::runtime_error(errno_text("cannot bind the wake socket to " + interface));
        }
    } catch (...) {
        close(fd_);
        throw;
    }
}

WakeSocket::~WakeSocket() {
    close(fd_);
}

int WakeSocket::drain() const {
    std::array<std::uint8_t, 64> discard{};
    int count = 0;
    while (count < kMaxDrain && recv(fd_, discard.data(), discard.size(), MSG_DONTWAIT | MSG_TRUNC) >= 0) {
        ++count;
    }
    return count;
}

DiscardingUdpPort::DiscardingUdpPort(std::uint16_t port, std::uint32_t local_address, std::uint32_t peer_address) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error(errno_text("socket"));
    }
    // "ret #0": every datagram is dropped before it is queued.
    std::array<sock_filter, 1> drop_all{{{BPF_RET | BPF_K, 0, 0, 0}}};
    const sock_fprog program{static_cast<unsigned short>(drop_all.size()), drop_all.data()};
    const int on = 1;  // one socket per link on the same port
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(port);
    local.sin_addr.s_addr = htonl(local_address);
    sockaddr_in peer = local;
    peer.sin_addr.s_addr = htonl(peer_address);
    if (setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0 ||
        setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0 ||
        connect(fd_, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) != 0) {
        const std::string message = errno_text("cannot hold UDP port " + std::to_string(port));
        close(fd_);
        throw std::runtime_error(message);
    }
}

DiscardingUdpPort::~DiscardingUdpPort() {
    close(fd_);
}

}  // namespace fo::capture
