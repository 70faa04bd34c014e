// beat_floor: the least that any heartbeat over N links must do, to measure
// what that costs on a given machine (bench/failover_trial.sh floor-10ms and
// floor-1ms; bench/README.md). Per interval it wakes once (an absolute
// deadline, clock_nanosleep TIMER_ABSTIME), reads each link's capture and
// sends each link one frame of our heartbeat's size. Per link it holds:
//   - a send-only AF_PACKET socket (inject::PacketSocket, one sendto a frame);
//   - a libpcap capture (immediate mode, kernel filter "udp port 1694",
//     non-blocking, our own frames ignored), read on every wake, frames counted;
//   - a connected UDP socket on port 1694 that drops what arrives
//     (capture::DiscardingUdpPort), as the daemons hold one, so the peer's
//     frames draw no ICMP port unreachable.
// No authentication, no decoding, no detector, no logging, no netlink.
//
//   beat_floor --link IFACE,PEER_IP [--link IFACE,PEER_IP ...] [--interval-us N]
//              [--realtime] [--max-seconds N]
// Stops on SIGTERM or SIGINT (or after --max-seconds) and prints, per link,
// the frames sent and received. Exit 2 on bad arguments, 1 on a setup error.
#include <sys/socket.h>
#include <time.h>

#include <array>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fo/capture/packet_source.hpp"
#include "fo/capture/pcap_source.hpp"
#include "fo/capture/wake_socket.hpp"
#include "fo/inject/neighbor.hpp"
#include "fo/inject/packet_socket.hpp"
#include "fo/runtime/process.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/udp_frame.hpp"

namespace {

constexpr std::size_t kMaxLinks = 4;
constexpr std::int64_t kMinIntervalUs = 100;
constexpr std::int64_t kMaxIntervalUs = 10'000'000;
constexpr std::int64_t kDefaultIntervalUs = 10'000;
constexpr std::int64_t kDefaultMaxSeconds = 3600;
constexpr std::int64_t kMaxMaxSeconds = std::int64_t{7} * 24 * 3600;
constexpr std::int64_t kNanosPerMicro = 1000;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr int kRealtimePriority = 50;            // the daemons' (daemon/daemon.cpp)
constexpr int kCaptureBufferBytes = 512 * 1024;  // the daemons' (daemon/daemon_links.cpp)
constexpr int kPacketsPerRead = 64;
constexpr int kReadRoundsPerWake = 16;
constexpr int kNeighborPolls = 100;  // 100 x 10 ms: the peer's ARP answer
constexpr long kNeighborPollNs = 10'000'000;

volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int /*signal*/) {
    stop_requested = 1;
}

struct Options {
    struct Link {
        std::string interface;
        fo::wire::Ipv4Address peer;
    };
    std::vector<Link> links;
    std::int64_t interval_us = kDefaultIntervalUs;
    std::int64_t max_seconds = kDefaultMaxSeconds;
    bool realtime = false;
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr,
                 "beat_floor: %s\n"
                 "usage: beat_floor --link IFACE,PEER_IP [--link IFACE,PEER_IP ...] [--interval-us N]\n"
                 "                  [--realtime] [--max-seconds N]\n"
                 "  --link         a link and the peer's IPv4 address on it (1 to %zu links)\n"
                 "  --interval-us  one wake and one frame per link every N us (%lld..%lld, default %lld)\n"
                 "  --realtime     SCHED_FIFO priority %d and memory locked, like the daemons' realtime = true\n"
                 "  --max-seconds  stop by itself after N s (1..%lld, default %lld)\n",
                 message.c_str(), kMaxLinks, static_cast<long long>(kMinIntervalUs),
                 static_cast<long long>(kMaxIntervalUs), static_cast<long long>(kDefaultIntervalUs), kRealtimePriority,
                 static_cast<long long>(kMaxMaxSeconds), static_cast<long long>(kDefaultMaxSeconds));
    std::exit(2);
}

std::int64_t parse_number(std::string_view flag, const std::string& text, std::int64_t low, std::int64_t high) {
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || end == nullptr || *end != '\0' || value < low || value > high) {
        usage_error(std::string(flag) + " wants a whole number from " + std::to_string(low) + " to " +
                    std::to_string(high) + ", not '" + text + "'");
    }
    return value;
}

