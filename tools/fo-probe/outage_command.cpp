#include "outage_command.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include "fo/capture/pcap_source.hpp"
#include "fo/inject/arp_sender.hpp"
#include "fo/runtime/clock.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/runtime/log.hpp"
#include "fo/runtime/process.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/icmp_echo.hpp"
#include "outage_loop.hpp"

namespace fo::probe {

namespace {

constexpr double kMaximumRateHz = 20'000;

/// Sends the probes as the client's own stack would route them (through its
/// ARP cache: what clients see): ICMP echo on a raw socket, or UDP datagrams
/// to an echo service.
class EchoSocket {
  public:
    EchoSocket(const std::string& interface, wire::Ipv4Address target, std::uint16_t udp_port)
        : fd_(open_probe_socket(AF_INET, udp_port == 0 ? SOCK_RAW : SOCK_DGRAM, udp_port == 0 ? IPPROTO_ICMP : 0,
                                interface, "probe socket (ICMP needs root or CAP_NET_RAW)")) {
        destination_.sin_family = AF_INET;
        destination_.sin_addr.s_addr = htonl(target.value);
        destination_.sin_port = htons(udp_port);
        if (udp_port != 0) {
            local_port_ = bind_ephemeral_port(fd_, AF_INET);
        }
    }
    [[nodiscard]] std::uint16_t local_port() const { return local_port_; }
    ~EchoSocket() { close(fd_); }
    EchoSocket(const EchoSocket&) = delete;
    EchoSocket& operator=(const EchoSocket&) = delete;

    bool send(const std::vector<std::uint8_t>& packet) {
        return sendto(fd_, packet.data(), packet.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&destination_),
                      sizeof destination_) >= 0;
    }

  private:
    int fd_ = -1;
    sockaddr_in destination_{};
    std::uint16_t local_port_ = 0;
};

class ReplyHandler final : public capture::PacketHandler {
  public:
    ReplyHandler(OutageAnalyzer& analyzer, wire::Ipv4Address target, std::uint16_t identifier,
                 std::uint16_t udp_local_port)
        : analyzer_(analyzer), target_(target), identifier_(identifier), udp_local_port_(udp_local_port) {}

    void on_packet(const capture::CapturedPacket& packet) override {
        auto echo = udp_local_port_ != 0 ? wire::decode_udp_echo_reply_frame(packet.data, udp_local_port_)
                                         : wire::decode_echo_reply_frame(packet.data);
        if (echo) {
            if (echo->identifier == identifier_ && echo->source_ip == target_) {
                analyzer_.on_echo_reply(echo->probe_index, echo->source_mac, packet.timestamp_ns);
            }
            return;
        }
        auto arp = wire::decode_arp_frame(packet.data);
        if (!arp || arp->sender_ip != target_) {
            return;
        }
        if (arp->target_ip == target_) {  // RFC 5227 section 3: an announcement
            analyzer_.on_gratuitous_arp(arp->sender_mac, packet.timestamp_ns);
        } else if (arp->operation == wire::kArpReply) {
            analyzer_.on_arp_reply(arp->sender_mac, packet.timestamp_ns);
        }
    }

  private:
    OutageAnalyzer& analyzer_;
    wire::Ipv4Address target_;
    std::uint16_t identifier_;
    std::uint16_t udp_local_port_;
};

}  // namespace

int run_outage(const OutageOptions& options) {
    const auto target = wire::Ipv4Address::parse(options.target);
    const auto target6 = target ? std::nullopt : wire::Ipv6Address::parse(options.target);
    if (!target && !target6) {
        runtime::log_error("--target '" + options.target + "' is not an IPv4 or IPv6 address");
        return 2;
    }
    if (options.rate_hz <= 0 || options.rate_hz > kMaximumRateHz) {
        runtime::log_error("--rate must be between 1 and 20000 probes per second");
        return 2;
    }
    if (!options.plot_file.empty() && !std::ofstream(options.plot_file, std::ios::app)) {
        runtime::log_error("--plot: cannot write " + options.plot_file);  // before measuring, not after
        return 2;
    }
    if (target6) {
        return run_outage_ipv6(options, *target6);  // outage_ipv6.cpp
    }
    const auto period_ns = static_cast<std::int64_t>(1e9 / options.rate_hz);
    const auto identifier = static_cast<std::uint16_t>(getpid() & 0xFFFF);
    // ARP requests for the target go out from a MAC that is not ours and a
    // sender IP of 0.0.0.0 (the RFC 5227 probe form): every host holding the
    // address answers, and no host, nor this client, learns anything from it.
    wire::MacAddress probe_mac{{0x02, 0x66, 0x6F, 0, 0, 0}};
    const std::uint64_t random = runtime::random_u64();
    probe_mac.octets[3] = static_cast<std::uint8_t>(random);
    probe_mac.octets[4] = static_cast<std::uint8_t>(random >> 8U);
    probe_mac.octets[5] = static_cast<std::uint8_t>(random >> 16U);

    EchoSocket echo(options.interface, *target, options.udp_port);
    const std::string replies = options.udp_port == 0
                                    ? "icmp and icmp[icmptype] == icmp-echoreply and src host " + target->to_string()
                                    : "udp and src host " + target->to_string() + " and src port " +
                                          std::to_string(options.udp_port) + " and dst port " +
                                          std::to_string(echo.local_port());
    // ARP: the answers to our probes, and the gratuitous ARPs (broadcast) of whoever claims the address.
    const std::string filter = "(" + replies + ") or (arp and (ether dst " + probe_mac.to_string() +
                               " or (ether broadcast and not ether src " + probe_mac.to_string() + ")))";
    capture::LiveCaptureOptions capture_options{options.interface, filter};
    capture_options.promiscuous = true;
    auto source = capture::open_live_capture(capture_options);
    inject::LibnetArpSender arp(options.interface);
    const wire::ArpFrame arp_probe{
        wire::MacAddress::broadcast(), probe_mac, wire::kArpRequest, probe_mac, wire::Ipv4Address{},
        wire::MacAddress::zero(),      *target};

    OutageAnalyzer analyzer(period_ns);
    ReplyHandler handler(analyzer, *target, identifier, echo.local_port());
    run_probe_loop(*source, handler, options, period_ns, analyzer, [&](std::uint64_t index) {
        // A failed send (e.g. no ARP answer yet for the target) is a lost probe, as for any client.
        (void)echo.send(options.udp_port == 0 ? wire::encode_echo_request(identifier, index)
                                              : wire::encode_udp_probe(identifier, index));
        (void)arp.send_frame(arp_probe);
    });

    return print_outage_report(analyzer, options);
}

