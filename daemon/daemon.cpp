#include "fo/daemon/daemon.hpp"

#include <net/if.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <systemd/sd-daemon.h>

#include "control_socket.hpp"
#include "fo/capture/bpf_filter.hpp"
#include "fo/capture/pcap_source.hpp"
#include "fo/capture/wake_socket.hpp"
#include "fo/daemon/events.hpp"
#include "fo/daemon/metrics.hpp"
#include "fo/daemon/node.hpp"
#include "fo/daemon/status.hpp"
#include "fo/inject/arp_sender.hpp"
#include "fo/inject/ndp_sender.hpp"
#include "fo/runtime/clock.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/runtime/log.hpp"
#include "fo/runtime/process.hpp"
#include "fo/takeover/carrier_watch.hpp"
#include "fo/takeover/check_executor.hpp"
#include "fo/takeover/hook_runner.hpp"
#include "fo/takeover/netlink_addresses.hpp"
#include "fo/takeover/notifier.hpp"
#include "mail_setup.hpp"
#include "metrics_file.hpp"
#include "peer_link.hpp"
#include "run_daemon.hpp"

// The daemon as a process: captures, the event loop, netlink, signals, the
// status socket, systemd. Every decision is the Node's (node.cpp).

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
constexpr int kRealtimePriority = 50;
constexpr std::int64_t kStopPollNs = 10'000'000;            // shutdown: is the release (its hooks) done?
constexpr std::int64_t kHookKillGraceNs = 1'000'000'000;    // the hook runner's TERM -> KILL
constexpr std::int64_t kMetricsAfterChangeNs = 10'000'000;  // a burst of events: one metrics write

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

std::string key_ids_text(const wire::Keyring& keyring) {
    std::string text;
    for (const auto id : keyring.ids()) {
        text += (text.empty() ? "" : ",") + std::to_string(id);
    }
    return text;
}

std::string host_name() {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return host;
}

class Daemon {
  public:
    Daemon(Config config, std::optional<wire::Keyring> keyring, std::string config_path, bool summary_json)
        : config_(std::move(config)),
          keyring_(std::move(keyring)),
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
            daemon->node_->on_frame(link, packet.data, packet.timestamp_ns + realtime_to_monotonic);
        }
    };

    void setup();
    void drain_all();
    void drain(std::size_t link);
    void on_beat_tick();
    void housekeeping();
    void on_wake(std::size_t link);
    void after_input();
    void rearm_detector_timer();
    void on_detector_timer();
    void poll_carrier();
    void reopen_capture(std::size_t link, const std::string& why);
    void on_carrier_event(int interface_index, bool carrier);
    void shutdown();
    void reload();
    void serve_status();
    nlohmann::json status();
    ProcessStatus process_status();
    void setup_events();
    void write_metrics();
    void publish_mail_outcomes();  // the mailer's outcomes as notification events
    std::string handle_command(ControlCommand command);
    std::int64_t now() const { return clock_.now_ns(); }

    Config config_;
    /// The senders and the intake point into it: a reload assigns in place.
    std::optional<wire::Keyring> keyring_;
    std::string config_path_;
    bool summary_json_;
    runtime::EventLoop loop_;
    runtime::MonotonicClock clock_;
    LoopScheduler scheduler_;
    std::vector<PeerLink> links_;
    std::vector<CaptureHandler> handlers_;
    std::vector<capture::LiveCaptureOptions> capture_options_;
    std::vector<bool> capture_failed_;
    std::vector<std::unique_ptr<capture::DiscardingUdpPort>> udp_ports_;
    std::int64_t next_housekeeping_ns_ = 0;
    std::unique_ptr<takeover::NetlinkAddressManager> addresses_;
    std::unique_ptr<takeover::CarrierWatch> carrier_watch_;
    std::unique_ptr<takeover::DirectoryHookRunner> hooks_;
    std::unique_ptr<takeover::MailNotifier> notifier_;
    std::map<std::string, std::unique_ptr<inject::LibnetArpSender>> arp_senders_;
    std::unique_ptr<takeover::LoopCheckExecutor> checks_;  // [[check]]: commands and TCP connects on the loop
    std::unique_ptr<EventBus> events_;                     // before node_, which publishes into it
    std::map<std::string, std::unique_ptr<inject::NdpSender>> ndp_senders_;  // interfaces with IPv6 service addresses
    std::unique_ptr<Node> node_;
    runtime::EventLoop::TimerId detector_timer_ = -1;
    std::unique_ptr<ControlSocket> control_;
    std::uint64_t reloads_handled_ = 0;
    std::uint64_t reloads_refused_ = 0;
    // Metrics (docs/design.md, "Events and metrics").
    std::optional<MetricsFile> metrics_file_;
    bool metrics_scheduled_ = false;
    bool metrics_failing_ = false;
    std::int64_t last_change_wall_ns_ = 0;
};

