#pragma once

// An in-memory pair simulation: two whole fo::daemon::Node stacks (real
// intake, sessions, detector, role machine and TakeoverController) joined by
// fake links under one discrete-event clock (nanoseconds). Every OS edge is a
// fake of tests/sim; the event handlers mirror the daemon's loop
// (daemon/daemon_links.cpp): every interval emit, drain, decide; the
// detector timer at next_deadline() drains then ticks; a 20 ms poll reads
// the carrier and decides; Scheduler callbacks (GARP bursts) run at their
// time. (The Node itself sends frames at once when what they say changed.)
//
// Invariants, checked after every event (check_invariants):
//  1. dual holders: both kernels hold the service address while every link
//     works in both directions and both daemons run unpaused: allowed only
//     for `dual_bound(tier)` after the heal (see SimOptions).
//  2. liveness: one healthy node, the other out (stopped, paused, service
//     carrier down, its service check failing, or unheard on every link)
//     for longer than the detection bound (plus the check's detection time
//     when the pair runs a service check), and no ARP answer possible for the address: the healthy one
//     holds. And after both were healthy and connected for `converge_ns`,
//     exactly one holds.
//  3. replays: an adversary re-injects recorded frames; one that must be
//     refused (unechoed epoch, an older sender instance than the session's,
//     or already delivered) changes no role or detector state and is counted
//     in the intake's drops.
//  4. one claimant (SimOptions::strict_single_holder): while the pair has
//     been fully connected ever since both daemons first ran (no cut, loss,
//     pause, carrier loss or kill: only service checks and hooks change),
//     never two claimants, with no dual_bound allowance. A node claims the
//     address when its kernel holds it or its daemon is acquiring it (from
//     the Test hook of an acquisition to its end). Checked after every
//     event, when an address is added and when an acquisition starts.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "fo/daemon/node.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/heartbeat.hpp"
#include "frames.hpp"

namespace fo::sim {

inline constexpr std::int64_t kUs = 1'000;
inline constexpr std::int64_t kMs = 1'000'000;
inline constexpr std::int64_t kSec = 1'000'000'000;
inline constexpr std::int64_t kPollNs = 20 * kMs;  // daemon.cpp kCarrierPollNs
inline constexpr std::size_t kLan = 0;
inline constexpr std::size_t kPriv = 1;
inline constexpr int kPrimary = 0;
inline constexpr int kSecondary = 1;
inline constexpr std::uint32_t kServiceIp = 0xC6336464;  // 198.51.100.100

struct SimOptions {
    std::string name = "unnamed";
    std::uint64_t seed = 1;
    std::int64_t interval_ns = 10 * kMs;
    std::uint32_t miss_count = 3;
    std::int64_t initial_dead_ns = 300 * kMs;
    std::int64_t hold_down_ns = 500 * kMs;
    std::int64_t delay_min_ns = 50 * kUs;
    std::int64_t delay_max_ns = 500 * kUs;
    std::int64_t jitter_ns = 0;  // extra uniform [0, jitter] per frame (may reorder)
    double loss = 0.0;           // background loss (scenarios keep it 0: lossy periods count as not healed)
    /// Liveness: the other node out for this long and we must hold.
    std::int64_t detection_bound_ns = 100 * kMs;
    /// After every link worked both ways and both ran this long: exactly one holds.
    std::int64_t converge_ns = 1200 * kMs;
    bool check_liveness = true;
    /// The 20 ms poll reads the captures before deciding, as daemon.cpp does
    /// (false reproduces the bug of PairSim.PauseOfThePrimaryOneSecondThenResume).
    bool drain_on_poll = true;
    /// The adversary may re-inject never-delivered frames of the live
    /// session long after they were sent (see DISABLED_LateReplay...).
    bool late_replays = false;
    /// Liveness also when the out node is an active secondary whose own
    /// service carrier is down (it hands back: see
    /// ActiveSecondaryLosingItsServiceLinkHandsBack). False exempts it.
    bool expect_secondary_handover_on_carrier_loss = true;
    bool check_convergence = true;
    /// > 0: each node runs one [[check]] of its own service (set_service) at
    /// this interval, with these fall/rise counts.
    std::int64_t check_interval_ns = 0;
    std::uint32_t check_fall = 2;
    std::uint32_t check_rise = 2;
    /// Invariant 4: no two claimants ever without a network or process
    /// fault (false: only measured, in DualStats::claim_overlaps).
    bool strict_single_holder = true;
};

/// Statistics over all scenarios of a test binary run.
struct DualStats {
    std::vector<std::int64_t> established;  // heal with sessions up on both sides: ns of dual holding after the heal
    std::vector<std::int64_t> handshake;    // heal that needs a new three-way exchange first
    std::uint64_t replays_checked = 0;      // must-refuse injections verified
    std::uint64_t replays_late = 0;         // never-delivered frames of the live session (may count; not asserted)
    std::uint64_t session_steered = 0;      // refused replays that still changed a session's init echo
    std::uint64_t events = 0;
    std::uint64_t scenarios = 0;
    // Invariant 4's scope (no fault since both ran): each time two nodes
    // claimed the address at once, for how long (strict mode stops at the first).
    std::vector<std::int64_t> claim_overlaps;
};
inline DualStats& dual_stats() {
    static DualStats stats;
    return stats;
}

class PairSim;

/// The kernel's addresses of one host: survives daemon restarts.
class SimAddressManager final : public takeover::AddressManager {
  public:
    std::function<void(bool)> on_change;
    std::array<bool, 2> carrier_up{true, true};  // lan0, priv0
    bool add(const takeover::ServiceAddress&, const std::string&, std::string&) override {
        set(true);
        return true;
    }
    bool remove(const takeover::ServiceAddress&, std::string&) override {
        set(false);
        return true;
    }
    bool present(const takeover::ServiceAddress&) override { return held; }
    bool carrier(const std::string& interface) override { return carrier_up[interface == "lan0" ? 0 : 1]; }
    void set(bool value) {
        if (held != value) {
            held = value;
            if (on_change) {
                on_change(value);
            }
        }
    }
    bool held = false;
};

class SimHookRunner final : public takeover::HookRunner {
  public:
    void start(takeover::HookPhase phase, const std::vector<std::string>&,
               const std::map<std::string, std::string>& environment, Done done) override {
        const auto action = environment.find("FAILOVER_ACTION");
        last_action = action == environment.end() ? "" : action->second;
        if (on_start) {
            on_start(phase);
        }
        std::vector<takeover::HookResult> results{
            takeover::HookResult{std::string(takeover::hook_folder(phase)),
                                 phase == takeover::HookPhase::test ? test_exit : 0,
                                 false,
                                 false,
                                 {}}};
        const auto delay = delays.find(phase);
        if (delay == delays.end() || delay->second <= 0 || !defer) {
            done(results);  // synchronous, as most scenarios want
            return;
        }
        defer(delay->second, [done = std::move(done), results] { done(results); });
    }
    int test_exit = 0;
    /// FAILOVER_ACTION of the last hook started (acquire, release): what the
    /// running operation is.
    std::string last_action;
    std::function<void(takeover::HookPhase)> on_start;
    /// Simulated run time per phase (a slow hook); 0 or absent: at once.
    std::map<takeover::HookPhase, std::int64_t> delays;
    /// Runs a callback after a delay as an event of the host's current
    /// daemon instance (set by PairSim).
    std::function<void(std::int64_t, std::function<void()>)> defer;
};

class SimNotifier final : public takeover::Notifier {
  public:
    std::function<void(const std::string&)> log;
    void notify(const std::string& subject, const std::string&) override {
        if (log) {
            log("notify: " + subject);
        }
    }
};

struct RecordedFrame {
    int sender = 0;
    std::size_t link = 0;
    std::uint64_t sender_gen = 0;
    std::int64_t sent_ns = 0;
    wire::Heartbeat beat;
    testing::Frame bytes;
};

class PairSim {
  public:
    struct Event {
        std::int64_t at;
        std::uint64_t order;
        std::function<void()> run;
    };
    struct Later {
        bool operator()(const Event& a, const Event& b) const { return a.at != b.at ? a.at > b.at : a.order > b.order; }
    };

