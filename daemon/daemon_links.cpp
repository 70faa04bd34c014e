#include <net/if.h>

#include <algorithm>

#include "daemon_impl.hpp"
#include "fo/capture/bpf_filter.hpp"
#include "fo/runtime/log.hpp"
#include "fo/wire/ndp.hpp"

// The daemon's links: the captures (read on the beat tick and before every
// detector deadline), the wake sockets, our own carrier, and the beat,
// deadline and housekeeping timers that drive the Node.

namespace fo::daemon {

namespace {

using runtime::log_error;
using runtime::log_info;
using runtime::log_warning;

constexpr int kPacketsPerRead = 256;
// Housekeeping (reaping and retrying mail, decisions between beats at long intervals)
// runs on the beat tick at least this often, or on its own timer when the
// interval is longer.
constexpr std::int64_t kHousekeepingNs = 20'000'000;
// Our own cable state comes from netlink link events; this poll only bounds
// the delay when an event is late (the kernel's linkwatch holds back a
// physical NIC's event up to 1 s after another) or lost (socket overrun).
constexpr std::int64_t kCarrierPollNs = 100'000'000;
constexpr std::int64_t kNeighborRecheckNs = 1'000'000'000;
constexpr int kCaptureBufferBytes = 512 * 1024;       // > 2000 small frames: a 2 s stall at 1 ms
constexpr std::int64_t kCaptureRetryNs = 10'000'000;  // a failed capture is reopened this often

/// The multicast groups where another node's DAD probe for one of our IPv6
/// service addresses on `interface` goes (pcap_source.hpp), once each.
std::vector<wire::MacAddress> solicited_node_groups(const Config& config, const std::string& interface) {
    std::vector<wire::MacAddress> groups;
    for (const auto& address : config.addresses) {
        if (address.ipv6 && address.interface == interface) {
            const wire::MacAddress group = wire::solicited_node_mac(*address.ipv6);
            if (std::find(groups.begin(), groups.end(), group) == groups.end()) {
                groups.push_back(group);
            }
        }
    }
    return groups;
}

}  // namespace

void Daemon::open_links(const std::map<std::string, bool>& service_interfaces) {
    for (const LinkConfig& link_config : config_.links) {
        PeerLink link;
        link.config = link_config;
        inject::HeartbeatSenderOptions options;
        options.interface = link_config.interface;
        options.destination_ip = link_config.peer;
        options.destination_mac = wire::MacAddress::broadcast();
        options.port = config_.port;
        options.keyring = keyring_ ? &*keyring_ : nullptr;
        link.sender = std::make_unique<inject::LibnetHeartbeatSender>(options);
        capture::FilterSpec filter{config_.port, link.sender->source_mac(),
                                   service_interfaces.count(link_config.interface) != 0};
        filter.include_ndp =
            service_interfaces.count(link_config.interface) != 0 && service_interfaces.at(link_config.interface);
        capture::LiveCaptureOptions capture_options{link_config.interface, capture::build_filter_expression(filter)};
        capture_options.buffer_bytes = kCaptureBufferBytes;
        capture_options.ignore_outgoing = true;
        capture_options.multicast_groups = solicited_node_groups(config_, link_config.interface);
        link.wake =
            std::make_unique<capture::WakeSocket>(link_config.interface, capture::build_wake_filter_expression(filter));
        link.capture = capture::open_live_capture(capture_options);
        capture_options_.push_back(capture_options);
        capture_failed_.push_back(false);
        links_.push_back(std::move(link));
    }
    // Captures are read on our own beat tick and before every detector
    // deadline, not on every frame: one wakeup per interval instead of one
    // per frame per link (the cost that dominates at 1 ms). Detection is
    // unaffected (the deadline reads first); a message that needs an answer
    // rings the link's wake socket and is read at once (on_wake).
    handlers_.resize(links_.size());
    for (std::size_t i = 0; i < links_.size(); ++i) {
        handlers_[i].daemon = this;
        handlers_[i].link = i;
    }
}

void Daemon::open_udp_ports() {
    for (const PeerLink& link : links_) {
        if (link.config.broadcast) {
            continue;  // the kernel answers no broadcast with an ICMP error
        }
        try {
            udp_ports_.push_back(std::make_unique<capture::DiscardingUdpPort>(
                config_.port, link.sender->source_ip().value, link.config.peer.value));
        } catch (const std::exception& error) {
            log_warning("link " + link.config.interface + ": " + error.what() +
                        ": the peer's beats will draw ICMP port unreachables");
        }
    }
}

void Daemon::start_link_timers() {
    loop_.add_timer(0, config_.interval_ns, [this](std::uint64_t) { on_beat_tick(); });
    detector_timer_ = loop_.add_timer(config_.interval_ns, 0, [this](std::uint64_t) { on_detector_timer(); });
    // Carrier: netlink link events as they happen, and a slow poll in case
    // an event was lost (the netlink socket buffer can overflow).
    carrier_watch_ = std::make_unique<takeover::CarrierWatch>(
        [this](int interface_index, bool carrier) { on_carrier_event(interface_index, carrier); });
    loop_.watch_readable(carrier_watch_->fd(), [this] {
        carrier_watch_->read_events();
        poll_carrier();  // any link event, or an overrun (lost events): one authoritative read
    });
    poll_carrier();
    loop_.add_timer(kCarrierPollNs, kCarrierPollNs, [this](std::uint64_t) { poll_carrier(); });
    if (config_.interval_ns > kHousekeepingNs) {
        loop_.add_timer(kHousekeepingNs, kHousekeepingNs, [this](std::uint64_t) {
            housekeeping();
            // Address probes and pending decisions advance without beats too;
            // read first, so that an answer to our last probe is never left
            // unread when we decide (a paused holder's kernel still answers).
            drain_all();
            node_->decide(now());
        });
    }
    for (std::size_t i = 0; i < links_.size(); ++i) {
        loop_.watch_readable(links_[i].wake->fd(), [this, i] { on_wake(i); });
    }
    loop_.add_timer(kNeighborRecheckNs, kNeighborRecheckNs, [this](std::uint64_t) {
        for (PeerLink& link : links_) {
            link.refresh_peer_mac(true);
        }
    });
}

void Daemon::drain(std::size_t link) {
    handlers_[link].realtime_to_monotonic = now() - runtime::realtime_ns();
    int count = 0;
    for (int round = 0; round < 16; ++round) {
        const auto status = links_[link].capture->read_waiting(handlers_[link], kPacketsPerRead, count);
        if (status == capture::PacketSource::ReadStatus::error) {
            // Typically "the interface went down". Retry soon: a watcher that
            // silently stopped reading would see its peer as dead.
            log_warning("link " + links_[link].config.interface + ": capture failed; reopening");
            capture_failed_[link] = true;
            scheduler_.after(kCaptureRetryNs, [this, link] {
                if (capture_failed_[link]) {
                    reopen_capture(link, "read error");
                }
            });
            return;
        }
        if (count < kPacketsPerRead) {
            break;
        }
    }
}

void Daemon::reopen_capture(std::size_t link, const std::string& why) {
    PeerLink& peer_link = links_[link];
    try {
        peer_link.capture = capture::open_live_capture(capture_options_[link]);
    } catch (const std::exception& error) {
        log_error("link " + peer_link.config.interface + ": cannot reopen the capture (" + why + "): " + error.what());
        capture_failed_[link] = true;
        return;
    }
    capture_failed_[link] = false;
}

void Daemon::on_wake(std::size_t link) {
    if (links_[link].wake->drain() == 0) {
        return;  // an error consumed (the interface went down): the carrier path handles it
    }
    drain_all();
    after_input();
}

void Daemon::on_beat_tick() {
    node_->emit(now());
    drain_all();
    if (now() >= next_housekeeping_ns_) {
        housekeeping();
    }
    after_input();  // also starts the address probes once a beat is late
}

void Daemon::housekeeping() {
    next_housekeeping_ns_ = now() + kHousekeepingNs;
    notifier_->reap(now());
    for (std::size_t i = 0; i < links_.size(); ++i) {
        if (capture_failed_[i]) {
            poll_carrier();  // reopens the failed capture while the link has carrier
            break;
        }
    }
}

void Daemon::drain_all() {
    for (std::size_t i = 0; i < links_.size(); ++i) {
        if (!capture_failed_[i]) {
            drain(i);
        }
    }
}

void Daemon::after_input() {
    node_->decide(now());
    // The deadline timer follows the detector's next deadline exactly (moving
    // a loop timer costs no system call): while beats arrive it never fires.
    rearm_detector_timer();
}

void Daemon::rearm_detector_timer() {
    const auto deadline = node_->next_deadline();
    const std::int64_t current = now();
    loop_.rearm_timer(detector_timer_, deadline ? std::max(*deadline - current, std::int64_t{1}) : 1'000'000'000, 0);
}

void Daemon::on_detector_timer() {
    // A timer that fires late must first see every beat that arrived meanwhile.
    drain_all();
    node_->tick(now());
    rearm_detector_timer();
}

void Daemon::on_carrier_event(int interface_index, bool carrier) {
    for (std::size_t i = 0; i < links_.size(); ++i) {
        if (static_cast<int>(if_nametoindex(links_[i].config.interface.c_str())) == interface_index &&
            node_->carrier(i) != carrier) {
            poll_carrier();  // one authoritative read of every link
            return;
        }
    }
}

void Daemon::poll_carrier() {
    bool changed = false;
    for (std::size_t i = 0; i < links_.size(); ++i) {
        if (capture_failed_[i] && node_->carrier(i)) {
            reopen_capture(i, "retry");
        }
        const bool carrier = addresses_->carrier(links_[i].config.interface);
        if (carrier != node_->carrier(i)) {
            changed = true;
            log_info("link " + links_[i].config.interface + ": our carrier " + (carrier ? "back" : "lost"));
            if (carrier) {
                // A capture socket may not survive its interface going down
                // and up again; a fresh one costs nothing here.
                reopen_capture(i, "carrier back");
            }
            node_->on_carrier(i, carrier, now());
        }
    }
    if (changed) {
        after_input();
    }
}

}  // namespace fo::daemon
