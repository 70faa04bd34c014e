// The pair simulation with a service check on each node ([[check]]): a
// failing check is a handover, never a timeout; every invariant of
// tests/sim/pair_sim.hpp is checked after every event (liveness counts a
// node whose service is down as out).

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "../sim/pair_sim.hpp"

namespace fo::sim {
namespace {

constexpr int P = kPrimary;
constexpr int S = kSecondary;
constexpr std::int64_t kCheckInterval = 20 * kMs;

SimOptions with_checks(const std::string& name, std::uint64_t seed = 1) {
    SimOptions options;
    options.name = name;
    options.seed = seed;
    options.check_interval_ns = kCheckInterval;
    options.check_fall = 2;
    options.check_rise = 2;
    return options;
}

#define EXPECT_SIM_OK(sim) EXPECT_FALSE((sim).failed()) << (sim).failure()

void boot(PairSim& sim) {
    sim.start(P);
    sim.run_for(3 * kMs);
    sim.start(S);
    sim.run_for(1 * kSec);
}

/// Runs in 100 us steps until `done` or `limit`; the time it took.
std::int64_t run_until(PairSim& sim, const std::function<bool()>& done, std::int64_t limit) {
    const std::int64_t t0 = sim.now();
    while (!done() && sim.now() - t0 < limit && !sim.failed()) {
        sim.run_for(100 * kUs);
    }
    return sim.now() - t0;
}

TEST(PairSimHealth, PrimaryServiceDownHandsOverWithoutTimeoutAndFailsBackWhenItRecovers) {
    PairSim sim(with_checks("primary-service-down"));
    boot(sim);
    ASSERT_TRUE(sim.holds(P));
    sim.set_service(P, false);
    const std::int64_t took = run_until(
        sim, [&] { return sim.holds(S); }, 2 * kSec);
    EXPECT_TRUE(sim.holds(S));
    EXPECT_FALSE(sim.holds(P));
    // fall runs (the first may come a whole interval later) plus the
    // "released" on the next decision of the secondary: well under the
    // detector's miss_count x interval after the last beat would allow.
    const std::int64_t bound = (2 + 1) * kCheckInterval + 2 * sim.options().interval_ns + kMs;
    EXPECT_LE(took, bound);
    EXPECT_EQ(sim.host(S).node().detector().counters().times_dead, 0U) << "a handover, not a timeout";
    EXPECT_EQ(sim.host(S).node().role().last_change().value_or(role::RoleChange{}).reason,
              "primary handed over (releasing)");
    EXPECT_EQ(sim.host(P).node().role().hold(), role::HoldState::releasing);

    sim.run_for(2 * kSec);  // the primary's service stays down: no failback
    EXPECT_TRUE(sim.holds(S));
    sim.set_service(P, true);
    const std::int64_t back = run_until(
        sim, [&] { return sim.holds(P); }, 3 * kSec);
    EXPECT_TRUE(sim.holds(P));
    EXPECT_FALSE(sim.holds(S));
    // Failback per the policy: the hold-down counts from the primary's last
    // "releasing", so at least the hold-down after the check passed again.
    EXPECT_GE(back, sim.options().hold_down_ns);
    EXPECT_LE(back, sim.options().hold_down_ns + 3 * kCheckInterval + 4 * sim.options().interval_ns);
    sim.run_for(1 * kSec);
    EXPECT_SIM_OK(sim);
}

TEST(PairSimHealth, ActiveSecondaryWhoseServiceFailsHandsBack) {
    PairSim sim(with_checks("secondary-service-down"));
    boot(sim);
    sim.set_service(P, false);
    run_until(
        sim, [&] { return sim.holds(S); }, 2 * kSec);
    ASSERT_TRUE(sim.holds(S));
    // Now both services are down: nobody can serve, the secondary hands back
    // and the primary, whose check fails too, does not take them.
    sim.set_service(S, false);
    run_until(
        sim, [&] { return !sim.holds(S); }, 1 * kSec);
    EXPECT_FALSE(sim.holds(S));
    sim.run_for(1 * kSec);
    EXPECT_FALSE(sim.holds(P));
    EXPECT_FALSE(sim.holds(S));
    // The primary's service returns: it takes them (the secondary is standby).
    sim.set_service(P, true);
    const std::int64_t took = run_until(
        sim, [&] { return sim.holds(P); }, 1 * kSec);
    EXPECT_TRUE(sim.holds(P));
    EXPECT_LE(took, 3 * kCheckInterval + 2 * sim.options().interval_ns + kMs);
    sim.set_service(S, true);
    sim.run_for(2 * kSec);
    EXPECT_TRUE(sim.holds(P));
    EXPECT_FALSE(sim.holds(S));
    EXPECT_SIM_OK(sim);
}

// The primary dies while the standby's service check fails: nobody takes
// the address (a node that cannot serve does not stand by); once the
// standby's service is back it takes over.
TEST(PairSimHealth, StandbyWithAFailingCheckDoesNotTakeOverUntilItPasses) {
    PairSim sim(with_checks("standby-cannot-stand-by"));
    boot(sim);
    sim.set_service(S, false);
    sim.run_for(200 * kMs);
    sim.power_off(P);
    sim.run_for(3 * kSec);
    EXPECT_FALSE(sim.holds(S));
    EXPECT_EQ(sim.host(S).node().role().hold(), role::HoldState::standby);
    sim.set_service(S, true);
    const std::int64_t took = run_until(
        sim, [&] { return sim.holds(S); }, 1 * kSec);
    EXPECT_TRUE(sim.holds(S));
    EXPECT_LE(took, 3 * kCheckInterval + 3 * sim.options().interval_ns + kMs);
    EXPECT_SIM_OK(sim);
}

// A service that flaps faster than fall/rise can follow never moves the
// address; one that flaps slower moves it at most once per hold-down.
TEST(PairSimHealth, FlappingServiceIsBoundedByFallRiseAndTheHoldDown) {
    PairSim sim(with_checks("flapping-service"));
    boot(sim);
    // Down for one check interval in every three: never two failures in a row.
    for (int i = 0; i < 100; ++i) {
        sim.set_service(P, i % 3 != 0);
        sim.run_for(kCheckInterval);
    }
    sim.set_service(P, true);
    EXPECT_EQ(sim.host(P).node().takeover().counters().releases, 0U);
    EXPECT_TRUE(sim.holds(P));
    // Down 100 ms, up 100 ms, for 4 s: the address moves to S once and comes
    // back only after a hold-down of continuous service.
    const auto moves_before = sim.host(S).node().takeover().counters().acquisitions;
    for (int i = 0; i < 40; ++i) {
        sim.set_service(P, i % 2 == 1);
        sim.run_for(100 * kMs);
    }
    EXPECT_EQ(sim.host(S).node().takeover().counters().acquisitions - moves_before, 1U);
    sim.set_service(P, true);
    sim.run_for(2 * kSec);
    EXPECT_TRUE(sim.holds(P));
    EXPECT_SIM_OK(sim);
}

TEST(PairSimHealth, RandomServiceFailuresWithOtherFaults) {
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
        PairSim sim(with_checks("random-health", seed));
        std::mt19937_64 plan(seed * 0x9E3779B97F4A7C15ULL + 7);
        auto uniform = [&](std::int64_t lo, std::int64_t hi) {
            return std::uniform_int_distribution<std::int64_t>(lo, hi)(plan);
        };
        boot(sim);
        for (int step = 0; step < 8 && !sim.failed(); ++step) {
            const int who = static_cast<int>(uniform(0, 1));
            switch (uniform(0, 5)) {
                case 0:
                case 1:
                case 2: sim.set_service(who, !sim.host(who).service_up); break;
                case 3: sim.set_carrier(who, kLan, false); break;
                case 4: sim.sigterm(who); break;
                default: sim.kill(who); break;
            }
            sim.run_for(uniform(5 * kMs, 1200 * kMs));
            if (uniform(0, 1) == 1) {
                for (int i = 0; i < 2; ++i) {
                    sim.set_carrier(i, kLan, true);
                    sim.start(i);
                }
            }
        }
        for (int i = 0; i < 2; ++i) {
            sim.set_carrier(i, kLan, true);
            sim.set_service(i, true);
            sim.start(i);
        }
        sim.run_for(3 * kSec);
        if (!sim.failed() && !(sim.holds(P) && !sim.holds(S))) {
            sim.fail("after everything healed for 3 s the primary should hold alone");
        }
        ASSERT_FALSE(sim.failed()) << sim.failure();
    }
}

// ---- pending checks: a node takes nothing before its checks answered ----

/// A check as a real command answers it: a live service after `pass_ns`,
/// a hung one only at the check's timeout. (The sim's own check answers at
/// once, so with it a check is never seen pending.)
class SlowCheck final : public takeover::CheckExecutor {
  public:
    SlowCheck(PairSim& sim, int host, std::int64_t pass_ns) : sim_(sim), host_(host), pass_ns_(pass_ns) {}
    void start(std::size_t, const takeover::CheckConfig& check, Done done) override {
        const bool up = sim_.host(host_).service_up;
        sim_.at_host(host_, sim_.now() + (up ? pass_ns_ : check.timeout_ns), [this, up, done = std::move(done)] {
            done(takeover::CheckOutcome{up, up ? "exit 0" : "timed out"});
            sim_.after_activity(host_);
        });
    }

