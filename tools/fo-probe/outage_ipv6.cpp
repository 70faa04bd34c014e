// `fo-probe outage` for an IPv6 target: ICMPv6 echo (or UDP to an echo
// service with --udp) through the client's own stack (so through its neighbor cache: what clients see), and neighbor
// discovery followed on the wire: every period a neighbor solicitation for
// the target from a MAC and a link-local address of our own (no host uses
// them, so no host's cache changes for anything it talks to; not the DAD
// form: a DAD probe for a service address is a claim to the failover
// daemons), and every advertisement for the target: a solicited one (the
// holder's answer to our solicitation) counts as that MAC's claim, as ARP
// replies do for IPv4 (two MACs answering one solicitation: two owners); an
// unsolicited one (a new holder's announcement, RFC 4861 7.2.6) is listed as
// gratuitous ARPs are. An announcement is not an answer: the old holder's
// answer to the solicitation just before its release and the new holder's
// announcement just after can fall in one probe period.
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "fo/capture/pcap_source.hpp"
#include "fo/inject/ndp_sender.hpp"
#include "fo/runtime/clock.hpp"
#include "fo/runtime/log.hpp"
#include "fo/runtime/process.hpp"
#include "fo/wire/icmp_echo.hpp"
#include "fo/wire/ipv6.hpp"
#include "outage_loop.hpp"

namespace fo::probe {

namespace {

/// ICMPv6 echo requests on a raw socket bound to the interface (the kernel
/// fills in the checksum, RFC 3542 3.1), or with `udp_port` UDP datagrams to
/// an echo service from a port of our own.
class Echo6Socket {
  public:
    Echo6Socket(const std::string& interface, const wire::Ipv6Address& target, std::uint16_t udp_port)
        : fd_(open_probe_socket(AF_INET6, udp_port == 0 ? SOCK_RAW : SOCK_DGRAM, udp_port == 0 ? IPPROTO_ICMPV6 : 0,
                                interface, "IPv6 probe socket (ICMPv6 needs root or CAP_NET_RAW)")) {
        destination_.sin6_family = AF_INET6;
        std::memcpy(&destination_.sin6_addr, target.octets.data(), target.octets.size());
        destination_.sin6_scope_id = if_nametoindex(interface.c_str());
        destination_.sin6_port = htons(udp_port);
        if (udp_port != 0) {
            local_port_ = bind_ephemeral_port(fd_, AF_INET6);
        }
    }
    ~Echo6Socket() { close(fd_); }
    Echo6Socket(const Echo6Socket&) = delete;
    Echo6Socket& operator=(const Echo6Socket&) = delete;
    Echo6Socket(Echo6Socket&&) = delete;
    Echo6Socket& operator=(Echo6Socket&&) = delete;

    [[nodiscard]] std::uint16_t local_port() const { return local_port_; }

    bool send(const std::vector<std::uint8_t>& packet) {
        return sendto(fd_, packet.data(), packet.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&destination_),
                      sizeof destination_) >= 0;
    }

  private:
    int fd_;
    sockaddr_in6 destination_{};
    std::uint16_t local_port_ = 0;
};

class Reply6Handler final : public capture::PacketHandler {
  public:
    Reply6Handler(OutageAnalyzer& analyzer, const wire::Ipv6Address& target, std::uint16_t identifier,
                  std::uint16_t udp_local_port)
        : analyzer_(analyzer), target_(target), identifier_(identifier), udp_local_port_(udp_local_port) {}

    void on_packet(const capture::CapturedPacket& packet) override {
        if (auto echo = udp_local_port_ != 0 ? wire::decode_udp6_echo_reply_frame(packet.data, udp_local_port_)
                                             : wire::decode_echo6_reply_frame(packet.data)) {
            if (echo->identifier == identifier_ && echo->source == target_) {
                analyzer_.on_echo_reply(echo->probe_index, echo->source_mac, packet.timestamp_ns);
            }
            return;
        }
        auto advert = wire::decode_neighbor_advert_frame(packet.data);
        if (advert && advert->target == target_) {
            const wire::MacAddress from = advert->has_target_mac ? advert->target_mac : advert->ethernet.source;
            if (advert->solicited) {
                analyzer_.on_arp_reply(from, packet.timestamp_ns);
            } else {
                analyzer_.on_gratuitous_arp(from, packet.timestamp_ns);
            }
        }
    }

  private:
    OutageAnalyzer& analyzer_;
    wire::Ipv6Address target_;
    std::uint16_t identifier_;
    std::uint16_t udp_local_port_;
};

/// fe80::/64 with the modified EUI-64 of `mac` (RFC 4291 appendix A).
wire::Ipv6Address link_local_of(const wire::MacAddress& mac) {
    wire::Ipv6Address address;
    address.octets[0] = 0xFE;
    address.octets[1] = 0x80;
    address.octets[8] = mac.octets[0] ^ 0x02U;
    address.octets[9] = mac.octets[1];
    address.octets[10] = mac.octets[2];
    address.octets[11] = 0xFF;
    address.octets[12] = 0xFE;
    address.octets[13] = mac.octets[3];
    address.octets[14] = mac.octets[4];
    address.octets[15] = mac.octets[5];
    return address;
}

}  // namespace

int run_outage_ipv6(const OutageOptions& options, const wire::Ipv6Address& target) {
    const auto period_ns = static_cast<std::int64_t>(1e9 / options.rate_hz);
    const auto identifier = static_cast<std::uint16_t>(getpid() & 0xFFFF);
    const std::uint64_t random = runtime::random_u64();
    const wire::MacAddress probe_mac{{0x02, 0x66, 0x6F, static_cast<std::uint8_t>(random),
                                      static_cast<std::uint8_t>(random >> 8U),
                                      static_cast<std::uint8_t>(random >> 16U)}};
    const wire::NeighborSolicit solicit = wire::make_neighbor_solicit(probe_mac, link_local_of(probe_mac), target);

    Echo6Socket echo(options.interface, target, options.udp_port);
    const std::string replies = options.udp_port == 0 ? "icmp6 and ip6[40] == 129 and src host " + target.to_string()
                                                      : "ip6 and udp and src host " + target.to_string() +
                                                            " and src port " + std::to_string(options.udp_port) +
                                                            " and dst port " + std::to_string(echo.local_port());
    const std::string filter =
        "(" + replies + ") or (icmp6 and ip6[40] == 136 and not ether src " + probe_mac.to_string() + ")";
    capture::LiveCaptureOptions capture_options{options.interface, filter};
    capture_options.promiscuous = true;  // the answers to our solicitations go to probe_mac
    auto source = capture::open_live_capture(capture_options);
    inject::NdpSender ndp(options.interface);

    OutageAnalyzer analyzer(period_ns);
    Reply6Handler handler(analyzer, target, identifier, echo.local_port());
    run_probe_loop(*source, handler, options, period_ns, analyzer, [&](std::uint64_t index) {
        // A failed send (no neighbor answer yet for the target) is a lost probe, as for any client.
        (void)echo.send(options.udp_port == 0 ? wire::encode_echo6_request(identifier, index)
                                              : wire::encode_udp_probe(identifier, index));
        (void)ndp.send_solicit(solicit);
    });

    return print_outage_report(analyzer, options);
}

}  // namespace fo::probe
