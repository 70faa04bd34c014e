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
//
// The members are defined by concern: pair_sim.cpp (construction, the event
// queue, the daemon's loop, hosts), pair_sim_links.cpp (cuts, loss and what
// crosses the links), pair_sim_adversary.cpp (replays),
// pair_sim_invariants.cpp (the checks above) and pair_sim_log.cpp. The
// options, statistics and fakes of a host's OS edges: pair_sim_fakes.hpp.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include "fo/daemon/node.hpp"
#include "fo/wire/heartbeat.hpp"
#include "frames.hpp"
#include "pair_sim_fakes.hpp"

namespace fo::sim {

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
        bool send(const wire::Heartbeat& beat) override;
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
        bool send_gratuitous(wire::Ipv4Address address, inject::GratuitousArpForm) override;
        bool send_probe(wire::Ipv4Address address) override;
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
        void start(std::size_t, const takeover::CheckConfig&, Done done) override;

      private:
        PairSim& sim_;
        int host_;
    };

    class SimScheduler final : public takeover::Scheduler {
      public:
        SimScheduler(PairSim& sim, int host) : sim_(sim), host_(host) {}
        void after(std::int64_t delay_ns, std::function<void()> callback) override;

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

    explicit PairSim(SimOptions options);
    ~PairSim();
    PairSim(const PairSim&) = delete;
    PairSim& operator=(const PairSim&) = delete;

    // ---- configuration (pair_sim.cpp) ----------------------------------

    [[nodiscard]] daemon::Config make_config(bool primary) const;
    static wire::MacAddress mac(int host, std::size_t link);
    static wire::UdpEndpoints endpoints(int from, std::size_t link);

    // ---- the event queue (pair_sim.cpp) ----------------------------------

    [[nodiscard]] std::int64_t now() const { return now_; }
    [[nodiscard]] bool failed() const { return failed_; }
    [[nodiscard]] const std::string& failure() const { return failure_text_; }
    Host& host(int i) { return hosts_[i]; }
    [[nodiscard]] const SimOptions& options() const { return options_; }
    std::mt19937_64& rng() { return rng_; }
    [[nodiscard]] const std::vector<RecordedFrame>& recorded() const { return recorded_; }

    void at(std::int64_t when, std::function<void()> run);
    /// An event of the current daemon instance of `host`: dropped if it
    /// restarted, deferred while paused.
    void at_host(int host, std::int64_t when, std::function<void()> run);
    void run_until(std::int64_t until);
    void run_for(std::int64_t duration) { run_until(now_ + duration); }
    /// After any handler: re-arm the detector timer at the node's next deadline.
    void after_activity(int i);

    // ---- hosts: start, stop, pause (pair_sim.cpp) -------------------------

    /// The daemon starts: removes leftover addresses, draws a new epoch.
    void start(int i);
    /// The process dies (SIGKILL, crash): the kernel keeps its addresses.
    void kill(int i);
    /// The machine goes off: its addresses are gone with it.
    void power_off(int i);
    /// SIGTERM: releases and says so, then the process exits.
    void sigterm(int i);
    void pause(int i);
    /// SIGCONT: the frames queued in the capture buffer first, then the timers that came due.
    void resume(int i);
    /// Cable state of `link` at host `i` (both ends of the link lose the frames).
    void set_carrier(int i, std::size_t link, bool up);
    /// The service on host `i` (the database, the mail server) dies or comes
    /// back; its check finds out at its next run.
    void set_service(int i, bool up);

    // ---- links (pair_sim_links.cpp) ----------------------------------------

    /// Cut (or restore) `link` in the direction from -> to.
    void set_cut(int from, std::size_t link, bool cut);
    void set_lossy(std::size_t link, double loss);
    void partition_host(int i, bool cut);
    /// Inline: the invariants ask after every event.
    [[nodiscard]] bool connected(int from, std::size_t link) const {
        const int to = 1 - from;
        return !cut_[from][link] && hosts_[from].addresses.carrier_up[link] && hosts_[to].addresses.carrier_up[link];
    }

    // ---- the adversary (pair_sim_adversary.cpp) ----------------------------

    /// Why a recorded frame must be refused by host `to` now (empty: it may be a late frame of the live session).
    std::string must_refuse(std::size_t index, int to);
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
    Snapshot snapshot(int i);
    /// Re-injects recorded frame `index` into host `to` on the link it was sent on, now.
    void inject(std::size_t index, int to);
    /// Injects a frame recorded by another simulation (another life of the pair).
    void inject_foreign(const RecordedFrame& frame, int to);

    // ---- checks (pair_sim_invariants.cpp) ----------------------------------

    [[nodiscard]] bool holds(int i) const { return hosts_[i].addresses.held; }
    /// The simulated run time of every hook phase of host `i` (slow hooks).
    [[nodiscard]] std::int64_t hook_time(int i) const;
    /// From a change of the service to the check's verdict, at most.
    [[nodiscard]] std::int64_t check_detection_ns() const;
    [[nodiscard]] bool fully_connected() const;
    /// Sessions up on some link, each echoing the other's current epoch.
    [[nodiscard]] bool established();
    /// The bound on dual holding after a heal. Established sessions: the
    /// winner's next frame (<= 1 interval) crosses the link (<= max delay +
    /// jitter) and waits in the loser's capture buffer until its next drain
    /// (<= 1 interval), where the loser yields at once: 2 intervals + delay.
    /// A fresh three-way exchange first: three such crossings, each <= 2
    /// intervals + delay (a frame read at a tick is echoed at the next one).
    [[nodiscard]] std::int64_t dual_bound(bool was_established) const;

    /// Acquiring: the daemon runs an acquisition (Test, PreAcq, the
    /// addresses, PostAcq); the kernel may not hold the address yet.
    [[nodiscard]] bool acquiring(int i) const;
    [[nodiscard]] bool claims(int i) const { return holds(i) || acquiring(i); }
    static std::string claim_text(bool held, bool acquiring);
    /// Invariant 4: in its scope, never two claimants.
    void check_claimants();
    void check_invariants();
    /// Dual-holder durations after heals in this scenario.
    [[nodiscard]] const std::vector<std::int64_t>& scenario_dual() const { return scenario_dual_; }
    void fail(const std::string& what);

    // ---- logging (pair_sim_log.cpp) ----------------------------------------

    static std::string ms(std::int64_t ns);
    static std::string hex(std::uint64_t value);
    static std::string host_name(int i);
    static std::string describe(const RecordedFrame& frame);
    void log_line(int host, const std::string& line);

    bool verbose_ = false;
    int client_arp_owner_ = -1;

  private:
    friend class SimTransmitter;
    friend class SimArp;
    friend class SimScheduler;

    struct EpochOwner {
        int host;
        std::uint64_t gen;
    };

    // pair_sim.cpp: the daemon's loop.
    /// `run` as an event of host `i`'s daemon after `delay_ns`, then the
    /// detector timer re-armed (a hook's end, a Scheduler callback).
    void after_on_host(int i, std::int64_t delay_ns, std::function<void()> run);
    void drain(int i);
    void schedule_interval(int i, std::int64_t when);
    void schedule_poll(int i, std::int64_t when);

    // pair_sim_links.cpp
    std::int64_t delay();
    bool lost(std::size_t link);
    void transmit(int from, std::size_t link, const wire::Heartbeat& beat);
    /// The frame reaches the other host's kernel, which queues it for the capture.
    void deliver(int to, std::size_t link, testing::Frame bytes, std::int64_t when, std::optional<std::size_t> index);
    void probe(int from, wire::Ipv4Address address);
    void gratuitous(int from, wire::Ipv4Address address);

    // pair_sim_adversary.cpp
    void checked_on_frame(int to, std::size_t link, const testing::Frame& bytes, const std::string& why, bool own);
    std::vector<std::tuple<int, std::uint64_t, std::uint64_t>> session_view(int i);

    // pair_sim_invariants.cpp
    [[nodiscard]] bool healthy(int i) const;
    [[nodiscard]] bool service_ok(int i) const;
    [[nodiscard]] bool out_for(int y) const;
    /// Recomputes the health clocks after anything that changes them.
    void touch_health();
    /// lan_both_since_: since when lan0 works in both directions (-1: it does not).
    void note_lan_both();
    static std::string diff(const Snapshot& a, const Snapshot& b);
    void on_address_change(int i, bool held);

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