Options::Link parse_link(const std::string& text) {
    const std::size_t comma = text.find(',');
    if (comma == std::string::npos || comma == 0) {
        usage_error("--link wants IFACE,PEER_IP, not '" + text + "'");
    }
    const auto peer = fo::wire::Ipv4Address::parse(std::string_view(text).substr(comma + 1));
    if (!peer || peer->is_unspecified()) {
        usage_error("--link " + text + ": '" + text.substr(comma + 1) + "' is not an IPv4 address");
    }
    return {text.substr(0, comma), *peer};
}

Options parse_options(int argc, char** argv) {
    Options options;
    const std::vector<std::string> arguments(argv + 1, argv + argc);
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& flag = arguments[i];
        const auto value = [&]() -> const std::string& {
            if (i + 1 >= arguments.size()) {
                usage_error(flag + " needs a value");
            }
            return arguments[++i];
        };
        if (flag == "--link") {
            if (options.links.size() == kMaxLinks) {
                usage_error("at most " + std::to_string(kMaxLinks) + " links");
            }
            options.links.push_back(parse_link(value()));
        } else if (flag == "--interval-us") {
            options.interval_us = parse_number(flag, value(), kMinIntervalUs, kMaxIntervalUs);
        } else if (flag == "--max-seconds") {
            options.max_seconds = parse_number(flag, value(), 1, kMaxMaxSeconds);
        } else if (flag == "--realtime") {
            options.realtime = true;
        } else {
            usage_error("unknown argument '" + flag + "'");
        }
    }
    if (options.links.empty()) {
        usage_error("no --link given");
    }
    for (std::size_t i = 0; i < options.links.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (options.links[i].interface == options.links[j].interface) {
                usage_error("link " + options.links[i].interface + " given twice");
            }
        }
    }
    return options;
}

class FrameCounter final : public fo::capture::PacketHandler {
  public:
    void on_packet(const fo::capture::CapturedPacket& /*packet*/) override { ++frames_; }
    [[nodiscard]] std::uint64_t frames() const { return frames_; }

  private:
    std::uint64_t frames_ = 0;
};

/// The peer's MAC from the kernel's ARP table, asking the kernel to resolve
/// it first if needed (bounded: 1 s); broadcast when it never answers.
fo::wire::MacAddress resolve_peer_mac(const Options::Link& link, bool& resolved) {
    std::string error;
    for (int poll = 0; poll < kNeighborPolls; ++poll) {
        if (auto mac = fo::inject::lookup_neighbor(link.interface, link.peer)) {
            resolved = true;
            return *mac;
        }
        if (poll == 0 && !fo::inject::solicit_neighbor(link.interface, link.peer, error)) {
            break;
        }
        const timespec pause{0, kNeighborPollNs};
        nanosleep(&pause, nullptr);
    }
    resolved = false;
    return fo::wire::MacAddress::broadcast();
}

struct Link {
    Options::Link config;
    fo::wire::MacAddress peer_mac;
    bool peer_mac_resolved = false;
    std::array<std::uint8_t, fo::wire::kHeartbeatFrameSize> frame{};
    std::unique_ptr<fo::inject::PacketSocket> sender;
    std::unique_ptr<fo::capture::DiscardingUdpPort> udp_port;
    std::unique_ptr<fo::capture::PacketSource> capture;
    FrameCounter received;
    std::uint64_t sent = 0;
    std::uint64_t send_errors = 0;
    std::uint64_t read_errors = 0;
    std::string last_error;
};

std::unique_ptr<Link> open_link(const Options::Link& config) {
    auto link = std::make_unique<Link>();
    link->config = config;
    const fo::inject::InterfaceAddresses own = fo::inject::interface_addresses(config.interface);
    if (own.ipv4.is_unspecified()) {
        throw std::runtime_error("interface " + config.interface + " has no IPv4 address");
    }
    link->peer_mac = resolve_peer_mac(config, link->peer_mac_resolved);
    const fo::wire::UdpEndpoints endpoints{own.mac,
                                           link->peer_mac,
                                           own.ipv4,
                                           config.peer,
                                           fo::wire::kDefaultHeartbeatPort,
                                           fo::wire::kDefaultHeartbeatPort};
    const std::array<std::uint8_t, fo::wire::kHeartbeatPayloadSize> payload{};
    if (fo::wire::encode_udp_frame(endpoints, payload, link->frame) != link->frame.size()) {
        throw std::logic_error("the frame is not of the heartbeat's size");
    }
    link->sender = std::make_unique<fo::inject::PacketSocket>(config.interface, fo::wire::kEtherTypeIpv4);
    link->udp_port = std::make_unique<fo::capture::DiscardingUdpPort>(fo::wire::kDefaultHeartbeatPort, own.ipv4.value,
                                                                      config.peer.value);
    fo::capture::LiveCaptureOptions capture_options{config.interface,
                                                    "udp port " + std::to_string(fo::wire::kDefaultHeartbeatPort)};
    capture_options.buffer_bytes = kCaptureBufferBytes;
    capture_options.ignore_outgoing = true;
    link->capture = fo::capture::open_live_capture(capture_options);
    return link;
}

