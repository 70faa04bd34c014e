// heartbeatd (first cut): sends authenticated heartbeats on one or more links.
// The daemons issue adds the configuration file, detection and takeover.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "fo/heartbeatd/beat_emitter.hpp"
#include "fo/inject/heartbeat_sender.hpp"
#include "fo/inject/neighbor.hpp"
#include "fo/runtime/clock.hpp"
#include "fo/runtime/duration.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/runtime/log.hpp"
#include "fo/runtime/process.hpp"

namespace {

using fo::runtime::log_error;
using fo::runtime::log_info;
using fo::runtime::log_warning;

constexpr std::int64_t kMinimumIntervalNs = fo::runtime::kNanosPerMilli;  // 1 ms: the design's floor
constexpr std::int64_t kNeighborRecheckNs = fo::runtime::kNanosPerSecond;
constexpr int kRealtimePriority = 50;
constexpr int kStartupResolveAttempts = 50;
constexpr useconds_t kStartupResolvePollUs = 10'000;  // 50 x 10 ms: at most half a second

struct Options {
    std::vector<std::string> interfaces;
    std::vector<std::string> peers;  // IP, "broadcast", or "broadcast:IP"; one per interface or one for all
    std::string interval = "100ms";
    std::string key_file;
    bool no_auth = false;
    std::uint32_t node_id = 0;
    std::string role = "primary";
    std::uint16_t port = fo::wire::kDefaultHeartbeatPort;
    bool realtime = false;
    bool summary_json = false;
};

struct Destination {
    fo::wire::Ipv4Address ip;
    bool broadcast = false;
};

std::optional<Destination> parse_peer(const std::string& text) {
    if (text == "broadcast") {
        return Destination{fo::wire::Ipv4Address{0xFFFFFFFFU}, true};
    }
    const std::string prefix = "broadcast:";
    if (text.rfind(prefix, 0) == 0) {
        auto ip = fo::wire::Ipv4Address::parse(text.substr(prefix.size()));
        return ip ? std::optional(Destination{*ip, true}) : std::nullopt;
    }
    auto ip = fo::wire::Ipv4Address::parse(text);
    return ip ? std::optional(Destination{*ip, false}) : std::nullopt;
}

/// One link: its libnet sender and, for a unicast peer, the MAC resolution.
struct Link {
    std::string interface;
    Destination destination;
    std::unique_ptr<fo::inject::LibnetHeartbeatSender> sender;
    std::optional<fo::wire::MacAddress> peer_mac;

    /// Asks the kernel to (re)verify the peer's neighbour entry, so that a
    /// changed MAC is learnt, and adopts whatever the entry now holds. Our
    /// frames bypass the kernel, so without this the entry would only age.
    void refresh_peer_mac() {
        if (destination.broadcast) {
            return;
        }
        std::string error;
        if (!fo::inject::solicit_neighbor(interface, destination.ip, error)) {
            log_warning(error);
        }
        adopt_kernel_entry();
    }

    void adopt_kernel_entry() {
        auto current = fo::inject::lookup_neighbor(interface, destination.ip);
        if (!current || current == peer_mac) {
            return;
        }
        log_info("link " + interface + ": peer " + destination.ip.to_string() + " is at " + current->to_string() +
                 (peer_mac ? " (was " + peer_mac->to_string() + ")" : ""));
        peer_mac = current;
        if (!sender->set_destination_mac(*current)) {
            log_error("link " + interface + ": " + sender->last_error());
        }
    }