    class SimTransmitter final : public inject::HeartbeatTransmitter {
      public:
        SimTransmitter(PairSim& sim, int host, std::size_t link) : sim_(sim), host_(host), link_(link) {}
        bool send(const wire::Heartbeat& beat) override {
            sim_.transmit(host_, link_, beat);
            return true;
        }
        bool set_destination_mac(wire::MacAddress) override { return true; }
        [[nodiscard]] std::string last_error() const override { return ""; }

      private:
        PairSim& sim_;
        int host_;
        std::size_t link_;
    };

    class SimArp final : public inject::ArpTransmitter {
      public:
        SimArp(PairSim& sim, int host) : sim_(sim), host_(host) {}
        bool send_gratuitous(wire::Ipv4Address address, inject::GratuitousArpForm) override {
            sim_.gratuitous(host_, address);
            return true;
        }
        bool send_probe(wire::Ipv4Address address) override {
            sim_.probe(host_, address);
            return true;
        }
        [[nodiscard]] std::string last_error() const override { return ""; }

      private:
        PairSim& sim_;
        int host_;
    };

    /// The service's check on one host: answers at once with whether the
    /// test has the host's service up (set_service).
    class SimCheckExecutor final : public takeover::CheckExecutor {
      public:
        SimCheckExecutor(PairSim& sim, int host) : sim_(sim), host_(host) {}
        void start(std::size_t, const takeover::CheckConfig&, Done done) override {
            const bool up = sim_.hosts_[host_].service_up;
            done(takeover::CheckOutcome{up, up ? "connected" : "Connection refused"});
        }

      private:
        PairSim& sim_;
        int host_;
    };

    class SimScheduler final : public takeover::Scheduler {
      public:
        SimScheduler(PairSim& sim, int host) : sim_(sim), host_(host) {}
        void after(std::int64_t delay_ns, std::function<void()> callback) override {
            sim_.at_host(host_, sim_.now_ + delay_ns, [this, cb = std::move(callback)] {
                cb();
                sim_.after_activity(host_);
            });
        }

      private:
        PairSim& sim_;
        int host_;
    };

    /// One daemon process: dies with a restart.
    struct Instance {
        std::uint64_t epoch = 0;
        std::vector<std::unique_ptr<SimTransmitter>> transmitters;
        std::unique_ptr<SimArp> arp;
        std::unique_ptr<SimScheduler> scheduler;
        std::unique_ptr<SimCheckExecutor> checks;
        std::unique_ptr<daemon::Node> node;
    };

    struct Captured {
        std::size_t link;
        std::int64_t arrival;
        testing::Frame bytes;
        std::optional<std::size_t> recorded;  // index into the adversary's log
    };

    struct Host {
        int index = 0;
        daemon::Config config;
        SimAddressManager addresses;
        SimHookRunner hooks;
        SimNotifier notifier;
        std::unique_ptr<Instance> instance;
        std::uint64_t gen = 0;  // instance generation: events of older ones are dropped
        bool paused = false;
        bool service_up = true;  // what its service check finds (with check_interval_ns)
        std::vector<std::function<void()>> deferred;
        std::deque<Captured> capture;
        std::int64_t armed_deadline = -1;
        std::uint64_t deadline_token = 0;
        std::int64_t started_ns = 0;
        std::int64_t healthy_since = 0;               // running, unpaused, service carrier: continuously since
        std::int64_t out_since = -1;                  // from the peer's view: out continuously since (-1: not out)
        std::unordered_set<std::uint64_t> delivered;  // keys of recorded frames given to this instance
        std::int64_t held_since = -1;
        std::int64_t held_total = 0;
        daemon::EventSink* events = nullptr;  // where the node publishes its events (set before start)
        [[nodiscard]] bool running() const { return instance != nullptr; }
        [[nodiscard]] daemon::Node& node() const { return *instance->node; }
    };

    explicit PairSim(SimOptions options)
        : options_(std::move(options)), rng_(options_.seed), keyring_(wire::Keyring::single(testing::test_key())) {
        verbose_ = std::getenv("FO_SIM_VERBOSE") != nullptr;  // every log line to stderr
        for (int i = 0; i < 2; ++i) {
            Host& host = hosts_[i];
            host.index = i;
            host.config = make_config(i == kPrimary);
            host.addresses.on_change = [this, i](bool held) { on_address_change(i, held); };
            host.notifier.log = [this, i](const std::string& line) { log_line(i, line); };
            host.hooks.on_start = [this](takeover::HookPhase) { check_claimants(); };
            host.hooks.defer = [this, i](std::int64_t delay, std::function<void()> run) {
                at_host(i, now_ + delay, [this, i, run = std::move(run)] {
                    run();
                    after_activity(i);
                });
            };
        }
    }
    ~PairSim() {
        // Instances first: their scheduler callbacks live in the queue.
        for (Host& host : hosts_) {
            host.instance.reset();
        }
    }
    PairSim(const PairSim&) = delete;
    PairSim& operator=(const PairSim&) = delete;

