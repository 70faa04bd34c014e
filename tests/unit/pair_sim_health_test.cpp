// The pair simulation with a service check on each node ([[check]]): a
// failing check is a handover, never a timeout; every invariant of
// tests/sim/pair_sim.hpp is checked after every event (liveness counts a
// node whose service is down as out).

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace fo::sim
