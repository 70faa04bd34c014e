#pragma once

// The pair simulation's options and statistics, and its fakes of the OS
// edges that belong to a host rather than to one daemon process (the
// kernel's addresses and carriers, the hooks, the mail notifier). See
// pair_sim.hpp for the simulation and its invariants.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fo/takeover/edges.hpp"
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
DualStats& dual_stats();

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
               const std::map<std::string, std::string>& environment, Done done) override;
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

}  // namespace fo::sim