    // ---- configuration -------------------------------------------------

    daemon::Config make_config(bool primary) const {
        daemon::Config config;
        config.role = primary ? wire::Role::primary : wire::Role::secondary;
        config.node_id = primary ? 1 : 2;
        config.interval_ns = options_.interval_ns;
        config.miss_count = options_.miss_count;
        config.initial_dead_time_ns = options_.initial_dead_ns;
        config.failback_hold_down_ns = options_.hold_down_ns;
        const std::uint32_t peer_host = primary ? 2 : 1;
        config.links = {daemon::LinkConfig{"lan0", wire::Ipv4Address{0xC6336400 + peer_host}, false},
                        daemon::LinkConfig{"priv0", wire::Ipv4Address{0xCB007100 + peer_host}, false}};
        config.addresses = {takeover::ServiceAddress{"lan0", wire::Ipv4Address{kServiceIp}, 24}};
        config.garp.repeat = 3;
        config.garp.interval_ns = 50 * kMs;
        if (options_.check_interval_ns > 0) {
            takeover::CheckConfig check;
            check.name = "service";
            check.kind = takeover::CheckConfig::Kind::tcp;
            check.address = wire::Ipv4Address{0x7F000001};
            check.port = 25;
            check.interval_ns = options_.check_interval_ns;
            check.timeout_ns = options_.check_interval_ns;
            check.fall = options_.check_fall;
            check.rise = options_.check_rise;
            config.checks.push_back(check);
        }
        return config;
    }

    static wire::MacAddress mac(int host, std::size_t link) {
        return wire::MacAddress{{0x02, 0, 0, 0, static_cast<std::uint8_t>(link), static_cast<std::uint8_t>(host + 1)}};
    }
    static wire::UdpEndpoints endpoints(int from, std::size_t link) {
        if (link == kLan) {
            return from == kPrimary ? testing::primary_to_secondary() : testing::secondary_to_primary();
        }
        const int to = 1 - from;
        return wire::UdpEndpoints{mac(from, link),
                                  mac(to, link),
                                  wire::Ipv4Address{0xCB007101U + static_cast<std::uint32_t>(from)},
                                  wire::Ipv4Address{0xCB007101U + static_cast<std::uint32_t>(to)},
                                  wire::kDefaultHeartbeatPort,
                                  wire::kDefaultHeartbeatPort};
    }

    // ---- the event queue -----------------------------------------------

    [[nodiscard]] std::int64_t now() const { return now_; }
    [[nodiscard]] bool failed() const { return failed_; }
    [[nodiscard]] const std::string& failure() const { return failure_text_; }
    Host& host(int i) { return hosts_[i]; }
    [[nodiscard]] const SimOptions& options() const { return options_; }
    std::mt19937_64& rng() { return rng_; }
    [[nodiscard]] const std::vector<RecordedFrame>& recorded() const { return recorded_; }

    void at(std::int64_t when, std::function<void()> run) {
        queue_.push(Event{std::max(when, now_), next_order_++, std::move(run)});
    }

    /// An event of the current daemon instance of `host`: dropped if it
    /// restarted, deferred while paused.
    void at_host(int host, std::int64_t when, std::function<void()> run) {
        const std::uint64_t gen = hosts_[host].gen;
        at(when, [this, host, gen, run = std::move(run)]() mutable {
            Host& h = hosts_[host];
            if (h.gen != gen || !h.running()) {
                return;
            }
            if (h.paused) {
                h.deferred.push_back([this, host, gen, run = std::move(run)] {
                    if (hosts_[host].gen == gen && hosts_[host].running()) {
                        run();
                    }
                });
                return;
            }
            run();
        });
    }

    void run_until(std::int64_t until) {
        while (!failed_ && !queue_.empty() && queue_.top().at <= until) {
            Event event = queue_.top();
            queue_.pop();
            now_ = event.at;
            event.run();
            ++dual_stats().events;
            check_invariants();
        }
        if (!failed_) {
            now_ = std::max(now_, until);
            check_invariants();
        }
    }
    void run_for(std::int64_t duration) { run_until(now_ + duration); }

    // ---- hosts: start, stop, pause -------------------------------------

    /// The daemon starts: removes leftover addresses, draws a new epoch.
    void start(int i) {
        Host& h = hosts_[i];
        if (h.running()) {
            return;
        }
        ++h.gen;
        h.paused = false;
        h.deferred.clear();
        h.capture.clear();
        h.delivered.clear();
        h.armed_deadline = -1;
        if (h.addresses.held) {
            log_line(i, "removing leftover service address");
            std::string error;
            h.addresses.remove(h.config.addresses[0], error);
        }
        auto inst = std::make_unique<Instance>();
        do {
            inst->epoch = rng_();
        } while (inst->epoch == 0);
        epoch_owner_[inst->epoch] = EpochOwner{i, h.gen};
        daemon::NodeEdges edges;
        for (std::size_t link = 0; link < 2; ++link) {
            inst->transmitters.push_back(std::make_unique<SimTransmitter>(*this, i, link));
            edges.transmitters.push_back(inst->transmitters.back().get());
            edges.link_macs.push_back(mac(i, link));
        }
        inst->arp = std::make_unique<SimArp>(*this, i);
        inst->scheduler = std::make_unique<SimScheduler>(*this, i);
        inst->checks = std::make_unique<SimCheckExecutor>(*this, i);
        SimArp* arp = inst->arp.get();
        edges.arp_for = [arp](const std::string& interface) -> inject::ArpTransmitter* {
            return interface == "lan0" ? arp : nullptr;
        };
        edges.addresses = &h.addresses;
        edges.hooks = &h.hooks;
        edges.notifier = &h.notifier;
        edges.scheduler = inst->scheduler.get();
        edges.wall_clock = [this] { return 1'700'000'000'000'000'000LL + now_; };
        edges.monotonic_clock = [this] { return now_; };
        edges.logger = [this, i](const std::string& line) { log_line(i, line); };
        edges.checks = inst->checks.get();
        edges.events = h.events;
        const daemon::NodeIdentity identity{h.config.node_id, inst->epoch, &keyring_};
        inst->node = std::make_unique<daemon::Node>(h.config, identity, std::move(edges), now_);
        h.instance = std::move(inst);
        h.started_ns = now_;
        log_line(i, "daemon started, epoch " + hex(h.instance->epoch));
        // The daemon's poll_carrier() at start.
        for (std::size_t link = 0; link < 2; ++link) {
            if (!h.addresses.carrier_up[link]) {
                h.node().on_carrier(link, false, now_);
            }
        }
        schedule_interval(i, now_);
        schedule_poll(i, now_ + kPollNs);
        after_activity(i);
        touch_health();
    }