  private:
    PairSim& sim_;
    int host_;
    std::int64_t pass_ns_;
};

/// PairSim::start(), but the node runs its checks through `checks`: the
/// node the sim made is replaced before its first event (same edges).
void start_with(PairSim& sim, int i, takeover::CheckExecutor& checks) {
    sim.start(i);
    auto& host = sim.host(i);
    auto& instance = *host.instance;
    daemon::NodeEdges edges;
    for (std::size_t link = 0; link < instance.transmitters.size(); ++link) {
        edges.transmitters.push_back(instance.transmitters[link].get());
        edges.link_macs.push_back(PairSim::mac(i, link));
    }
    auto* arp = instance.arp.get();
    edges.arp_for = [arp](const std::string& interface) -> inject::ArpTransmitter* {
        return interface == "lan0" ? arp : nullptr;
    };
    edges.addresses = &host.addresses;
    edges.hooks = &host.hooks;
    edges.notifier = &host.notifier;
    edges.scheduler = instance.scheduler.get();
    edges.wall_clock = [&sim] { return 1'700'000'000'000'000'000LL + sim.now(); };
    edges.monotonic_clock = [&sim] { return sim.now(); };
    edges.logger = [&sim, i](const std::string& line) { sim.log_line(i, line); };
    edges.checks = &checks;
    edges.events = host.events;
    const daemon::NodeIdentity identity = host.node().identity();
    instance.node = std::make_unique<daemon::Node>(host.config, identity, std::move(edges), sim.now());
}

/// The primary's service died, the secondary took the addresses over; the
/// primary's daemon restarts with its check (timeout 1 s) answering slowly.
struct PrimaryRestart {
    explicit PrimaryRestart(const std::string& name, std::int64_t pass_ns) : sim(with_checks(name)) {
        boot(sim);
        sim.set_service(P, false);
        run_until(
            sim, [&] { return sim.holds(S); }, 2 * kSec);
        EXPECT_TRUE(sim.holds(S));
        sim.run_for(1 * kSec);
        held_since = sim.host(S).held_since;
        secondary_releases = sim.host(S).node().takeover().counters().releases;
        sim.sigterm(P);
        sim.run_for(100 * kMs);
        sim.host(P).config.checks.at(0).timeout_ns = kCheckTimeout;
        checks.emplace(sim, P, pass_ns);
    }
    void restart() {
        restarted_at = sim.now();
        start_with(sim, P, *checks);
    }
    /// Runs in 1 ms steps for `duration` while the primary's checks have no
    /// result: the secondary keeps the addresses and the primary neither
    /// takes them nor asks for them. Returns when the checks have a result
    /// (its time), or -1 at the end or at the first violation.
    std::int64_t run_while_pending(std::int64_t duration) {
        const std::int64_t end = sim.now() + duration;
        while (sim.now() < end && !sim.failed()) {
            sim.run_for(kMs);
            const daemon::Node& primary = sim.host(P).node();
            if (primary.health()->verdict() != takeover::HealthVerdict::pending) {
                return sim.now();
            }
            if (!saw_pending) {
                saw_pending = true;
                EXPECT_EQ(primary.role().cannot_take_over().value_or(""), "checks have no result yet (service)");
            }
            if (!sim.holds(S) || sim.holds(P) || primary.role().outgoing_type() != wire::MessageType::beat) {
                ADD_FAILURE() << "at +" << (sim.now() - restarted_at) / kMs << " ms, checks pending: S holds "
                              << sim.holds(S) << ", P holds " << sim.holds(P) << ", P asks for the addresses "
                              << (primary.role().outgoing_type() == wire::MessageType::release_request);
                return -1;
            }
        }
        return -1;
    }

