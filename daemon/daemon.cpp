#include <unistd.h>

#include <csignal>
#include <iostream>
#include <systemd/sd-daemon.h>

#include "daemon_impl.hpp"
#include "fo/runtime/log.hpp"
#include "fo/runtime/process.hpp"
#include "mail_setup.hpp"
#include "run_daemon.hpp"

// The daemon's startup (the edges, the node, the timers), its signals
// (SIGTERM/SIGINT: release and stop; SIGHUP: reload) and its exit. The class
// and where the rest lives: daemon_impl.hpp.

namespace fo::daemon {

namespace {

using runtime::log_error;
using runtime::log_info;
using runtime::log_warning;

constexpr int kRealtimePriority = 50;
constexpr std::int64_t kStopPollNs = 10'000'000;          // shutdown: is the release (its hooks) done?
constexpr std::int64_t kHookKillGraceNs = 1'000'000'000;  // the hook runner's TERM -> KILL

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

}  // namespace

void LoopScheduler::after(std::int64_t delay_ns, std::function<void()> callback) {
    auto shared = std::make_shared<std::function<void()>>(std::move(callback));
    auto timer = std::make_shared<runtime::EventLoop::TimerId>(0);
    *timer = loop_.add_timer(delay_ns, 0, [this, shared, timer](std::uint64_t) {
        loop_.cancel_timer(*timer);
        (*shared)();
    });
}

void Daemon::setup() {
    const std::uint32_t node_id = config_.node_id != 0 ? config_.node_id : runtime::default_node_id();
    const std::int64_t start = now();
    setup_events();
    std::map<std::string, bool> service_interfaces;  // -> has an IPv6 service address
    for (const auto& address : config_.addresses) {
        service_interfaces[address.interface] = service_interfaces[address.interface] || address.is_ipv6();
    }
    open_links(service_interfaces);
    for (const auto& [interface, unused] : service_interfaces) {
        arp_senders_[interface] = std::make_unique<inject::LibnetArpSender>(interface);
    }
    open_udp_ports();
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
    NodeEdges edges;
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

    remove_leftover_addresses();
    const NodeIdentity identity{node_id, runtime::random_u64(), keyring_ ? &*keyring_ : nullptr};
    node_ = std::make_unique<Node>(config_, identity, std::move(edges), start);
    for (PeerLink& link : links_) {
        link.resolve_at_start();
        log_info("link " + link.config.interface + ": beats from " + link.sender->source_mac().to_string() + " to " +
                 link.config.peer.to_string() + " every " + std::to_string(config_.interval_ns / 1000) + " us");
    }
}

void Daemon::remove_leftover_addresses() {
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

int Daemon::run() {
    setup();
    write_first_metrics();
    start_link_timers();
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