    /// The process dies (SIGKILL, crash): the kernel keeps its addresses.
    void kill(int i) {
        Host& h = hosts_[i];
        if (!h.running()) {
            return;
        }
        log_line(i, "daemon killed");
        h.instance.reset();
        ++h.gen;
        h.paused = false;
        h.deferred.clear();
        h.capture.clear();
        touch_health();
    }
    /// The machine goes off: its addresses are gone with it.
    void power_off(int i) {
        kill(i);
        std::string error;
        hosts_[i].addresses.remove(hosts_[i].config.addresses[0], error);
        log_line(i, "host powered off");
    }
    /// SIGTERM: releases and says so, then the process exits.
    void sigterm(int i) {
        Host& h = hosts_[i];
        if (!h.running() || h.paused) {
            return;
        }
        log_line(i, "SIGTERM");
        h.node().shutdown(now_);
        kill(i);
    }
    void pause(int i) {
        Host& h = hosts_[i];
        if (!h.running() || h.paused) {
            return;
        }
        log_line(i, "paused (SIGSTOP)");
        h.paused = true;
        touch_health();
    }
    /// SIGCONT: the frames queued in the capture buffer first, then the timers that came due.
    void resume(int i) {
        Host& h = hosts_[i];
        if (!h.running() || !h.paused) {
            return;
        }
        log_line(i, "resumed (SIGCONT)");
        h.paused = false;
        drain(i);
        auto deferred = std::move(h.deferred);
        h.deferred.clear();
        for (auto& run : deferred) {
            run();
        }
        after_activity(i);
        touch_health();
    }
    /// Cable state of `link` at host `i` (both ends of the link lose the frames).
    void set_carrier(int i, std::size_t link, bool up) {
        Host& h = hosts_[i];
        if (h.addresses.carrier_up[link] == up) {
            return;
        }
        log_line(i, std::string(link == kLan ? "lan0" : "priv0") + " carrier " + (up ? "up" : "down"));
        h.addresses.carrier_up[link] = up;
        if (h.running() && !h.paused) {  // netlink event; a paused daemon sees it at its next poll
            h.node().on_carrier(link, up, now_);
            h.node().decide(now_);
            after_activity(i);
        }
        touch_health();
    }
    /// The service on host `i` (the database, the mail server) dies or comes
    /// back; its check finds out at its next run.
    void set_service(int i, bool up) {
        Host& h = hosts_[i];
        if (h.service_up == up) {
            return;
        }
        log_line(i, std::string("service ") + (up ? "up" : "down"));
        h.service_up = up;
        touch_health();
    }
    /// From a change of the service to the check's verdict, at most.
    [[nodiscard]] std::int64_t check_detection_ns() const {
        if (options_.check_interval_ns == 0) {
            return 0;
        }
        return static_cast<std::int64_t>(std::max(options_.check_fall, options_.check_rise) + 1) *
               options_.check_interval_ns;
    }
    /// Cut (or restore) `link` in the direction from -> to.
    void set_cut(int from, std::size_t link, bool cut) {
        if (cut_[from][link] != cut) {
            cut_[from][link] = cut;
            log_line(-1, std::string(cut ? "cut " : "heal ") + (link == kLan ? "lan0 " : "priv0 ") +
                             (from == kPrimary ? "P->S" : "S->P"));
            touch_health();
        }
    }
    void set_lossy(std::size_t link, double loss) {
        lossy_[link] = loss;
        log_line(-1, std::string(link == kLan ? "lan0" : "priv0") + " loss " + std::to_string(loss));
        touch_health();
    }
    void partition_host(int i, bool cut) {
        for (std::size_t link = 0; link < 2; ++link) {
            set_cut(i, link, cut);
            set_cut(1 - i, link, cut);
        }
    }

    [[nodiscard]] bool connected(int from, std::size_t link) const {
        const int to = 1 - from;
        return !cut_[from][link] && hosts_[from].addresses.carrier_up[link] && hosts_[to].addresses.carrier_up[link];
    }

    // ---- the adversary ---------------------------------------------------

    /// Why a recorded frame must be refused by host `to` now (empty: it may be a late frame of the live session).
    std::string must_refuse(std::size_t index, int to) {
        const RecordedFrame& frame = recorded_[index];
        Host& h = hosts_[to];
        if (frame.sender == to || !h.running()) {
            return "";
        }
        if (frame.beat.echo_epoch != h.instance->epoch) {
            return "unechoed";
        }
        const auto& session = h.node().intake().sessions()[frame.link];
        if (session.state() == wire::LinkSession::State::up && session.peer_epoch() != frame.beat.boot_epoch) {
            auto owner = epoch_owner_.find(session.peer_epoch());
            if (owner != epoch_owner_.end() && owner->second.gen > frame.sender_gen) {
                return "older sender instance";
            }
        }
        if (h.delivered.count(index) != 0) {
            return "already delivered";
        }
        return "";
    }