namespace {

/// A UDP socket of `family` on `port`, asking for the destination address
/// of each datagram (IP_PKTINFO, RFC 3542 6.1 IPV6_RECVPKTINFO); -1 (errno
/// set) when it cannot be had. The IPv6 one is IPv6 only: IPv4 keeps its own.
int open_echo_socket(int family, std::uint16_t port) {
    const int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -1;
    }
    const int enable = 1;
    sockaddr_storage local{};
    socklen_t length = 0;
    if (family == AF_INET6) {
        auto& local6 = reinterpret_cast<sockaddr_in6&>(local);
        local6.sin6_family = AF_INET6;
        local6.sin6_port = htons(port);
        length = sizeof local6;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &enable, sizeof enable);
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &enable, sizeof enable);
    } else {
        auto& local4 = reinterpret_cast<sockaddr_in&>(local);
        local4.sin_family = AF_INET;
        local4.sin_port = htons(port);
        length = sizeof local4;
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &enable, sizeof enable);
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), length) != 0) {
        const int error = errno;
        close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

/// Echoes what waits on `fd`, each answer from the address the datagram was
/// sent to (the service address, not the interface's primary one): the
/// packet info that came in goes back out.
void echo_waiting(int fd) {
    std::array<char, 2048> buffer{};
    std::array<char, CMSG_SPACE(sizeof(in6_pktinfo))> control{};  // the larger of the two
    for (int round = 0; round < 64; ++round) {
        sockaddr_storage peer{};
        iovec data{buffer.data(), buffer.size()};
        msghdr message{};
        message.msg_name = &peer;
        message.msg_namelen = sizeof peer;
        message.msg_iov = &data;
        message.msg_iovlen = 1;
        message.msg_control = control.data();
        message.msg_controllen = control.size();
        const ssize_t got = recvmsg(fd, &message, 0);
        if (got < 0) {
            break;
        }
        for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
            if (header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_PKTINFO) {
                auto* info = reinterpret_cast<in_pktinfo*>(CMSG_DATA(header));
                info->ipi_spec_dst = info->ipi_addr;
                info->ipi_ifindex = 0;
            }
            // IPV6_PKTINFO goes back as it came: its address is the source,
            // its interface the one a link-local peer is reached on.
        }
        data.iov_len = static_cast<std::size_t>(got);
        (void)sendmsg(fd, &message, MSG_DONTWAIT);
    }
}

}  // namespace

int run_echo_server(std::uint16_t port) {
    const int fd = open_echo_socket(AF_INET, port);
    if (fd < 0) {
        runtime::log_error("echo: cannot bind UDP port " + std::to_string(port) + ": " + std::strerror(errno));
        return 1;
    }
    // IPv6 where the host has it; a host without it still serves IPv4.
    const int fd6 = open_echo_socket(AF_INET6, port);
    if (fd6 < 0) {
        runtime::log_info("echo: no IPv6 on UDP port " + std::to_string(port) + ": " + std::strerror(errno));
    }
    runtime::EventLoop loop;
    loop.watch_readable(fd, [fd] { echo_waiting(fd); });
    if (fd6 >= 0) {
        loop.watch_readable(fd6, [fd6] { echo_waiting(fd6); });
    }
    loop.on_signal(SIGINT, [&] { loop.stop(); });
    loop.on_signal(SIGTERM, [&] { loop.stop(); });
    runtime::log_info("echoing UDP on port " + std::to_string(port) + (fd6 >= 0 ? " (IPv4 and IPv6)" : " (IPv4)"));
    loop.run();
    close(fd);
    if (fd6 >= 0) {
        close(fd6);
    }
    return 0;
}

}  // namespace fo::probe
