#include "fo/daemon/daemon.hpp"

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <systemd/sd-daemon.h>

#include "fo/capture/bpf_filter.hpp"
#include "fo/capture/pcap_source.hpp"
#include "fo/daemon/config.hpp"
#include "fo/detector/beat_intake.hpp"
#include "fo/detector/peer_detector.hpp"
#include "fo/heartbeatd/beat_emitter.hpp"
#include "fo/inject/arp_sender.hpp"
#include "fo/runtime/clock.hpp"
#include "fo/runtime/duration.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/runtime/log.hpp"
#include "fo/runtime/process.hpp"
#include "fo/takeover/carrier_watch.hpp"
#include "fo/takeover/hook_runner.hpp"
#include "fo/takeover/netlink_addresses.hpp"
#include "fo/takeover/notifier.hpp"
#include "fo/takeover/takeover.hpp"
#include "fo/wire/arp.hpp"
#include "peer_link.hpp"

namespace fo::daemon {

namespace {

using runtime::log_error;
using runtime::log_info;
using runtime::log_warning;

constexpr int kPacketsPerRead = 256;
constexpr std::int64_t kCarrierPollNs = 20'000'000;  // own cable state, every 20 ms
constexpr std::int64_t kNeighborRecheckNs = 1'000'000'000;
constexpr std::int64_t kMinimumProbePeriodNs =
    1'000'000;                                   // RFC 5227 probes at most every 1 ms, only while the peer is quiet
constexpr int kCaptureBufferBytes = 512 * 1024;  // > 2000 small frames: a 2 s stall at 1 ms
constexpr int kReleasedRepeats = 3;
constexpr std::int64_t kCaptureRetryNs = 10'000'000;  // "released" is sent this often, beats then carry the state
constexpr int kRealtimePriority = 50;
// Probing must have run this many probe periods before a claim. In a LAN an
// ARP answer takes well under a millisecond; probing starts when the first
// beat is late, so by DEAD (miss_count x interval) the window has passed.
constexpr std::int64_t kProbeWindowPeriods = 1;
constexpr std::uint64_t kProbesBeforeClaim = 2;

/// Our side of the protocol, carried in every beat as SenderState.
enum class HoldState : std::uint8_t {
    starting,   // primary: not holding, wants the addresses
    standby,    // secondary: not holding
    active,     // holding the addresses
    releasing,  // primary: cannot serve (service link down), handed over
    stopping,   // shutting down, handed over
};

std::string_view to_string(HoldState state) {
    switch (state) {
        case HoldState::starting: return "starting";
        case HoldState::standby: return "standby";
        case HoldState::active: return "active";
        case HoldState::releasing: return "releasing";
        case HoldState::stopping: return "stopping";
    }
    return "?";
}

wire::SenderState wire_state(HoldState state) {
    switch (state) {
        case HoldState::starting: return wire::SenderState::starting;
        case HoldState::standby: return wire::SenderState::standby;
        case HoldState::active: return wire::SenderState::active;
        case HoldState::releasing: return wire::SenderState::releasing;
        case HoldState::stopping: return wire::SenderState::stopping;
    }
    return wire::SenderState::starting;
}

class LoopScheduler final : public takeover::Scheduler {
  public:
    explicit LoopScheduler(runtime::EventLoop& loop) : loop_(loop) {}
    void after(std::int64_t delay_ns, std::function<void()> callback) override {
        auto shared = std::make_shared<std::function<void()>>(std::move(callback));
        auto timer = std::make_shared<runtime::EventLoop::TimerId>(0);
        *timer = loop_.add_timer(delay_ns, 0, [this, shared, timer](std::uint64_t) {
            loop_.cancel_timer(*timer);
            (*shared)();
        });
    }

  private:
    runtime::EventLoop& loop_;
};

std::vector<HostInterface> local_interfaces() {
    std::vector<HostInterface> found;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
        return found;
    }
    for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET || entry->ifa_netmask == nullptr) {
            continue;
        }
        const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
        const auto* mask = reinterpret_cast<const sockaddr_in*>(entry->ifa_netmask);
        found.push_back(HostInterface{entry->ifa_name, wire::Ipv4Address{ntohl(address->sin_addr.s_addr)},
                                      __builtin_popcount(mask->sin_addr.s_addr)});
    }
    freeifaddrs(list);
    return found;
}

class Daemon {
  public:
    Daemon(Config config, std::optional<wire::AuthKey> key, std::string config_path, bool summary_json)
        : config_(std::move(config)),
          key_(std::move(key)),
          config_path_(std::move(config_path)),
          summary_json_(summary_json),
          scheduler_(loop_) {}

    int run();

  private:
    struct CaptureHandler final : capture::PacketHandler {
        Daemon* daemon = nullptr;
        std::size_t link = 0;
        std::int64_t realtime_to_monotonic = 0;
        void on_packet(const capture::CapturedPacket& packet) override {
            daemon->on_packet(link, packet.data, packet.timestamp_ns + realtime_to_monotonic);
        }
    };