    struct Snapshot {
        role::HoldState hold;
        std::uint64_t term;
        std::uint64_t peer_term;
        std::optional<wire::SenderState> peer_state;
        wire::MessageType outgoing;
        bool busy;
        std::uint64_t transitions;
        detector::PeerState detector_state;
        std::vector<std::tuple<detector::LinkState, std::int64_t, std::uint64_t>> links;
        std::uint64_t peer_changes;
        std::uint64_t peer_restarts;
        std::optional<std::uint64_t> peer_epoch;
        std::uint64_t accepted;
        std::uint64_t refused;  // unechoed_epoch + stale_session + duplicate_sequence + stale_sequence
        bool operator==(const Snapshot&) const = default;
    };
    Snapshot snapshot(int i) {
        daemon::Node& node = hosts_[i].node();
        Snapshot s{node.role().hold(),
                   node.role().term(),
                   node.role().peer_term(),
                   node.role().peer_sender_state(),
                   node.role().outgoing_type(),
                   node.role().busy(),
                   node.role().counters().transitions,
                   node.detector().peer_state(),
                   {},
                   node.detector().counters().peer_changes,
                   node.detector().counters().peer_restarts,
                   node.detector().peer_boot_epoch(),
                   node.intake().accepted(),
                   0};
        for (const auto& link : node.detector().links()) {
            s.links.emplace_back(link.state, link.last_beat_ns, link.beats);
        }
        const auto& drops = node.intake().drops();
        s.refused = drops.get(wire::DropReason::unechoed_epoch) + drops.get(wire::DropReason::stale_session) +
                    drops.get(wire::DropReason::duplicate_sequence) + drops.get(wire::DropReason::stale_sequence);
        return s;
    }

    /// Re-injects recorded frame `index` into host `to` on the link it was sent on, now.
    void inject(std::size_t index, int to) {
        Host& h = hosts_[to];
        const RecordedFrame& frame = recorded_[index];
        if (!h.running() || frame.sender == to) {
            return;
        }
        if (h.paused) {  // lands in the capture buffer like any frame
            h.capture.push_back(Captured{frame.link, now_, frame.bytes, index});
            return;
        }
        const std::string why = must_refuse(index, to);
        if (why.empty() && !options_.late_replays && now_ - frame.sent_ns > 2 * options_.interval_ns) {
            return;  // a withheld frame of the live session, long after: see late_replays
        }
        log_line(to, "adversary injects #" + std::to_string(index) + " " + describe(frame) +
                         (why.empty() ? " (may be live)" : " (must refuse: " + why + ")"));
        checked_on_frame(to, frame.link, frame.bytes, why, false);
        h.delivered.insert(index);
        if (why.empty()) {
            // A live frame relayed around a cut is a one-way link for the
            // detector: the sender counts as heard, liveness waits again.
            gap_until_[frame.sender] = std::max(gap_until_[frame.sender], now_);
        }
    }
    /// Injects a frame recorded by another simulation (another life of the pair).
    void inject_foreign(const RecordedFrame& frame, int to) {
        Host& h = hosts_[to];
        if (!h.running() || h.paused) {
            return;
        }
        const bool own = frame.beat.node_id == h.config.node_id;
        log_line(to, "adversary injects a frame of an earlier pair: " + describe(frame));
        checked_on_frame(to, frame.link, frame.bytes, own ? "" : "another life of the pair", own);
    }

  private:
    void checked_on_frame(int to, std::size_t link, const testing::Frame& bytes, const std::string& why, bool own) {
        daemon::Node& node = hosts_[to].node();
        const Snapshot before = snapshot(to);
        const auto sessions_before = session_view(to);
        const auto own_before = node.intake().own_frames();
        node.on_frame(link, bytes, now_);
        const Snapshot after = snapshot(to);
        if (own) {
            if (!(after == before) || node.intake().own_frames() != own_before + 1) {
                fail("invariant 3: our own frame replayed to " + host_name(to) +
                     " changed state:" + diff(before, after));
            }
            return;
        }
        if (why.empty()) {
            ++dual_stats().replays_late;
            return;
        }
        ++dual_stats().replays_checked;
        if (session_view(to) != sessions_before) {
            ++dual_stats().session_steered;
        }
        Snapshot expected = before;
        expected.refused = before.refused + 1;
        if (!(after == expected)) {
            fail("invariant 3: a replayed frame (" + why + ") changed " + host_name(to) +
                 "'s state:" + diff(before, after));
        }
    }

  public:
    // ---- checks -----------------------------------------------------------

    [[nodiscard]] bool holds(int i) const { return hosts_[i].addresses.held; }
    /// The simulated run time of every hook phase of host `i` (slow hooks).
    [[nodiscard]] std::int64_t hook_time(int i) const {
        std::int64_t total = 0;
        for (const auto& [phase, delay] : hosts_[i].hooks.delays) {
            total += delay;
        }
        return total;
    }
    [[nodiscard]] bool fully_connected() const {
        for (int i = 0; i < 2; ++i) {
            if (!hosts_[i].running() || hosts_[i].paused) {
                return false;
            }
            for (std::size_t link = 0; link < 2; ++link) {
                if (!connected(i, link) || lossy_[link] > 0) {
                    return false;
                }
            }
        }
        return true;
    }
    /// Sessions up on some link, each echoing the other's current epoch.
    [[nodiscard]] bool established() {
        if (!hosts_[0].running() || !hosts_[1].running()) {
            return false;
        }
        for (std::size_t link = 0; link < 2; ++link) {
            bool both = true;
            for (int i = 0; i < 2; ++i) {
                const auto& session = hosts_[i].node().intake().sessions()[link];
                both = both && session.state() == wire::LinkSession::State::up &&
                       session.peer_epoch() == hosts_[1 - i].instance->epoch;
            }
            if (both) {
                return true;
            }
        }
        return false;
    }
    /// The bound on dual holding after a heal. Established sessions: the
    /// winner's next frame (<= 1 interval) crosses the link (<= max delay +
    /// jitter) and waits in the loser's capture buffer until its next drain
    /// (<= 1 interval), where the loser yields at once: 2 intervals + delay.
    /// A fresh three-way exchange first: three such crossings, each <= 2
    /// intervals + delay (a frame read at a tick is echoed at the next one).
    [[nodiscard]] std::int64_t dual_bound(bool was_established) const {
        const std::int64_t hop = 2 * options_.interval_ns + options_.delay_max_ns + options_.jitter_ns;
        return (was_established ? hop : 3 * hop) + 1 * kMs;  // 1 ms: slack for the same-instant ordering
    }