void Daemon::setup() {
    const std::uint32_t node_id = config_.node_id != 0 ? config_.node_id : runtime::default_node_id();
    const std::int64_t start = now();
    setup_events();
    std::map<std::string, bool> service_interfaces;  // -> has an IPv6 service address
    for (const auto& address : config_.addresses) {
        service_interfaces[address.interface] = service_interfaces[address.interface] || address.is_ipv6();
    }
    NodeEdges edges;
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
        link.wake =
            std::make_unique<capture::WakeSocket>(link_config.interface, capture::build_wake_filter_expression(filter));
        link.capture = capture::open_live_capture(capture_options);
        capture_options_.push_back(capture_options);
        capture_failed_.push_back(false);
        links_.push_back(std::move(link));
    }
    for (const auto& [interface, unused] : service_interfaces) {
        arp_senders_[interface] = std::make_unique<inject::LibnetArpSender>(interface);
    }
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
    for (const auto& address : config_.addresses) {
        if (address.ipv6 && ndp_senders_.count(address.interface) == 0) {
            ndp_senders_[address.interface] = std::make_unique<inject::NdpSender>(address.interface);
        }
    }
    addresses_ = std::make_unique<takeover::NetlinkAddressManager>();
    hooks_ = std::make_unique<takeover::DirectoryHookRunner>(loop_, config_.hooks_dir, config_.hook_timeout_ns,
                                                             [](const std::string& line) { log_info(line); });
    notifier_ = std::make_unique<takeover::MailNotifier>(
        make_mail_transport(config_), make_mail_policy(config_), host_name(),
        [](const std::string& line) { log_info(line); }, [this] { return now(); }, runtime::realtime_ns);
    publish_mail_outcomes();
    for (PeerLink& link : links_) {
        edges.transmitters.push_back(link.sender.get());
        edges.link_macs.push_back(link.sender->source_mac());
    }
    edges.arp_for = [this](const std::string& interface) -> inject::ArpTransmitter* {
        auto found = arp_senders_.find(interface);
        return found == arp_senders_.end() ? nullptr : found->second.get();
    };
    edges.ndp_for = [this](const std::string& interface) -> inject::NdpTransmitter* {
        auto found = ndp_senders_.find(interface);
        return found == ndp_senders_.end() ? nullptr : found->second.get();
    };
    edges.addresses = addresses_.get();
    edges.hooks = hooks_.get();
    edges.notifier = notifier_.get();
    edges.scheduler = &scheduler_;
    edges.wall_clock = runtime::realtime_ns;
    edges.monotonic_clock = [this] { return now(); };
    edges.logger = [](const std::string& line) { log_info(line); };
    // Health checks ([[check]]): the node runs them through this executor.
    if (!config_.checks.empty()) {
        checks_ = std::make_unique<takeover::LoopCheckExecutor>(loop_, [](const std::string& line) { log_info(line); });
        edges.checks = checks_.get();
    }
    edges.events = events_.get();

    // Start clean: a daemon (re)starting never holds addresses it did not
    // acquire in this run, so a primary plugged back in cannot collide.
    // One dump of the kernel's addresses and one netlink batch, not one of each per address.
    const std::vector<bool> present = addresses_->present_all(config_.addresses);
    std::vector<takeover::ServiceAddress> leftovers;
    for (std::size_t i = 0; i < config_.addresses.size(); ++i) {
        if (present[i]) {
            leftovers.push_back(config_.addresses[i]);
        }
    }
    if (!leftovers.empty()) {
        log_warning("removing " + std::to_string(leftovers.size()) + " leftover service address(es), the first " +
                    leftovers.front().text() + " from " + leftovers.front().interface);
        addresses_->remove_all(leftovers, [&leftovers](std::size_t index, const std::string& error) {
            if (!error.empty()) {
                log_warning("cannot remove leftover " + leftovers[index].text() + ": " + error);
            }
        });
    }
    const NodeIdentity identity{node_id, runtime::random_u64(), keyring_ ? &*keyring_ : nullptr};
    node_ = std::make_unique<Node>(config_, identity, std::move(edges), start);
    for (PeerLink& link : links_) {
        link.resolve_at_start();
        log_info("link " + link.config.interface + ": beats from " + link.sender->source_mac().to_string() + " to " +
                 link.config.peer.to_string() + " every " + std::to_string(config_.interval_ns / 1000) + " us");
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

void Daemon::shutdown() {
    if (node_->role().stopping()) {
        return;
    }
    log_info("stopping");
    sd_notify(0, "STOPPING=1");
    node_->shutdown(now());
    if (!node_->busy()) {
        loop_.stop();
        return;
    }
    // The release (or the cancelled acquisition) still runs its hooks: the
    // loop keeps beating and feeding the watchdog until it ends, bounded
    // (a hook left then is killed with the runner).
    const std::int64_t give_up = now() + 3 * (config_.hook_timeout_ns + kHookKillGraceNs);
    loop_.add_timer(kStopPollNs, kStopPollNs, [this, give_up](std::uint64_t) {
        if (!node_->busy() || now() >= give_up) {
            loop_.stop();
        }
    });
}

void Daemon::reload() {
    if (config_path_.empty()) {
        log_info("SIGHUP: no configuration file to reload (started from flags)");
        ++reloads_handled_;
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
    // What can change in place; links, addresses, authentication on/off and
    // role need a restart. Keys are loaded first: a broken key directory
    // refuses the whole reload and the old keys stay.
    const Config& fresh = *loaded.config;
    std::optional<wire::Keyring> keys;
    if (keyring_ && !fresh.no_auth) {
        auto loaded_keys = load_keyring(fresh, wire::KeyFilePolicy::daemon());
        if (!loaded_keys.keyring) {
            ++reloads_refused_;
            log_error("reload refused, the keys in use stay (ids " + key_ids_text(*keyring_) + ", sending with " +
                      std::to_string(keyring_->send_id()) + "): " + loaded_keys.error);
            return;
        }
        keys = std::move(loaded_keys.keyring);
    }
    if (keys) {
        const std::string before = key_ids_text(*keyring_) + "/" + std::to_string(keyring_->send_id());
        *keyring_ = std::move(*keys);  // in place: the next frame sent or checked uses it
        config_.auth_key_file = fresh.auth_key_file;
        config_.auth_key_dir = fresh.auth_key_dir;
        config_.auth_send_key_id = fresh.auth_send_key_id;
        if (before != key_ids_text(*keyring_) + "/" + std::to_string(keyring_->send_id())) {
            log_info("keys reloaded: accepting key id(s) " + key_ids_text(*keyring_) + ", sending with key id " +
                     std::to_string(keyring_->send_id()));
        }
    } else if (fresh.no_auth != config_.no_auth) {
        log_warning("reload: turning authentication on or off needs a restart; unchanged");
    }
    config_.failback = fresh.failback;
    config_.failback_hold_down_ns = fresh.failback_hold_down_ns;
    config_.hooks_dir = fresh.hooks_dir;
    config_.hook_timeout_ns = fresh.hook_timeout_ns;
    config_.mail_recipient = fresh.mail_recipient;
    config_.sendmail = fresh.sendmail;
    try {  // the mail keys, credentials re-read; a running attempt ends normally
        notifier_->reconfigure(make_mail_transport(fresh), make_mail_policy(fresh));
        copy_mail_keys(fresh, config_);
    } catch (const std::runtime_error& error) {
        log_warning(std::string("reload: mail unchanged: ") + error.what());
    }
    node_->set_failback(config_.failback, config_.failback_hold_down_ns);
    hooks_->reconfigure(config_.hooks_dir, config_.hook_timeout_ns);  // a running hook is not disturbed
    const bool restart_needed = fresh.links.size() != config_.links.size() ||
                                fresh.addresses.size() != config_.addresses.size() ||
                                fresh.interval_ns != config_.interval_ns || fresh.role != config_.role;
    if (fresh.checks != config_.checks) {
        log_warning("reload: [[check]] changes need a restart; the running checks stay");
    }
    log_info(std::string("configuration reloaded from ") + config_path_ +
             (restart_needed ? "; links, addresses, interval and role changes need a restart" : ""));
}

void Daemon::setup_events() {
    events_ = std::make_unique<EventBus>(
        config_.events_queue, [this] { return now(); }, runtime::realtime_ns);
    events_->listen([this](const Event& event) {
        journal_event(event);
        if (event.record.kind == EventKind::role) {
            last_change_wall_ns_ = event.wall_ns;
        }
        if (metrics_file_ && !metrics_scheduled_) {
            metrics_scheduled_ = true;
            scheduler_.after(kMetricsAfterChangeNs, [this] {
                metrics_scheduled_ = false;
                write_metrics();
            });
        }
    });
    if (!config_.metrics_file.empty()) {
        metrics_file_.emplace(config_.metrics_file);
        loop_.add_timer(config_.metrics_interval_ns, config_.metrics_interval_ns,
                        [this](std::uint64_t) { write_metrics(); });
    }
}

void Daemon::write_metrics() {
    if (!metrics_file_ || !node_) {
        return;
    }
    const MetricsProcess events{last_change_wall_ns_, events_->next_sequence() - 1};
    std::string error;
    if (!metrics_file_->write(format_metrics(*node_, process_status(), events), error)) {
        if (!metrics_failing_) {
            log_warning("metrics.file: " + error);  // once per episode
        }
        metrics_failing_ = true;
        return;
    }
    metrics_failing_ = false;
}

void Daemon::publish_mail_outcomes() {
    notifier_->set_outcome_listener([this](const takeover::MailOutcomeRecord& outcome) {
        nlohmann::json fields{{"outcome", std::string("mail_") + takeover::to_string(outcome.kind)},
                              {"subject", outcome.subject},
                              {"attempts", outcome.attempts}};
        if (!outcome.reason.empty()) {
            fields["reason"] = outcome.reason;
        }
        if (outcome.kind == takeover::MailOutcomeRecord::Kind::failed) {
            fields["result"] = "failed";
        }
        events_->publish({EventKind::notification, std::move(fields)});
    });
}

ProcessStatus Daemon::process_status() {
    ProcessStatus process;
    for (const PeerLink& link : links_) {
        process.peer_macs.push_back(link.peer_mac ? link.peer_mac->to_string() : "broadcast");
    }
    process.addresses_held = node_->takeover().addresses_present();
    process.mail = notifier_->status(now());
    process.reloads_handled = reloads_handled_;
    process.reloads_refused = reloads_refused_;
    return process;
}

nlohmann::json Daemon::status() {
    return node_status(*node_, process_status(), now());
}

std::string Daemon::handle_command(ControlCommand command) {
    if (command == ControlCommand::release) {
        if (auto refused = node_->admin_release(now())) {
            return nlohmann::json{{"error", *refused}}.dump();
        }
    }
    return status().dump();
}

void Daemon::serve_status() {
    if (!config_.status_socket.empty()) {
        control_ = std::make_unique<ControlSocket>(
            loop_,
            ControlSocketOptions{
                .path = config_.status_socket, .group = config_.control_group, .events = events_.get()},
            [this](ControlCommand command) { return handle_command(command); });
    }
}

int Daemon::run() {
    setup();
    if (metrics_file_) {  // at once: a metrics.file that cannot be written is a startup error
        std::string error;
        if (!metrics_file_->write(format_metrics(*node_, process_status(), {}), error)) {
            const auto origin = config_.origins.find("metrics.file");
            throw std::runtime_error((origin != config_.origins.end() ? origin->second : config_.source) +
                                     ": key 'metrics.file': " + error);
        }
    }
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
    log_info("node " + std::to_string(node_->identity().node_id) + " (" + std::string(wire::to_string(config_.role)) +
             ") started, " + (keyring_ ? "HMAC-SHA256 authentication" : "NO authentication") + ", " +
             std::to_string(config_.addresses.size()) + " service address(es), protocol version " +
             std::to_string(wire::kHeartbeatVersion));
    sd_notify(0, "READY=1");
    loop_.run();
    control_.reset();
    write_metrics();      // the final state (released, stopping)
    notifier_->finish();  // the mail about our own release
    for (const auto& link : node_->emitter().links()) {
        log_info("link " + link.interface + ": sent " + std::to_string(link.sent) + " beats, " +
                 std::to_string(link.send_errors) + " send errors");
    }
    if (summary_json_) {
        std::cout << status().dump() << std::endl;
    }
    return 0;
}

}  // namespace

int run_daemon(Config config, std::optional<wire::Keyring> keyring, const std::string& config_path, bool summary_json) {
    try {
        Daemon daemon(std::move(config), std::move(keyring), config_path, summary_json);
        return daemon.run();
    } catch (const std::exception& error) {
        log_error(error.what());
        return 1;
    }
}

}  // namespace fo::daemon