    static constexpr std::int64_t kCheckTimeout = 1 * kSec;  // longer than the failback hold-down (500 ms)
    std::optional<SlowCheck> checks;                         // outlives the sim, whose node runs its checks through it
    PairSim sim;
    std::int64_t held_since = 0;
    std::uint64_t secondary_releases = 0;
    std::int64_t restarted_at = 0;
    bool saw_pending = false;
};

// The primary restarts with its service still dead (a hung database: the
// check times out). Before the first result counted as passing, the
// primary asked for the addresses, the secondary released them after the
// hold-down, the primary took them and handed them back at its first
// result: two moves and two outages for nothing.
TEST(PairSimHealth, PrimaryRestartingWithADeadServiceLeavesTheAddressesOnTheActiveSecondary) {
    PrimaryRestart pair("primary-restarts-service-dead", 0);
    PairSim& sim = pair.sim;
    pair.restart();
    const std::int64_t answered = pair.run_while_pending(2 * kSec);
    EXPECT_TRUE(pair.saw_pending);
    EXPECT_GE(answered - pair.restarted_at, PrimaryRestart::kCheckTimeout);
    sim.run_for(2 * kSec);
    EXPECT_TRUE(sim.holds(S));
    EXPECT_FALSE(sim.holds(P));
    EXPECT_EQ(sim.host(S).held_since, pair.held_since) << "the secondary held the addresses throughout";
    EXPECT_EQ(sim.host(S).node().takeover().counters().releases, pair.secondary_releases);
    EXPECT_EQ(sim.host(P).node().takeover().counters().acquisitions, 0U);
    EXPECT_EQ(sim.host(P).node().role().hold(), role::HoldState::releasing);
    EXPECT_SIM_OK(sim);
}

// The service is back but its check is slow (800 ms, more than the
// hold-down): failback waits for the first result, then goes on as usual.
TEST(PairSimHealth, FailbackWaitsForTheFirstResultOfASlowCheck) {
    constexpr std::int64_t kSlowPass = 800 * kMs;
    PrimaryRestart pair("primary-restarts-slow-check", kSlowPass);
    PairSim& sim = pair.sim;
    sim.set_service(P, true);
    pair.restart();
    const std::int64_t answered = pair.run_while_pending(2 * kSec);
    ASSERT_GT(answered, 0);
    EXPECT_GE(answered - pair.restarted_at, kSlowPass);
    EXPECT_EQ(sim.host(S).held_since, pair.held_since);
    const std::int64_t took = run_until(
        sim, [&] { return sim.holds(P); }, 1 * kSec);
    EXPECT_TRUE(sim.holds(P));
    EXPECT_FALSE(sim.holds(S));
    // The hold-down counted from the restart has passed: one request, one release.
    EXPECT_LE(took, 10 * sim.options().interval_ns);
    EXPECT_EQ(sim.host(S).node().takeover().counters().releases, pair.secondary_releases + 1);
    sim.run_for(1 * kSec);
    EXPECT_SIM_OK(sim);
}

}  // namespace
}  // namespace fo::sim
