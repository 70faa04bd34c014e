// `fo-probe outage` for an IPv6 target: ICMPv6 echo through the client's
// own stack (so through its neighbor cache: what clients see), and neighbor
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
#include <iostream>
#include <stdexcept>

#include "fo/capture/pcap_source.hpp"
#include "fo/inject/ndp_sender.hpp"
#include "fo/runtime/clock.hpp"
#include "fo/runtime/log.hpp"
#include "fo/runtime/process.hpp"
#include "fo/wire/ipv6.hpp"
#include "outage_loop.hpp"

namespace fo::probe {

namespace {

constexpr double kMaximumRateHz = 20'000;

/// ICMPv6 echo requests on a raw socket bound to the interface (the kernel
/// fills in the checksum, RFC 3542 3.1).
class Echo6Socket {
  public:
    Echo6Socket(const std::string& interface, const wire::Ipv6Address& target)
        : fd_(open_probe_socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, interface,
                                "ICMPv6 probe socket (needs root or CAP_NET_RAW)")) {
        destination_.sin6_family = AF_INET6;
        std::memcpy(&destination_.sin6_addr, target.octets.data(), target.octets.size());
        destination_.sin6_scope_id = if_nametoindex(interface.c_str());
    }
    ~Echo6Socket() { close(fd_); }
    Echo6Socket(const Echo6Socket&) = delete;
    Echo6Socket& operator=(const Echo6Socket&) = delete;
    Echo6Socket(Echo6Socket&&) = delete;
    Echo6Socket& operator=(Echo6Socket&&) = delete;

    bool send(const std::vector<std::uint8_t>& packet) {
        return sendto(fd_, packet.data(), packet.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&destination_),
                      sizeof destination_) >= 0;
    }

  private:
    int fd_;
    sockaddr_in6 destination_{};
};

class Reply6Handler final : public capture::PacketHandler {
  public:
    Reply6Handler(OutageAnalyzer& analyzer, const wire::Ipv6Address& target, std::uint16_t identifier)
        : analyzer_(analyzer), target_(target), identifier_(identifier) {}

    void on_packet(const capture::CapturedPacket& packet) override {
        if (auto echo = wire::decode_echo6_reply_frame(packet.data)) {
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
    if (options.rate_hz <= 0 || options.rate_hz > kMaximumRateHz) {
        runtime::log_error("--rate must be between 1 and 20000 probes per second");
        return 2;
    }
    if (options.udp_port != 0) {
        runtime::log_error("--udp: IPv6 targets are probed with ICMPv6 echo only");
        return 2;
    }
    const auto period_ns = static_cast<std::int64_t>(1e9 / options.rate_hz);
    const auto identifier = static_cast<std::uint16_t>(getpid() & 0xFFFF);
    const std::uint64_t random = runtime::random_u64();
    const wire::MacAddress probe_mac{{0x02, 0x66, 0x6F, static_cast<std::uint8_t>(random),
                                      static_cast<std::uint8_t>(random >> 8U),
                                      static_cast<std::uint8_t>(random >> 16U)}};
    const wire::NeighborSolicit solicit = wire::make_neighbor_solicit(probe_mac, link_local_of(probe_mac), target);

    Echo6Socket echo(options.interface, target);
    const std::string filter = "(icmp6 and ip6[40] == 129 and src host " + target.to_string() +
                               ") or (icmp6 and ip6[40] == 136 and not ether src " + probe_mac.to_string() + ")";
    capture::LiveCaptureOptions capture_options{options.interface, filter};
    capture_options.promiscuous = true;  // the answers to our solicitations go to probe_mac
    auto source = capture::open_live_capture(capture_options);
    inject::NdpSender ndp(options.interface);

    OutageAnalyzer analyzer(period_ns);
    Reply6Handler handler(analyzer, target, identifier);
    run_probe_loop(*source, handler, options, period_ns, analyzer, [&](std::uint64_t index) {
        // A failed send (no neighbor answer yet for the target) is a lost probe, as for any client.
        (void)echo.send(wire::encode_echo6_request(identifier, index));
        (void)ndp.send_solicit(solicit);
    });

    const OutageReport report = analyzer.report(runtime::realtime_ns() - kReplyGraceNs);
    if (options.json) {
        std::cout << outage_report_json(report, options).dump(2) << std::endl;
    } else {
        std::cout << outage_report_text(report) << std::flush;
    }
    return 0;
}

}  // namespace fo::probe