    /// Acquiring: the daemon runs an acquisition (Test, PreAcq, the
    /// addresses, PostAcq); the kernel may not hold the address yet.
    [[nodiscard]] bool acquiring(int i) const {
        const Host& h = hosts_[i];
        return h.running() && h.node().role().busy() && h.hooks.last_action == "acquire";
    }
    [[nodiscard]] bool claims(int i) const { return holds(i) || acquiring(i); }
    static std::string claim_text(bool held, bool acquiring) {
        return held ? (acquiring ? "holds (acquiring)" : "holds") : (acquiring ? "acquiring" : "-");
    }

    /// Invariant 4: in its scope, never two claimants.
    void check_claimants() {
        if (failed_) {
            return;
        }
        if (!fully_connected() || options_.loss > 0) {
            claim_fault_ = claim_fault_ || claim_connected_;
            return;
        }
        claim_connected_ = true;
        if (claim_fault_) {
            return;
        }
        const bool both = claims(0) && claims(1);
        if (both && claim_overlap_since_ < 0) {
            claim_overlap_since_ = now_;
            if (options_.strict_single_holder) {
                fail("invariant 4: two claimants with no network fault: P " + claim_text(holds(0), acquiring(0)) +
                     ", S " + claim_text(holds(1), acquiring(1)));
            }
        } else if (!both && claim_overlap_since_ >= 0) {
            dual_stats().claim_overlaps.push_back(now_ - claim_overlap_since_);
            claim_overlap_since_ = -1;
        }
    }

    void check_invariants() {
        if (failed_) {
            return;
        }
        check_claimants();
        if (failed_) {
            return;
        }
        const bool fc = fully_connected();
        if (fc && !was_connected_) {
            healed_at_ = now_;
            healed_established_ = established();
        }
        was_connected_ = fc;
        const bool lan_both = connected(0, kLan) && connected(1, kLan);
        if (!lan_both) {
            lan_both_since_ = -1;
        } else if (lan_both_since_ < 0) {
            lan_both_since_ = now_;
        }
        const bool both = holds(0) && holds(1);
        // 1. dual holders after a heal.
        if (both && fc) {
            const std::int64_t since = std::max(dual_since_, healed_at_);
            if (!dual_measuring_) {
                dual_measuring_ = true;
                dual_measure_start_ = since;
                dual_measure_tier_ = healed_established_;
            }
            const std::int64_t bound = dual_bound(healed_established_);
            if (now_ - since > bound) {
                fail("invariant 1: both hold the address " + ms(now_ - since) + " after the heal (bound " + ms(bound) +
                     ", sessions " + (healed_established_ ? "established" : "to be re-established") + " at the heal)");
                return;
            }
        } else if (dual_measuring_) {
            if (!both && fc) {
                const std::int64_t took = now_ - dual_measure_start_;
                (dual_measure_tier_ ? dual_stats().established : dual_stats().handshake).push_back(took);
                scenario_dual_.push_back(took);
            }
            dual_measuring_ = false;
        }
        // 2. liveness.
        if (options_.check_liveness) {
            for (int x = 0; x < 2; ++x) {
                const int y = 1 - x;
                const Host& hx = hosts_[x];
                const Host& hy = hosts_[y];
                if (!healthy(x) || hy.out_since < 0) {
                    continue;
                }
                if (!options_.expect_secondary_handover_on_carrier_loss && y == kSecondary && hy.running() &&
                    !hy.paused && !hy.addresses.carrier_up[kLan] && hy.addresses.held) {
                    gap_until_[y] = now_;
                    continue;  // the known gap: an active secondary without its service link keeps the address
                }
                const bool arp_answer = hy.addresses.held && connected(y, kLan) && connected(x, kLan);
                if (arp_answer) {
                    continue;
                }
                const std::int64_t arp_quiet = std::max({hy.out_since, arp_answer_until_[y], gap_until_[y]});
                // A slow hook (simulated) delays the acquisition by its run time.
                const std::int64_t bound = options_.detection_bound_ns + hook_time(x) + check_detection_ns();
                if (now_ - arp_quiet >= bound && now_ - hx.healthy_since >= options_.initial_dead_ns + bound &&
                    !holds(x)) {
                    fail("invariant 2: " + host_name(x) + " is healthy and " + host_name(y) + " has been out for " +
                         ms(now_ - hy.out_since) + ", yet " + host_name(x) + " does not hold the address");
                    return;
                }
            }
        }
        const std::int64_t converge = options_.converge_ns + hook_time(0) + hook_time(1) + check_detection_ns();
        if (options_.check_convergence && fc && healthy(0) && healthy(1) && now_ - healed_at_ >= converge &&
            now_ - std::max(hosts_[0].healthy_since, hosts_[1].healthy_since) >= converge && holds(0) == holds(1)) {
            fail(std::string("invariant 2b: both healthy and connected for ") + ms(options_.converge_ns) + ", yet " +
                 (holds(0) ? "both hold" : "neither holds") + " the address");
        }
        for (int y = 0; y < 2; ++y) {
            const int x = 1 - y;
            if (hosts_[y].addresses.held && connected(y, kLan) && connected(x, kLan)) {
                arp_answer_until_[y] = now_;
            }
        }
    }

    /// Dual-holder durations after heals in this scenario.
    [[nodiscard]] const std::vector<std::int64_t>& scenario_dual() const { return scenario_dual_; }

    void fail(const std::string& what) {
        if (failed_) {
            return;
        }
        failed_ = true;
        std::ostringstream out;
        out << "pair sim FAILED: scenario '" << options_.name << "' seed " << options_.seed << " at t=" << ms(now_)
            << "\n  " << what << "\n  P holds " << holds(0) << ", S holds " << holds(1) << "\n  last events:\n";
        for (const auto& line : ring_) {
            out << "    " << line << "\n";
        }
        failure_text_ = out.str();
    }

    // ---- logging ------------------------------------------------------------