void read_capture(Link& link) {
    for (int round = 0; round < kReadRoundsPerWake; ++round) {
        int count = 0;
        if (link.capture->read_waiting(link.received, kPacketsPerRead, count) ==
            fo::capture::PacketSource::ReadStatus::error) {
            ++link.read_errors;
            link.last_error = link.capture->error_message();
            return;
        }
        if (count < kPacketsPerRead) {
            return;
        }
    }
}

void send_frame(Link& link) {
    std::string error;
    if (link.sender->send(link.frame, error)) {
        ++link.sent;
    } else {
        ++link.send_errors;
        link.last_error = error;
    }
}

std::int64_t to_ns(const timespec& time) {
    return static_cast<std::int64_t>(time.tv_sec) * kNanosPerSecond + time.tv_nsec;
}

timespec from_ns(std::int64_t ns) {
    return timespec{static_cast<time_t>(ns / kNanosPerSecond), static_cast<long>(ns % kNanosPerSecond)};
}

std::int64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return to_ns(now);
}

/// One wake per interval on an absolute deadline until a signal or
/// `max_seconds`; a stall skips the missed wakes (like runtime/'s timers).
void run(std::vector<std::unique_ptr<Link>>& links, const Options& options) {
    const std::int64_t interval_ns = options.interval_us * kNanosPerMicro;
    const std::int64_t max_wakes = options.max_seconds * kNanosPerSecond / interval_ns;
    std::int64_t deadline = monotonic_ns();
    for (std::int64_t wake = 0; wake < max_wakes && stop_requested == 0; ++wake) {
        deadline += interval_ns;
        const timespec until = from_ns(deadline);
        if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) != 0) {
            continue;  // EINTR: a signal; the loop's condition decides
        }
        for (auto& link : links) {
            read_capture(*link);
            send_frame(*link);
        }
        const std::int64_t late = monotonic_ns() - deadline;
        if (late >= interval_ns) {
            deadline += late / interval_ns * interval_ns;
        }
    }
}

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the sleep returns EINTR at once
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    install_signal_handlers();
    std::vector<std::unique_ptr<Link>> links;
    try {
        for (const Options::Link& config : options.links) {
            links.push_back(open_link(config));
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "beat_floor: %s\n", error.what());
        return 1;
    }
    if (options.realtime) {
        if (const std::string failure = fo::runtime::enter_realtime(kRealtimePriority); !failure.empty()) {
            std::fprintf(stderr, "beat_floor: --realtime: %s\n", failure.c_str());
            return 1;
        }
    }
    for (const auto& link : links) {
        std::printf("link %s: peer %s at %s (%s), %zu-byte frames to UDP port %u\n", link->config.interface.c_str(),
                    link->config.peer.to_string().c_str(), link->peer_mac.to_string().c_str(),
                    link->peer_mac_resolved ? "from the ARP table" : "unresolved: broadcast", link->frame.size(),
                    static_cast<unsigned>(fo::wire::kDefaultHeartbeatPort));
    }
    std::printf("running: every %lld us%s\n", static_cast<long long>(options.interval_us),
                options.realtime ? ", SCHED_FIFO" : "");
    std::fflush(stdout);
    run(links, options);
    for (const auto& link : links) {
        std::printf(
            "link %s: sent %llu, received %llu, to %s, send errors %llu, read errors %llu%s%s\n",
            link->config.interface.c_str(), static_cast<unsigned long long>(link->sent),
            static_cast<unsigned long long>(link->received.frames()), link->peer_mac_resolved ? "unicast" : "broadcast",
            static_cast<unsigned long long>(link->send_errors), static_cast<unsigned long long>(link->read_errors),
            link->last_error.empty() ? "" : ": ", link->last_error.c_str());
    }
    return 0;
}