    void setup();
    void on_packet(std::size_t link, std::span<const std::uint8_t> frame, std::int64_t arrival_ns);
    void drain_all();
    void drain(std::size_t link);
    void after_input();
    void rearm_detector_timer();
    void on_detector_timer();
    void on_message(std::size_t link, const wire::HeartbeatFrame& frame);
    void on_peer_change(const detector::PeerChange& change);
    void poll_carrier();
    void reopen_capture(std::size_t link, const std::string& why);
    void on_carrier_event(int interface_index, bool carrier);
    void evaluate();
    void evaluate_primary();
    void evaluate_secondary();
    bool addresses_in_use(std::string& who) const;
    /// How often to probe: the peer's beat interval, at least 1 ms.
    [[nodiscard]] std::int64_t probe_period() const;
    /// `handover`: the peer said it released; no probe window is needed against it.
    void try_acquire(const std::string& reason, bool handover = false);
    void release(const std::string& reason, bool forced, HoldState next);
    void send_released();
    void set_hold(HoldState state, const std::string& reason);
    void probe_addresses();
    bool service_carrier() const;
    void shutdown();
    void reload();
    void serve_status();
    nlohmann::json status();
    std::string handle_command(const std::string& command);
    std::int64_t now() const { return clock_.now_ns(); }

    Config config_;
    std::optional<wire::AuthKey> key_;
    std::string config_path_;
    bool summary_json_;
    runtime::EventLoop loop_;
    runtime::MonotonicClock clock_;
    LoopScheduler scheduler_;
    std::uint32_t node_id_ = 0;
    std::vector<PeerLink> links_;
    std::vector<CaptureHandler> handlers_;
    std::vector<capture::LiveCaptureOptions> capture_options_;
    std::vector<bool> capture_failed_;
    std::unique_ptr<heartbeatd::BeatEmitter> emitter_;
    std::unique_ptr<detector::PeerDetector> detector_;
    std::unique_ptr<detector::BeatIntake> intake_;
    std::unique_ptr<takeover::NetlinkAddressManager> addresses_;
    std::unique_ptr<takeover::CarrierWatch> carrier_watch_;
    std::unique_ptr<takeover::DirectoryHookRunner> hooks_;
    std::unique_ptr<takeover::MailNotifier> notifier_;
    std::map<std::string, std::unique_ptr<inject::LibnetArpSender>> arp_senders_;
    std::unique_ptr<takeover::TakeoverController> takeover_;
    runtime::EventLoop::TimerId detector_timer_ = -1;
    std::int64_t armed_deadline_ns_ = 0;
    int status_fd_ = -1;

    HoldState hold_ = HoldState::standby;
    wire::MessageType outgoing_type_ = wire::MessageType::beat;
    std::optional<wire::SenderState> peer_state_hint_;  // from the newest frame of the peer
    bool peer_sent_released_ = false;
    bool peer_requests_release_ = false;
    std::int64_t peer_up_since_ns_ = 0;  // since when the peer beats without a DEAD in between
    std::uint64_t vetoed_at_peer_change_ = ~std::uint64_t{0};
    bool in_use_notified_ = false;
    bool manual_failback_notified_ = false;
    bool cannot_stand_by_notified_ = false;
    bool release_requested_by_admin_ = false;
    std::map<std::uint32_t, std::int64_t> last_claim_ns_;  // service address -> last ARP claim by another MAC
    std::int64_t last_probe_ns_ = 0;
    std::int64_t previous_probe_ns_ = 0;
    std::uint64_t probes_since_start_ = 0;  // the probe before the last: answers since then are current
    std::int64_t probing_since_ns_ = 0;     // 0: not probing
    std::int64_t carrier_back_ns_ = 0;      // when our last link came back
    bool stopping_ = false;
    std::optional<nlohmann::json> last_change_;  // status: the last change of hold_
    std::uint64_t reloads_handled_ = 0;          // status: SIGHUP reloads processed, ok or refused
    std::uint64_t reloads_refused_ = 0;
};