    static std::string ms(std::int64_t ns) {
        char text[32];
        std::snprintf(text, sizeof text, "%.3f ms", static_cast<double>(ns) / 1e6);
        return text;
    }
    static std::string hex(std::uint64_t value) {
        char text[24];
        std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
        return text;
    }
    static std::string host_name(int i) { return i == kPrimary ? "P" : (i == kSecondary ? "S" : "-"); }
    static std::string describe(const RecordedFrame& frame) {
        return host_name(frame.sender) + "/" + (frame.link == kLan ? "lan0" : "priv0") + " " +
               std::string(wire::to_string(frame.beat.type)) +
               " state=" + std::string(wire::to_string(frame.beat.state)) + " term=" + std::to_string(frame.beat.term) +
               " seq=" + std::to_string(frame.beat.sequence) + " epoch=" + hex(frame.beat.boot_epoch).substr(0, 6) +
               " echo=" + hex(frame.beat.echo_epoch).substr(0, 6) + " sent " + ms(frame.sent_ns);
    }
    void log_line(int host, const std::string& line) {
        std::string text = "[" + ms(now_) + "] " + host_name(host) + ": " + line;
        if (verbose_) {
            std::fprintf(stderr, "%s\n", text.c_str());
        }
        ring_.push_back(std::move(text));
        if (ring_.size() > 40) {
            ring_.pop_front();
        }
    }
    bool verbose_ = false;

  private:
    friend class SimTransmitter;
    friend class SimArp;
    friend class SimScheduler;

    struct EpochOwner {
        int host;
        std::uint64_t gen;
    };

    [[nodiscard]] bool healthy(int i) const {
        const Host& h = hosts_[i];
        return h.running() && !h.paused && h.addresses.carrier_up[kLan] && service_ok(i);
    }
    [[nodiscard]] bool service_ok(int i) const { return options_.check_interval_ns == 0 || hosts_[i].service_up; }
    [[nodiscard]] bool out_for(int y) const {
        const Host& h = hosts_[y];
        return !h.running() || h.paused || !h.addresses.carrier_up[kLan] || !service_ok(y) ||
               (!connected(y, kLan) && !connected(y, kPriv));
    }
    /// Recomputes the health clocks after anything that changes them.
    void touch_health() {
        for (int i = 0; i < 2; ++i) {
            Host& h = hosts_[i];
            const bool is_healthy = healthy(i);
            if (!is_healthy) {
                h.healthy_since = std::numeric_limits<std::int64_t>::max() / 2;
            } else if (h.healthy_since > now_) {
                h.healthy_since = now_;
            }
            const bool is_out = out_for(i);
            if (!is_out) {
                h.out_since = -1;
            } else if (h.out_since < 0) {
                h.out_since = now_;
            }
        }
        const bool lan_both = connected(0, kLan) && connected(1, kLan);
        if (!lan_both) {
            lan_both_since_ = -1;
        } else if (lan_both_since_ < 0) {
            lan_both_since_ = now_;
        }
        // A carrier change on a healthy host restarts its clock (the primary listens after a link comes back).
        const auto carriers = std::make_pair(hosts_[0].addresses.carrier_up, hosts_[1].addresses.carrier_up);
        if (carriers != last_carriers_) {
            for (int i = 0; i < 2; ++i) {
                if (hosts_[i].addresses.carrier_up != (i == 0 ? last_carriers_.first : last_carriers_.second) &&
                    healthy(i)) {
                    hosts_[i].healthy_since = now_;
                }
            }
            last_carriers_ = carriers;
        }
    }
    std::vector<std::tuple<int, std::uint64_t, std::uint64_t>> session_view(int i) {
        std::vector<std::tuple<int, std::uint64_t, std::uint64_t>> view;
        for (const auto& session : hosts_[i].node().intake().sessions()) {
            view.emplace_back(static_cast<int>(session.state()), session.echo_epoch(), session.echo_sequence());
        }
        return view;
    }
    static std::string diff(const Snapshot& a, const Snapshot& b) {
        std::ostringstream out;
        if (a.hold != b.hold) {
            out << " hold " << role::to_string(a.hold) << "->" << role::to_string(b.hold);
        }
        if (a.term != b.term) {
            out << " term " << a.term << "->" << b.term;
        }
        if (a.peer_term != b.peer_term) {
            out << " peer_term " << a.peer_term << "->" << b.peer_term;
        }
        if (a.peer_state != b.peer_state) {
            out << " peer_sender_state changed";
        }
        if (a.outgoing != b.outgoing) {
            out << " outgoing type changed";
        }
        if (a.detector_state != b.detector_state) {
            out << " detector " << detector::to_string(a.detector_state) << "->"
                << detector::to_string(b.detector_state);
        }
        if (a.links != b.links) {
            out << " detector links changed";
        }
        if (a.peer_changes != b.peer_changes || a.peer_restarts != b.peer_restarts || a.peer_epoch != b.peer_epoch) {
            out << " detector peer counters/epoch changed";
        }
        if (a.accepted != b.accepted) {
            out << " accepted " << a.accepted << "->" << b.accepted;
        }
        if (a.refused + 1 != b.refused) {
            out << " refused-drop counters " << a.refused << "->" << b.refused << " (want +1)";
        }
        return out.str();
    }

    void on_address_change(int i, bool held) {
        Host& h = hosts_[i];
        log_line(i, held ? "ADDRESS ADDED" : "ADDRESS REMOVED");
        if (held) {
            h.held_since = now_;
            const int y = 1 - i;
            const std::int64_t settle = 2 * options_.interval_ns;
            if (hosts_[y].addresses.held && hosts_[y].held_since <= now_ - settle && lan_both_since_ >= 0 &&
                lan_both_since_ <= now_ - settle) {
                fail("invariant 1b: " + host_name(i) + " added the address while " + host_name(y) +
                     "'s kernel held it and answered ARP on lan0 (both ways up since " + ms(lan_both_since_) + ")");
            }
        } else if (h.held_since >= 0) {
            h.held_total += now_ - h.held_since;
            h.held_since = -1;
        }
        if (holds(0) && holds(1)) {
            dual_since_ = now_;
        }
        check_claimants();
    }

    std::int64_t delay() {
        std::uniform_int_distribution<std::int64_t> base(options_.delay_min_ns, options_.delay_max_ns);
        std::int64_t d = base(rng_);
        if (options_.jitter_ns > 0) {
            d += std::uniform_int_distribution<std::int64_t>(0, options_.jitter_ns)(rng_);
        }
        return d;
    }
    bool lost(std::size_t link) {
        const double p = std::max(options_.loss, lossy_[link]);
        return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p;
    }