    /// At start: resolve, waiting a bounded time; beats go to the broadcast
    /// MAC until the peer answers.
    void resolve_at_start() {
        if (destination.broadcast) {
            return;
        }
        refresh_peer_mac();
        for (int attempt = 0; attempt < kStartupResolveAttempts && !peer_mac; ++attempt) {
            usleep(kStartupResolvePollUs);
            adopt_kernel_entry();
        }
        if (!peer_mac) {
            log_warning("link " + interface + ": peer " + destination.ip.to_string() +
                        " does not answer ARP yet; sending to the broadcast MAC until it does");
        }
    }
};

int run(const Options& options) {
    fo::runtime::set_log_identity("heartbeatd");
    const auto interval_ns = fo::runtime::parse_duration_ns(options.interval);
    if (!interval_ns || *interval_ns < kMinimumIntervalNs) {
        log_error("--interval '" + options.interval + "': give a duration of at least 1ms, e.g. 100ms");
        return 2;
    }
    if (options.peers.size() != 1 && options.peers.size() != options.interfaces.size()) {
        log_error("--peer: give one peer for all interfaces or one per --interface");
        return 2;
    }
    std::optional<fo::wire::AuthKey> key;
    if (!options.key_file.empty()) {
        auto loaded = fo::wire::AuthKey::load_file(options.key_file);
        if (!loaded.key) {
            log_error(loaded.error);
            return 2;
        }
        if (!loaded.warning.empty()) {
            log_warning(loaded.warning);
        }
        key = std::move(loaded.key);
    } else if (options.no_auth) {
        log_warning("authentication is OFF (--no-auth): anyone on these links can forge beats");
    } else {
        log_error("give --key-file FILE, or --no-auth to run without authentication");
        return 2;
    }

    fo::runtime::EventLoop loop;
    fo::heartbeatd::BeatEmitter::Identity identity;
    identity.node_id = options.node_id != 0 ? options.node_id : fo::runtime::default_node_id();
    identity.boot_epoch = fo::runtime::random_u64();
    identity.role = options.role == "secondary" ? fo::wire::Role::secondary : fo::wire::Role::primary;
    identity.interval_us = static_cast<std::uint32_t>(*interval_ns / fo::runtime::kNanosPerMicro);
    fo::heartbeatd::BeatEmitter emitter(identity, fo::runtime::realtime_ns);
    emitter.set_state(identity.role == fo::wire::Role::primary ? fo::wire::SenderState::active
                                                               : fo::wire::SenderState::standby);

    std::vector<Link> links;
    for (std::size_t i = 0; i < options.interfaces.size(); ++i) {
        const std::string& peer_text = options.peers.size() == 1 ? options.peers[0] : options.peers[i];
        auto destination = parse_peer(peer_text);
        if (!destination) {
            log_error("--peer '" + peer_text + "': give an IPv4 address, 'broadcast' or 'broadcast:IP'");
            return 2;
        }
        fo::inject::HeartbeatSenderOptions sender_options;
        sender_options.interface = options.interfaces[i];
        sender_options.destination_ip = destination->ip;
        sender_options.destination_mac = fo::wire::MacAddress::broadcast();  // until the peer is resolved
        sender_options.port = options.port;
        sender_options.key = key ? &*key : nullptr;
        auto sender = std::make_unique<fo::inject::LibnetHeartbeatSender>(sender_options);
        links.push_back(Link{options.interfaces[i], *destination, std::move(sender), std::nullopt});
    }
    for (Link& link : links) {
        link.resolve_at_start();
        emitter.add_link(link.interface, *link.sender);
        log_info("link " + link.interface + ": beats from " + link.sender->source_mac().to_string() + " " +
                 link.sender->source_ip().to_string() + " to " + link.destination.ip.to_string() + " port " +
                 std::to_string(options.port) + " every " + options.interval);
    }

    if (options.realtime) {
        if (auto failure = fo::runtime::enter_realtime(kRealtimePriority); !failure.empty()) {
            log_warning("realtime scheduling not available: " + failure);
        }
    }

    std::uint64_t late_ticks = 0;
    loop.add_timer(0, *interval_ns, [&](std::uint64_t expirations) {
        if (expirations > 1) {
            // Late: send one beat now rather than a burst; the receiver sees a
            // long interval, which is the truth.
            late_ticks += expirations - 1;
        }
        emitter.emit();
    });
    bool any_unicast = false;
    for (const Link& link : links) {
        any_unicast = any_unicast || !link.destination.broadcast;
    }
    if (any_unicast) {
        loop.add_timer(kNeighborRecheckNs, kNeighborRecheckNs, [&](std::uint64_t) {
            for (Link& link : links) {
                link.refresh_peer_mac();
            }
        });
    }
    loop.on_signal(SIGTERM, [&] { loop.stop(); });
    loop.on_signal(SIGINT, [&] { loop.stop(); });
    log_info("node " + std::to_string(identity.node_id) + " (" + std::string(fo::wire::to_string(identity.role)) +
             ") started, " + (key ? "HMAC-SHA256 authentication" : "NO authentication"));
    loop.run();

    nlohmann::json summary;
    summary["node_id"] = identity.node_id;
    summary["boot_epoch"] = identity.boot_epoch;
    summary["late_ticks"] = late_ticks;
    for (std::size_t i = 0; i < emitter.links().size(); ++i) {
        const auto& link = emitter.links()[i];
        log_info("link " + link.interface + ": sent " + std::to_string(link.sent) + " beats, " +
                 std::to_string(link.send_errors) + " send errors" +
                 (link.last_error.empty() ? "" : " (last: " + link.last_error + ")"));
        summary["links"].push_back({{"interface", link.interface},
                                    {"link_id", link.link_id},
                                    {"sent", link.sent},
                                    {"send_errors", link.send_errors},
                                    {"peer_mac", links[i].peer_mac ? links[i].peer_mac->to_string() : "broadcast"}});
    }
    if (late_ticks > 0) {
        log_warning("the timer fired late " + std::to_string(late_ticks) + " times");
    }
    if (options.summary_json) {
        std::cout << summary.dump() << std::endl;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"heartbeatd: sends fast, authenticated failover heartbeats"};
    Options options;
    app.add_option("-i,--interface", options.interfaces, "interface to beat on (repeat for each link)")->required();
    app.add_option("-p,--peer", options.peers, "peer IPv4, 'broadcast' or 'broadcast:IP' (one, or one per interface)")
        ->required();
    app.add_option("--interval", options.interval, "beat interval, e.g. 1ms, 100ms (default 100ms)");
    app.add_option("--key-file", options.key_file, "file holding the shared HMAC key");
    app.add_flag("--no-auth", options.no_auth, "run without authentication (logged)");
    app.add_option("--node-id", options.node_id, "node id (default: from /etc/machine-id)");
    app.add_option("--role", options.role, "primary or secondary")->check(CLI::IsMember({"primary", "secondary"}));
    app.add_option("--port", options.port, "UDP port (default 1694)");
    app.add_flag("--realtime", options.realtime, "SCHED_FIFO and locked memory");
    app.add_flag("--summary-json", options.summary_json, "print per-link counters as JSON on exit");
    CLI11_PARSE(app, argc, argv);
    try {
        return run(options);
    } catch (const std::exception& error) {
        log_error(error.what());
        return 1;
    }
}