void Daemon::setup() {
    node_id_ = config_.node_id != 0 ? config_.node_id : runtime::default_node_id();
    const std::int64_t start = now();
    heartbeatd::BeatEmitter::Identity identity{node_id_, runtime::random_u64(), config_.role,
                                               static_cast<std::uint32_t>(config_.interval_ns / 1000)};
    emitter_ = std::make_unique<heartbeatd::BeatEmitter>(identity, runtime::realtime_ns);

    std::map<std::string, bool> service_interfaces;
    for (const auto& address : config_.addresses) {
        service_interfaces[address.interface] = true;
    }
    for (const LinkConfig& link_config : config_.links) {
        PeerLink link;
        link.config = link_config;
        inject::HeartbeatSenderOptions options;
        options.interface = link_config.interface;
        options.destination_ip = link_config.peer;
        options.destination_mac = wire::MacAddress::broadcast();
        options.port = config_.port;
        options.key = key_ ? &*key_ : nullptr;
        link.sender = std::make_unique<inject::LibnetHeartbeatSender>(options);
        const capture::FilterSpec filter{config_.port, link.sender->source_mac(),
                                         service_interfaces.count(link_config.interface) != 0};
        capture::LiveCaptureOptions capture_options{link_config.interface, capture::build_filter_expression(filter)};
        capture_options.buffer_bytes = kCaptureBufferBytes;
        link.capture = capture::open_live_capture(capture_options);
        capture_options_.push_back(capture_options);
        capture_failed_.push_back(false);
        links_.push_back(std::move(link));
    }
    for (const auto& [interface, unused] : service_interfaces) {
        arp_senders_[interface] = std::make_unique<inject::LibnetArpSender>(interface);
    }

    detector::DetectorConfig detector_config;
    for (const PeerLink& link : links_) {
        detector_config.link_names.push_back(link.config.interface);
    }
    detector_config.miss_count = config_.miss_count;
    detector_config.initial_dead_time_ns = config_.initial_dead_time_ns;
    detector_config.assumed_interval_ns = config_.interval_ns;
    detector_ = std::make_unique<detector::PeerDetector>(detector_config, start,
                                                         [](const std::string& line) { log_info(line); });
    detector_->subscribe([this](const detector::PeerChange& change) { on_peer_change(change); });
    intake_ = std::make_unique<detector::BeatIntake>(*detector_, node_id_, config_.port, key_ ? &*key_ : nullptr);
    intake_->on_message(
        [this](std::size_t link, const wire::HeartbeatFrame& frame, std::int64_t) { on_message(link, frame); });

    addresses_ = std::make_unique<takeover::NetlinkAddressManager>();
    hooks_ = std::make_unique<takeover::DirectoryHookRunner>(config_.hooks_dir, config_.hook_timeout_ns,
                                                             [](const std::string& line) { log_info(line); });
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    notifier_ = std::make_unique<takeover::MailNotifier>(config_.sendmail, config_.mail_recipient, host,
                                                         [](const std::string& line) { log_info(line); });
    takeover::TakeoverConfig takeover_config;
    takeover_config.addresses = config_.addresses;
    takeover_config.garp = config_.garp;
    takeover_ = std::make_unique<takeover::TakeoverController>(
        takeover_config, *addresses_, *hooks_, *notifier_,
        [this](const std::string& interface) -> inject::ArpTransmitter* {
            auto found = arp_senders_.find(interface);
            return found == arp_senders_.end() ? nullptr : found->second.get();
        },
        scheduler_, [](const std::string& line) { log_info(line); });

    // Start clean: a daemon (re)starting never holds addresses it did not
    // acquire in this run, so a primary plugged back in cannot collide.
    for (const auto& address : config_.addresses) {
        std::string error;
        if (addresses_->present(address)) {
            log_warning("removing leftover service address " + address.text() + " from " + address.interface);
            addresses_->remove(address, error);
        }
    }
    hold_ = config_.role == wire::Role::primary ? HoldState::starting : HoldState::standby;
    emitter_->set_state(wire_state(hold_));
    for (std::size_t i = 0; i < links_.size(); ++i) {
        links_[i].resolve_at_start();
        emitter_->add_link(links_[i].config.interface, *links_[i].sender);
        log_info("link " + links_[i].config.interface + ": beats from " + links_[i].sender->source_mac().to_string() +
                 " to " + links_[i].config.peer.to_string() + " every " + std::to_string(config_.interval_ns / 1000) +
                 " us");
    }
    // Captures are read on our own beat tick and before every detector
    // deadline, not on every frame: one wakeup per interval instead of one
    // per frame per link (the cost that dominates at 1 ms). Detection is
    // unaffected (the deadline reads first); messages wait at most one tick.
    handlers_.resize(links_.size());
    for (std::size_t i = 0; i < links_.size(); ++i) {
        handlers_[i].daemon = this;
        handlers_[i].link = i;
    }
}