    void transmit(int from, std::size_t link, const wire::Heartbeat& beat) {
        RecordedFrame frame;
        frame.sender = from;
        frame.link = link;
        frame.sender_gen = hosts_[from].gen;
        frame.sent_ns = now_;
        frame.beat = beat;
        frame.bytes = testing::beat_frame(beat, keyring_.send_key(), endpoints(from, link));
        const std::size_t index = recorded_.size();
        if (beat.type == wire::MessageType::released) {
            log_line(from, "sends " + describe(frame));
        }
        recorded_.push_back(frame);
        if (!connected(from, link) || lost(link)) {
            return;
        }
        deliver(1 - from, link, recorded_.back().bytes, now_ + delay(), index);
    }

    /// The frame reaches the other host's kernel, which queues it for the capture.
    void deliver(int to, std::size_t link, testing::Frame bytes, std::int64_t when, std::optional<std::size_t> index) {
        at(when, [this, to, link, bytes = std::move(bytes), index]() mutable {
            Host& h = hosts_[to];
            if (!h.running() || !h.addresses.carrier_up[link]) {
                return;
            }
            h.capture.push_back(Captured{link, now_, std::move(bytes), index});
        });
    }

    void drain(int i) {
        Host& h = hosts_[i];
        while (!h.capture.empty() && h.running()) {
            Captured frame = std::move(h.capture.front());
            h.capture.pop_front();
            if (frame.recorded) {
                h.delivered.insert(*frame.recorded);
            } else {
                log_line(i, "reads an ARP frame that arrived at " + ms(frame.arrival));
            }
            h.node().on_frame(frame.link, frame.bytes, frame.arrival);
        }
    }

    void probe(int from, wire::Ipv4Address address) {
        const int to = 1 - from;
        log_line(from, "ARP probe");
        if (!connected(from, kLan)) {
            return;
        }
        at(now_ + delay(), [this, from, to, address] {
            // The other kernel answers for an address it holds, whatever its daemon does.
            if (!hosts_[to].addresses.held || address.value != kServiceIp || !connected(to, kLan)) {
                return;
            }
            wire::ArpFrame reply;
            reply.ethernet_destination = mac(from, kLan);
            reply.ethernet_source = mac(to, kLan);
            reply.operation = wire::kArpReply;
            reply.sender_mac = mac(to, kLan);
            reply.sender_ip = address;
            reply.target_mac = mac(from, kLan);
            reply.target_ip = wire::Ipv4Address{0};
            deliver(from, kLan, testing::arp_frame(reply), now_ + delay(), std::nullopt);
        });
    }

    void gratuitous(int from, wire::Ipv4Address address) {
        if (!hosts_[from].addresses.carrier_up[kLan]) {
            return;
        }
        client_arp_owner_ = from;
        if (connected(from, kLan)) {
            deliver(1 - from, kLan, testing::arp_frame(wire::make_gratuitous_request(mac(from, kLan), address)),
                    now_ + delay(), std::nullopt);
        }
    }

    void schedule_interval(int i, std::int64_t when) {
        const std::int64_t origin = hosts_[i].started_ns;
        at_host(i, when, [this, i, origin] {
            Host& h = hosts_[i];
            h.node().emit(now_);
            drain(i);
            h.node().decide(now_);
            after_activity(i);
            // Absolute deadlines: a late tick sends one beat, then back on the grid.
            const std::int64_t period = options_.interval_ns;
            const std::int64_t next = origin + ((now_ - origin) / period + 1) * period;
            schedule_interval(i, next);
        });
    }
    void schedule_poll(int i, std::int64_t when) {
        const std::int64_t origin = hosts_[i].started_ns;
        at_host(i, when, [this, i, origin] {
            Host& h = hosts_[i];
            bool changed = false;
            for (std::size_t link = 0; link < 2; ++link) {
                if (h.node().carrier(link) != h.addresses.carrier_up[link]) {
                    h.node().on_carrier(link, h.addresses.carrier_up[link], now_);
                    changed = true;
                }
            }
            if (changed) {
                h.node().decide(now_);
            }
            if (options_.drain_on_poll) {
                drain(i);
            }
            h.node().decide(now_);
            after_activity(i);
            const std::int64_t next = origin + ((now_ - origin) / kPollNs + 1) * kPollNs;
            schedule_poll(i, next);
        });
    }

  public:
    /// After any handler: re-arm the detector timer at the node's next deadline.
    void after_activity(int i) {
        Host& h = hosts_[i];
        if (!h.running() || h.paused) {
            return;
        }
        const auto deadline = h.node().next_deadline();
        const std::int64_t want = deadline ? std::max(*deadline, now_ + 1) : now_ + kSec;
        if (want == h.armed_deadline) {
            return;
        }
        h.armed_deadline = want;
        const std::uint64_t token = ++h.deadline_token;
        at_host(i, want, [this, i, token] {
            Host& host = hosts_[i];
            if (host.deadline_token != token) {
                return;
            }
            host.armed_deadline = -1;
            drain(i);
            host.node().tick(now_);
            after_activity(i);
        });
    }

    int client_arp_owner_ = -1;

  private:
    SimOptions options_;
    std::mt19937_64 rng_;
    wire::Keyring keyring_;
    std::array<Host, 2> hosts_;
    std::priority_queue<Event, std::vector<Event>, Later> queue_;
    std::uint64_t next_order_ = 0;
    std::int64_t now_ = 0;
    std::array<std::array<bool, 2>, 2> cut_{};  // [from][link]
    std::array<double, 2> lossy_{0.0, 0.0};
    std::vector<RecordedFrame> recorded_;
    std::map<std::uint64_t, EpochOwner> epoch_owner_;
    std::deque<std::string> ring_;
    bool failed_ = false;
    std::string failure_text_;
    bool was_connected_ = false;
    std::int64_t lan_both_since_ = -1;
    std::int64_t healed_at_ = 0;
    bool healed_established_ = false;
    std::int64_t dual_since_ = 0;
    bool dual_measuring_ = false;
    std::int64_t dual_measure_start_ = 0;
    bool dual_measure_tier_ = false;
    std::vector<std::int64_t> scenario_dual_;
    std::array<std::int64_t, 2> arp_answer_until_{-kSec, -kSec};
    std::array<std::int64_t, 2> gap_until_{-kSec, -kSec};
    std::pair<std::array<bool, 2>, std::array<bool, 2>> last_carriers_{{true, true}, {true, true}};
    bool claim_connected_ = false;  // invariant 4: fully connected once (both ran)
    bool claim_fault_ = false;      // ... and not fully connected at some time since
    std::int64_t claim_overlap_since_ = -1;
};

}  // namespace fo::sim