void Daemon::on_packet(std::size_t link, std::span<const std::uint8_t> frame, std::int64_t arrival_ns) {
    if (frame.size() >= 14 && frame[12] == 0x08 && frame[13] == 0x06) {
        auto arp = wire::decode_arp_frame(frame);
        if (!arp) {
            return;
        }
        for (const auto& address : config_.addresses) {
            if (arp->sender_ip == address.address && arp->sender_mac != links_[link].sender->source_mac()) {
                last_claim_ns_[address.address.value] = arrival_ns;
            }
        }
        return;
    }
    const std::uint64_t before = detector_->links()[link].beats;
    intake_->on_frame(link, frame, arrival_ns);
    const auto& status = detector_->links()[link];
    if (status.beats != before) {
        PeerLink& peer_link = links_[link];
        if (peer_link.last_counted_beat_ns != 0) {
            peer_link.intervals.add(status.last_beat_ns - peer_link.last_counted_beat_ns);
        }
        peer_link.last_counted_beat_ns = status.last_beat_ns;
        peer_state_hint_ = detector_->peer_sender_state();
    }
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

void Daemon::drain_all() {
    for (std::size_t i = 0; i < links_.size(); ++i) {
        if (!capture_failed_[i]) {
            drain(i);
        }
    }
}

void Daemon::after_input() {
    evaluate();
    // Beats only move deadlines later; a timer that fires before the current
    // deadline simply re-arms. So the timer is touched only when a deadline
    // moved earlier: no syscall per received beat.
    const auto deadline = detector_->next_deadline();
    // Re-arm when the deadline moved earlier, or when the armed one is about
    // to fire needlessly (beats arrived): a timerfd_settime is far cheaper
    // than a wakeup that only finds the peer alive.
    const bool earlier = deadline && (armed_deadline_ns_ == 0 || *deadline < armed_deadline_ns_);
    const bool about_to_fire_needlessly =
        deadline && *deadline > armed_deadline_ns_ && armed_deadline_ns_ - now() < 2 * config_.interval_ns;
    if (earlier || about_to_fire_needlessly) {
        rearm_detector_timer();
    }
}

void Daemon::rearm_detector_timer() {
    const auto deadline = detector_->next_deadline();
    const std::int64_t current = now();
    armed_deadline_ns_ = deadline ? std::max(*deadline, current + 1) : current + 1'000'000'000;
    loop_.rearm_timer(detector_timer_, armed_deadline_ns_ - current, 0);
}

void Daemon::on_detector_timer() {
    // A timer that fires late must first see every beat that arrived meanwhile.
    drain_all();
    detector_->on_tick(now());
    evaluate();
    rearm_detector_timer();
}

void Daemon::on_message(std::size_t link, const wire::HeartbeatFrame& frame) {
    const std::string where = " on " + links_[link].config.interface;
    if (frame.beat.type == wire::MessageType::released) {
        if (!peer_sent_released_) {
            log_info("peer says released" + where);
        }
        peer_sent_released_ = true;
    } else if (frame.beat.type == wire::MessageType::release_request) {
        if (!peer_requests_release_) {
            log_info("peer asks for its addresses" + where);
        }
        peer_requests_release_ = true;
    }
}

void Daemon::on_peer_change(const detector::PeerChange& change) {
    using detector::PeerState;
    if (change.to == PeerState::dead) {
        peer_up_since_ns_ = 0;
        peer_requests_release_ = false;
        if (config_.role == wire::Role::primary) {
            notifier_->notify("standby lost",
                              "no beats from the secondary on any link (" + std::string(change.reason) + ")");
        }
    } else if (change.to == PeerState::alive || change.to == PeerState::degraded) {
        if (peer_up_since_ns_ == 0) {
            peer_up_since_ns_ = now();
        }
    }
    if (change.to == PeerState::degraded) {
        std::string silent;
        for (const auto& link : detector_->links()) {
            if (link.state != detector::LinkState::up) {
                silent += (silent.empty() ? "" : ", ") + link.name;
            }
        }
        notifier_->notify("network anomaly: link " + silent + " silent",
                          "the peer still beats on another link; no takeover (split-brain guard)");
    }
}

bool Daemon::service_carrier() const {
    for (const auto& address : config_.addresses) {
        for (const PeerLink& link : links_) {
            if (link.config.interface == address.interface && !link.carrier) {
                return false;
            }
        }
    }
    return true;
}

void Daemon::on_carrier_event(int interface_index, bool carrier) {
    for (std::size_t i = 0; i < links_.size(); ++i) {
        if (static_cast<int>(if_nametoindex(links_[i].config.interface.c_str())) == interface_index &&
            links_[i].carrier != carrier) {
            poll_carrier();  // one authoritative read of every link
            return;
        }
    }
}

void Daemon::poll_carrier() {
    bool changed = false;
    for (std::size_t i = 0; i < links_.size(); ++i) {
        if (capture_failed_[i] && links_[i].carrier) {
            reopen_capture(i, "retry");
        }
        const bool carrier = addresses_->carrier(links_[i].config.interface);
        if (carrier != links_[i].carrier) {
            links_[i].carrier = carrier;
            changed = true;
            log_info("link " + links_[i].config.interface + ": our carrier " + (carrier ? "back" : "lost"));
            if (carrier) {
                carrier_back_ns_ = now();
                // A capture socket may not survive its interface going down
                // and up again; a fresh one costs nothing here.
                reopen_capture(i, "carrier back");
            }
            detector_->on_local_link(i, carrier, now());
        }
    }
    if (changed) {
        after_input();
    }
}

std::int64_t Daemon::probe_period() const {
    std::int64_t interval = 0;
    for (const auto& link : detector_->links()) {
        interval = std::max(interval, link.peer_interval_ns);
    }
    return std::max(interval > 0 ? interval : config_.interval_ns, kMinimumProbePeriodNs);
}

bool Daemon::addresses_in_use(std::string& who) const {
    // The peer stops answering when it dies; a claim newer than its last
    // beat (plus an interval for replies in flight) is someone else's.
    std::int64_t last_beat = 0;
    std::int64_t interval = config_.interval_ns;
    for (const auto& link : detector_->links()) {
        last_beat = std::max(last_beat, link.last_beat_ns);
        interval = std::max(interval, link.peer_interval_ns);
    }
    for (const auto& [address, claimed_at] : last_claim_ns_) {
        // Staleness counts in probes, not time: a late timer must not make a
        // holder that answered our previous probe look gone.
        if (claimed_at > last_beat + interval && claimed_at >= previous_probe_ns_) {
            who = wire::Ipv4Address{address}.to_string();
            return true;
        }
    }
    return false;
}

void Daemon::probe_addresses() {
    const std::int64_t period = probe_period();
    if (probing_since_ns_ == 0) {
        probing_since_ns_ = now();
        probes_since_start_ = 0;
    }
    if (now() - last_probe_ns_ < period) {
        return;
    }
    previous_probe_ns_ = last_probe_ns_;
    last_probe_ns_ = now();
    ++probes_since_start_;
    for (const auto& address : config_.addresses) {
        auto sender = arp_senders_.find(address.interface);
        if (sender != arp_senders_.end()) {
            sender->second->send_probe(address.address);
        }
    }
}

void Daemon::set_hold(HoldState state, const std::string& reason) {
    if (hold_ == state) {
        return;
    }
    log_info(std::string("role ") + std::string(wire::to_string(config_.role)) + ": " + std::string(to_string(hold_)) +
             " -> " + std::string(to_string(state)) + " reason=" + reason);
    last_change_ = nlohmann::json{{"from", to_string(hold_)}, {"to", to_string(state)}, {"reason", reason}};
    hold_ = state;
    emitter_->set_state(wire_state(state));
    outgoing_type_ = wire::MessageType::beat;
    // Messages heard before a change of ours are answered by it: a stale
    // "released" must not trigger a second takeover after we gave back.
    peer_sent_released_ = false;
    peer_requests_release_ = false;
}

void Daemon::send_released() {
    for (int i = 0; i < kReleasedRepeats; ++i) {
        emitter_->emit(wire::MessageType::released);
    }
}

void Daemon::try_acquire(const std::string& reason, bool handover) {
    if (config_.addresses.empty()) {
        set_hold(HoldState::active, reason);
        return;
    }
    // Counted in probes as well as in time: on a starved machine the replies
    // come late, but so does our next probe, which gives them that time.
    const bool probed_enough = probing_since_ns_ != 0 && probes_since_start_ >= kProbesBeforeClaim &&
                               now() - probing_since_ns_ >= kProbeWindowPeriods * probe_period();
    if (!handover && !probed_enough) {
        probe_addresses();
        return;  // RFC 5227: give a holder time to answer before we claim
    }
    std::string who;
    if (addresses_in_use(who)) {
        if (!in_use_notified_) {
            in_use_notified_ = true;
            notifier_->notify("peer silent but the address is still in use",
                              who + " answered ARP after the peer's last beat; not taking it over");
        }
        return;
    }
    if (vetoed_at_peer_change_ == detector_->counters().peer_changes) {
        return;  // Test said no for this situation; ask again when it changes
    }
    if (takeover_->acquire(reason)) {
        in_use_notified_ = false;
        probing_since_ns_ = 0;
        set_hold(HoldState::active, reason);
    } else {
        vetoed_at_peer_change_ = detector_->counters().peer_changes;
    }
}

void Daemon::release(const std::string& reason, bool forced, HoldState next) {
    const bool released = takeover_->release(reason, forced, [this, next, &reason] {
        set_hold(next, reason);
        send_released();
    });
    if (!released) {
        log_info("release vetoed by Test: keeping the addresses");
    }
}

void Daemon::evaluate() {
    if (stopping_) {
        return;
    }
    if (config_.role == wire::Role::primary) {
        evaluate_primary();
    } else {
        evaluate_secondary();
    }
}

void Daemon::evaluate_secondary() {
    using detector::PeerState;
    const PeerState peer = detector_->peer_state();
    if (hold_ == HoldState::standby && !service_carrier()) {
        if (!cannot_stand_by_notified_) {
            cannot_stand_by_notified_ = true;
            notifier_->notify("cannot stand by", "our service link is down: no takeover is possible until it is back");
        }
        return;
    }
    cannot_stand_by_notified_ = false;
    if (hold_ == HoldState::standby) {
        if (!config_.addresses.empty() && (peer != PeerState::alive || detector_->any_link_late(now()))) {
            probe_addresses();  // from the first late beat on, so the probe adds no latency
        } else {
            probing_since_ns_ = 0;
        }
        const bool handed_over = peer_sent_released_ || peer_state_hint_ == wire::SenderState::releasing ||
                                 peer_state_hint_ == wire::SenderState::stopping;
        if (handed_over && peer != PeerState::waiting) {
            try_acquire("primary handed over (" +
                            std::string(wire::to_string(peer_state_hint_.value_or(wire::SenderState::releasing))) + ")",
                        true);
        } else if (peer == PeerState::dead) {
            try_acquire("peer dead: every link silent");
        }
        peer_sent_released_ = false;
        return;
    }
    if (hold_ == HoldState::active && peer_requests_release_ && peer_state_hint_ == wire::SenderState::starting) {
        const bool manual = config_.failback == FailbackPolicy::manual && !release_requested_by_admin_;
        if (manual) {
            if (!manual_failback_notified_) {
                manual_failback_notified_ = true;
                notifier_->notify("primary is back; failback is manual",
                                  "run 'foctl release' on the secondary to hand the addresses back");
            }
            return;
        }
        if (!release_requested_by_admin_ && now() - peer_up_since_ns_ < config_.failback_hold_down_ns) {
            return;  // hold-down: a flapping primary does not bounce the addresses
        }
        release("primary is back and asks for its addresses", false, HoldState::standby);
        peer_requests_release_ = false;
        manual_failback_notified_ = false;
        release_requested_by_admin_ = false;
    }
}

void Daemon::evaluate_primary() {
    using detector::PeerState;
    const PeerState peer = detector_->peer_state();
    const bool serviceable = service_carrier();
    if (!serviceable) {
        if (hold_ == HoldState::active || hold_ == HoldState::starting) {
            release("our service link is down: handing over", true, HoldState::releasing);
            if (hold_ != HoldState::releasing) {
                set_hold(HoldState::releasing, "service link down");
            }
        }
        return;
    }
    if (hold_ == HoldState::releasing) {
        set_hold(HoldState::starting, "service link back");
    }
    if (hold_ != HoldState::starting) {
        return;
    }
    if (peer == PeerState::waiting) {
        probe_addresses();
        return;
    }
    const auto secondary = peer_state_hint_;
    if (peer == PeerState::dead) {
        probe_addresses();
        // Links just back: the secondary's beats have not had time to arrive.
        const std::int64_t listen_ns = static_cast<std::int64_t>(config_.miss_count) * config_.interval_ns * 2;
        if (carrier_back_ns_ != 0 && now() - carrier_back_ns_ < std::max(listen_ns, config_.initial_dead_time_ns)) {
            return;
        }
        try_acquire("no secondary answers and the addresses are free");
    } else if (peer_sent_released_ || secondary == wire::SenderState::standby) {
        try_acquire(peer_sent_released_ ? "secondary released the addresses" : "secondary is standing by", true);
        peer_sent_released_ = false;
    } else if (secondary == wire::SenderState::active) {
        outgoing_type_ = wire::MessageType::release_request;  // until it answers "released"
    }
}

void Daemon::shutdown() {
    if (stopping_) {
        return;
    }
    log_info("stopping");
    sd_notify(0, "STOPPING=1");
    stopping_ = true;
    if (takeover_->holding()) {
        takeover_->release("daemon stopping", true, [this] {
            set_hold(HoldState::stopping, "daemon stopping");
            send_released();
        });
    } else {
        set_hold(HoldState::stopping, "daemon stopping");
        send_released();
    }
    loop_.stop();
}

void Daemon::reload() {
    if (config_path_.empty()) {
        log_info("SIGHUP: no configuration file to reload (started from flags)");
        return;
    }
    auto loaded = load_config_file(config_path_);
    ++reloads_handled_;
    if (!loaded.config) {
        ++reloads_refused_;
        for (const auto& error : loaded.errors) {
            log_error("reload refused: " + error);
        }
        return;
    }
    // What can change in place; links, addresses, keys and role need a restart.
    const Config& fresh = *loaded.config;
    config_.failback = fresh.failback;
    config_.failback_hold_down_ns = fresh.failback_hold_down_ns;
    config_.hooks_dir = fresh.hooks_dir;
    config_.hook_timeout_ns = fresh.hook_timeout_ns;
    config_.mail_recipient = fresh.mail_recipient;
    config_.sendmail = fresh.sendmail;
    *hooks_ = takeover::DirectoryHookRunner(config_.hooks_dir, config_.hook_timeout_ns,
                                            [](const std::string& line) { log_info(line); });
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    notifier_->finish();
    *notifier_ = takeover::MailNotifier(config_.sendmail, config_.mail_recipient, host,
                                        [](const std::string& line) { log_info(line); });
    const bool restart_needed = fresh.links.size() != config_.links.size() ||
                                fresh.addresses.size() != config_.addresses.size() ||
                                fresh.interval_ns != config_.interval_ns || fresh.role != config_.role;
    log_info(std::string("configuration reloaded from ") + config_path_ +
             (restart_needed ? "; links, addresses, interval and role changes need a restart" : ""));
}

nlohmann::json Daemon::status() {
    nlohmann::json out;
    out["role"] = wire::to_string(config_.role);
    out["node_id"] = node_id_;
    out["state"] = to_string(hold_);
    out["holding"] = takeover_->holding();
    out["peer"] = {{"state", detector::to_string(detector_->peer_state())},
                   {"sender_state", peer_state_hint_ ? std::string(wire::to_string(*peer_state_hint_)) : ""},
                   {"restarts", detector_->counters().peer_restarts}};
    out["links"] = nlohmann::json::array();
    const auto& emitted = emitter_->links();
    for (std::size_t i = 0; i < links_.size(); ++i) {
        const auto& status = detector_->links()[i];
        const auto& intervals = links_[i].intervals;
        out["links"].push_back(
            {{"interface", status.name},
             {"state", detector::to_string(status.state)},
             {"carrier", links_[i].carrier},
             {"last_beat_age_ms",
              status.last_beat_ns == 0 ? -1.0 : static_cast<double>(now() - status.last_beat_ns) / 1e6},
             {"peer_interval_us", status.peer_interval_ns / 1000},
             {"beats_received", status.beats},
             {"went_down", status.went_down},
             {"interval_us",
              {{"p50", intervals.percentile_us(0.5)},
               {"p99", intervals.percentile_us(0.99)},
               {"max", intervals.max_us()},
               {"jitter", intervals.stddev_us()}}},
             {"beats_sent", emitted[i].sent},
             {"send_errors", emitted[i].send_errors},
             {"peer_mac", links_[i].peer_mac ? links_[i].peer_mac->to_string() : "broadcast"}});
    }
    out["addresses_configured"] = nlohmann::json::array();
    for (const auto& address : config_.addresses) {
        out["addresses_configured"].push_back(address.text() + "@" + address.interface);
    }
    out["addresses_held"] = takeover_->addresses_present();
    out["hooks"] = nlohmann::json::array();
    for (const auto& hook : takeover_->last_hook_results()) {
        out["hooks"].push_back({{"name", hook.name}, {"exit", hook.exit_code}, {"timed_out", hook.timed_out}});
    }
    out["notifications"] = {{"mail_sent", notifier_->sent()}, {"mail_failed", notifier_->failed()}};
    const auto& counters = takeover_->counters();
    out["counters"] = {{"takeovers", counters.acquisitions},
                       {"releases", counters.releases},
                       {"vetoed", counters.vetoed},
                       {"hook_failures", counters.hook_failures},
                       {"address_errors", counters.address_errors},
                       {"garps_sent", counters.garps_sent},
                       {"times_peer_dead", detector_->counters().times_dead},
                       {"times_peer_degraded", detector_->counters().times_degraded},
                       {"frames_accepted", intake_->accepted()}};
    nlohmann::json drops = nlohmann::json::object();
    intake_->drops().for_each_nonzero(
        [&](wire::DropReason reason, std::uint64_t count) { drops[std::string(wire::to_string(reason))] = count; });
    out["drops"] = drops;
    out["failback"] = to_string(config_.failback);
    out["last_change"] = last_change_ ? *last_change_ : nlohmann::json(nullptr);
    out["reloads"] = {{"handled", reloads_handled_}, {"refused", reloads_refused_}};
    return out;
}

std::string Daemon::handle_command(const std::string& command) {
    if (command == "release") {
        if (config_.role != wire::Role::secondary || hold_ != HoldState::active) {
            return R"({"error":"only an active secondary can release"})";
        }
        release_requested_by_admin_ = true;
        if (!peer_requests_release_) {
            release("released by the admin (foctl release)", false, HoldState::standby);
            release_requested_by_admin_ = false;
        } else {
            evaluate();
        }
        return status().dump();
    }
    return status().dump();
}

void Daemon::serve_status() {
    if (config_.status_socket.empty()) {
        return;
    }
    std::filesystem::create_directories(std::filesystem::path(config_.status_socket).parent_path());
    ::unlink(config_.status_socket.c_str());
    status_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (config_.status_socket.size() >= sizeof address.sun_path) {
        throw std::runtime_error("status_socket path too long: " + config_.status_socket);
    }
    std::strncpy(address.sun_path, config_.status_socket.c_str(), sizeof address.sun_path - 1);
    if (status_fd_ < 0 || bind(status_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(status_fd_, 8) != 0) {
        throw std::runtime_error("cannot listen on " + config_.status_socket + ": " + std::strerror(errno));
    }
    chmod(config_.status_socket.c_str(), 0600);
    loop_.watch_readable(status_fd_, [this] {
        const int client = accept4(status_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            return;
        }
        timeval timeout{0, 200'000};  // a slow client never stalls the daemon for long
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        char buffer[64] = {};
        const ssize_t got = read(client, buffer, sizeof buffer - 1);
        std::string command = got > 0 ? std::string(buffer, static_cast<std::size_t>(got)) : "status";
        command.erase(command.find_last_not_of(" \n\r\t") + 1);
        const std::string reply = handle_command(command) + "\n";
        (void)!write(client, reply.data(), reply.size());
        close(client);
    });
}

int Daemon::run() {
    setup();
    loop_.add_timer(0, config_.interval_ns, [this](std::uint64_t) {
        emitter_->emit(outgoing_type_);
        drain_all();
        after_input();  // also starts the address probes once a beat is late
    });
    detector_timer_ = loop_.add_timer(config_.interval_ns, 0, [this](std::uint64_t) { on_detector_timer(); });
    // Carrier: netlink link events as they happen, and a slow poll in case
    // an event was lost (the netlink socket buffer can overflow).
    carrier_watch_ = std::make_unique<takeover::CarrierWatch>(
        [this](int interface_index, bool carrier) { on_carrier_event(interface_index, carrier); });
    loop_.watch_readable(carrier_watch_->fd(), [this] { carrier_watch_->read_events(); });
    poll_carrier();
    loop_.add_timer(kCarrierPollNs, kCarrierPollNs, [this](std::uint64_t) {
        notifier_->reap(now());
        poll_carrier();
        evaluate();  // address probes and pending decisions advance without beats too
    });
    loop_.add_timer(kNeighborRecheckNs, kNeighborRecheckNs, [this](std::uint64_t) {
        for (PeerLink& link : links_) {
            link.refresh_peer_mac(true);
        }
    });
    loop_.on_signal(SIGTERM, [this] { shutdown(); });
    loop_.on_signal(SIGINT, [this] { shutdown(); });
    loop_.on_signal(SIGHUP, [this] { reload(); });
    serve_status();
    std::uint64_t watchdog_us = 0;
    if (sd_watchdog_enabled(0, &watchdog_us) > 0 && watchdog_us > 0) {
        const auto half = static_cast<std::int64_t>(watchdog_us) * 500;
        loop_.add_timer(half, half, [](std::uint64_t) { sd_notify(0, "WATCHDOG=1"); });
    }
    if (config_.realtime) {
        if (auto failure = runtime::enter_realtime(kRealtimePriority); !failure.empty()) {
            log_warning("realtime scheduling not available: " + failure);
        }
    }
    log_info("node " + std::to_string(node_id_) + " (" + std::string(wire::to_string(config_.role)) + ") started, " +
             (key_ ? "HMAC-SHA256 authentication" : "NO authentication") + ", " +
             std::to_string(config_.addresses.size()) + " service address(es)");
    sd_notify(0, "READY=1");
    loop_.run();
    if (status_fd_ >= 0) {
        close(status_fd_);
        ::unlink(config_.status_socket.c_str());
    }
    notifier_->finish();  // the mail about our own release
    for (const auto& link : emitter_->links()) {
        log_info("link " + link.interface + ": sent " + std::to_string(link.sent) + " beats, " +
                 std::to_string(link.send_errors) + " send errors");
    }
    if (summary_json_) {
        std::cout << status().dump() << std::endl;
    }
    return 0;
}

}  // namespace

int daemon_main(int argc, char** argv, wire::Role default_role) {
    const std::string program = default_role == wire::Role::primary ? "heartbeatd" : "failoverd";
    runtime::set_log_identity(program);
    // A sendmail that exits before reading its message, or a foctl that hangs
    // up, must cost an EPIPE, not the daemon (which would stop beating).
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{program + ": fast IP failover (" + std::string(wire::to_string(default_role)) + ")"};
    std::string config_path;
    std::string hostconfig_path;
    std::string interface_map;
    bool check_only = false;
    std::vector<std::string> interfaces;
    std::vector<std::string> peers;
    std::string interval;
    std::string key_file;
    bool no_auth = false;
    std::uint32_t node_id = 0;
    std::string role;
    std::uint16_t port = 0;
    bool realtime = false;
    bool summary_json = false;
    std::string status_socket;
    app.add_option("-c,--config", config_path, "TOML configuration file");
    app.add_option("--hostconfig", hostconfig_path, "read Apple's /etc/hostconfig FAILOVER_* keys instead");
    app.add_option("--interface-map", interface_map, "rename hostconfig interfaces, e.g. en0=eth0,fw0=eth1");
    app.add_flag("--check-config", check_only, "validate the configuration and exit");
    app.add_option("-i,--interface", interfaces, "link interface (repeat); overrides the file's links");
    app.add_option("-p,--peer", peers, "peer IPv4 or 'broadcast', one or one per --interface");
    app.add_option("--interval", interval, "beat interval, e.g. 1ms, 100ms");
    app.add_option("--key-file", key_file, "file holding the shared HMAC key");
    app.add_flag("--no-auth", no_auth, "run without authentication (logged)");
    app.add_option("--node-id", node_id, "node id (default: from /etc/machine-id)");
    app.add_option("--role", role, "primary or secondary")->check(CLI::IsMember({"primary", "secondary"}));
    app.add_option("--port", port, "UDP port (default 1694)");
    app.add_flag("--realtime", realtime, "SCHED_FIFO and locked memory");
    app.add_option("--status-socket", status_socket, "Unix socket for foctl");
    app.add_flag("--summary-json", summary_json, "print the final status as JSON on exit");
    CLI11_PARSE(app, argc, argv);

    ConfigResult loaded;
    if (!config_path.empty()) {
        loaded = load_config_file(config_path);
    } else if (!hostconfig_path.empty()) {
        std::ifstream in(hostconfig_path);
        if (!in) {
            loaded.errors.push_back(hostconfig_path + ": cannot read the file");
        } else {
            std::stringstream text;
            text << in.rdbuf();
            loaded = parse_hostconfig(text.str(), hostconfig_path, interface_map, local_interfaces());
        }
    } else {
        loaded.config = Config{};
        loaded.config->source = "command line";
        loaded.config->role = default_role;
    }
    if (!loaded.config) {
        for (const auto& error : loaded.errors) {
            std::cerr << program << ": " << error << "\n";
        }
        return 1;
    }
    Config config = *loaded.config;
    if (!interfaces.empty()) {
        if (peers.size() != 1 && peers.size() != interfaces.size()) {
            std::cerr << program << ": --peer: give one peer for all interfaces or one per --interface\n";
            return 2;
        }
        config.links.clear();
        for (std::size_t i = 0; i < interfaces.size(); ++i) {
            const std::string& peer = peers.size() == 1 ? peers[0] : peers[i];
            LinkConfig link{interfaces[i], wire::Ipv4Address{0xFFFFFFFFU}, true};
            if (peer != "broadcast") {
                auto ip = wire::Ipv4Address::parse(peer);
                if (!ip) {
                    std::cerr << program << ": --peer '" << peer << "' is not an IPv4 address or 'broadcast'\n";
                    return 2;
                }
                link = LinkConfig{interfaces[i], *ip, (ip->value & 0xFFU) == 0xFFU};
            }
            config.links.push_back(link);
        }
    }
    if (!interval.empty()) {
        auto parsed = runtime::parse_duration_ns(interval);
        if (!parsed || *parsed < 1'000'000) {
            std::cerr << program << ": --interval '" << interval << "': give at least 1ms\n";
            return 2;
        }
        config.interval_ns = *parsed;
    }
    if (!key_file.empty()) {
        config.auth_key_file = key_file;
        config.no_auth = false;
    }
    if (no_auth) {
        config.no_auth = true;
        config.auth_key_file.clear();
    }
    if (node_id != 0) {
        config.node_id = node_id;
    }
    if (!role.empty()) {
        config.role = role == "primary" ? wire::Role::primary : wire::Role::secondary;
    }
    if (port != 0) {
        config.port = port;
    }
    if (realtime) {
        config.realtime = true;
    }
    if (!status_socket.empty()) {
        config.status_socket = status_socket;
    }
    if (config.links.empty()) {
        std::cerr << program << ": " << config.source << ": no links: give [[link]] entries or --interface/--peer\n";
        return 1;
    }
    std::optional<wire::AuthKey> key;
    if (!config.auth_key_file.empty()) {
        auto loaded_key = wire::AuthKey::load_file(config.auth_key_file);
        if (!loaded_key.key) {
            std::cerr << program << ": " << config.source << ": key 'auth_key_file': " << loaded_key.error << "\n";
            return 1;
        }
        if (!loaded_key.warning.empty()) {
            log_warning(loaded_key.warning);
        }
        key = std::move(loaded_key.key);
    } else if (!config.no_auth) {
        std::cerr << program << ": " << config.source
                  << ": no key: give auth_key_file (or --key-file), or auth = \"none\" (--no-auth)\n";
        return 1;
    }
    if (check_only) {
        std::cout << config.source << ": configuration OK (" << wire::to_string(config.role) << ", "
                  << config.links.size() << " link(s), " << config.addresses.size() << " address(es))\n";
        return 0;
    }
    if (config.no_auth) {
        log_warning("authentication is OFF: anyone on these links can forge beats");
    }
    try {
        Daemon daemon(std::move(config), std::move(key), config_path, summary_json);
        return daemon.run();
    } catch (const std::exception& error) {
        log_error(error.what());
        return 1;
    }
}

}  // namespace fo::daemon
