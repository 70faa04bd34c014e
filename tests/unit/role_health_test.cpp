// The role machine and the service's own health checks ([[check]]): a
// failing check is an input like a lost service link.

#include <gtest/gtest.h>

#include "role_harness.hpp"

namespace fo::role {
namespace {

bool notified(const std::vector<Action>& actions, const std::string& subject) {
    return std::any_of(actions.begin(), actions.end(),
                       [&](const Action& a) { return a.kind == Kind::notify && a.reason == subject; });
}

TEST(RoleHealth, HolderWhoseCheckFailsHandsOverAndThePeerTakesOverWithoutTimeout) {
    Harness primary(Role::primary);
    Harness secondary(Role::secondary);
    primary.make_active();
    secondary.frame(SenderState::active, primary.machine().term());
    EXPECT_TRUE(secondary.evaluate().empty());

    primary.machine().on_health(false, "db", primary.now);
    auto actions = decide(primary);
    const Action* release = Harness::find(actions, Kind::release);
    ASSERT_NE(release, nullptr) << kinds(actions);
    EXPECT_TRUE(release->forced);
    EXPECT_EQ(release->reason, "service check failing (db): handing over");
    EXPECT_TRUE(notified(actions, "service check failing: handed over")) << kinds(actions);
    EXPECT_TRUE(Harness::has(actions, Kind::send_released)) << kinds(actions);
    EXPECT_EQ(primary.machine().hold(), HoldState::releasing);
    EXPECT_EQ(primary.machine().last_change().value_or(RoleChange{}).reason,
              "service check failing (db): handing over");

    // The secondary hears "released" (state releasing) while the primary is
    // alive: it takes over at once, no detector timeout involved.
    relay(primary, secondary, actions);
    ASSERT_EQ(secondary.view.state, PeerState::alive);
    auto taken = secondary.evaluate();
    const Action* acquire = Harness::find(taken, Kind::acquire);
    ASSERT_NE(acquire, nullptr) << kinds(taken);
    EXPECT_EQ(acquire->reason, "primary handed over (releasing)");
    secondary.complete(taken);
    EXPECT_EQ(secondary.machine().hold(), HoldState::active);

    // While the check fails the primary neither asks back nor acquires.
    primary.frame(SenderState::active, secondary.machine().term());
    for (int i = 0; i < 50; ++i) {
        primary.advance(kInterval);
        const auto idle = primary.evaluate();
        EXPECT_TRUE(idle.empty()) << kinds(idle);
    }
    EXPECT_EQ(primary.machine().hold(), HoldState::releasing);
    EXPECT_EQ(primary.machine().outgoing_type(), MessageType::beat);
    primary.expect_transitions_consistent();
    secondary.expect_transitions_consistent();
}

TEST(RoleHealth, PrimaryStartingWithAFailingCheckSaysReleasingAndNeverAcquires) {
    Harness primary(Role::primary);
    primary.machine().on_health(false, "db", primary.now);
    primary.frame(SenderState::standby, 0);
    auto actions = primary.evaluate();
    EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
    EXPECT_TRUE(Harness::has(actions, Kind::send_released)) << kinds(actions);
    EXPECT_EQ(primary.machine().hold(), HoldState::releasing);
    EXPECT_EQ(primary.machine().last_change().value_or(RoleChange{}).reason, "service check failing (db)");
    // Recovery: starting again. The standby's last frame was sent before it
    // heard our `starting`; only its answer to that lets us acquire.
    primary.machine().on_health(true, "", primary.now);
    primary.frame(SenderState::standby, 0);
    actions = primary.evaluate();
    EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
    EXPECT_EQ(primary.machine().hold(), HoldState::starting);
    EXPECT_EQ(primary.changes.back().reason, "service checks pass again");
    primary.frame(SenderState::standby, 0);
    actions = primary.evaluate();
    EXPECT_TRUE(Harness::has(actions, Kind::acquire)) << kinds(actions);
}

TEST(RoleHealth, SecondaryHoldingWhoseCheckFailsHandsBack) {
    Harness secondary(Role::secondary);
    secondary.make_active(1);
    secondary.frame(SenderState::starting, 1);  // the primary is back but does not ask yet
    secondary.machine().on_health(false, "smtp", secondary.now);
    auto actions = decide(secondary);
    const Action* release = Harness::find(actions, Kind::release);
    ASSERT_NE(release, nullptr) << kinds(actions);
    EXPECT_TRUE(release->forced);
    EXPECT_EQ(release->reason, "service check failing (smtp): handing back");
    EXPECT_TRUE(Harness::has(actions, Kind::send_released)) << kinds(actions);
    EXPECT_EQ(secondary.machine().hold(), HoldState::standby);
    // Now standing by without being able to: said once.
    actions = secondary.evaluate();
    EXPECT_TRUE(notified(actions, "cannot stand by")) << kinds(actions);
    EXPECT_TRUE(secondary.evaluate().empty());
}

// The primary dies while the standby's check fails: nobody can serve, so
// nobody takes the addresses (no probe, no acquisition) however long it
// lasts; "cannot stand by" is mailed once. When the check passes again the
// standby probes and takes over as after any silence.
TEST(RoleHealth, StandbyWhoseCheckFailsBlocksTakeoverUntilItPasses) {
    Harness secondary(Role::secondary);
    secondary.frame(SenderState::active, 1);
    secondary.machine().on_health(false, "db", secondary.now);
    auto actions = secondary.evaluate();
    EXPECT_TRUE(notified(actions, "cannot stand by")) << kinds(actions);
    EXPECT_EQ(secondary.machine().cannot_serve(), std::optional<std::string>("service check failing (db)"));

    secondary.peer(PeerState::dead);
    for (int i = 0; i < 100; ++i) {
        secondary.advance(kInterval);
        actions = secondary.evaluate();
        EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
        EXPECT_FALSE(Harness::has(actions, Kind::probe)) << kinds(actions);
        EXPECT_FALSE(notified(actions, "cannot stand by"));  // once per episode
    }
    EXPECT_EQ(secondary.machine().hold(), HoldState::standby);

    // A handover from a primary that is alive is refused the same way.
    secondary.frame(SenderState::releasing, 1, MessageType::released);
    EXPECT_FALSE(Harness::has(secondary.evaluate(), Kind::acquire));
    secondary.peer(PeerState::dead);

    secondary.machine().on_health(true, "", secondary.now);
    bool acquired = false;
    for (int i = 0; i < 10 && !acquired; ++i) {
        secondary.advance(kInterval);
        actions = secondary.evaluate();
        acquired = Harness::has(actions, Kind::acquire);
    }
    EXPECT_TRUE(acquired);  // as a handover: the primary's last word was "releasing"
}

/// The primary handed over for a failing check; the check passes again.
struct Recovery {
    Harness primary{Role::primary};
    Harness secondary{Role::secondary};

    explicit Recovery(const std::function<void(RoleConfig&)>& secondary_tweak)
        : secondary(Role::secondary, secondary_tweak) {
        primary.make_active();
        secondary.frame(SenderState::active, primary.machine().term());
        primary.machine().on_health(false, "db", primary.now);
        auto actions = decide(primary);
        relay(primary, secondary, actions);
        decide(secondary);
        EXPECT_EQ(secondary.machine().hold(), HoldState::active);
        primary.frame(SenderState::active, secondary.machine().term());
    }
    /// Both advance one interval and hear each other's newest frame.
    std::vector<Action> step() {
        primary.advance(kInterval);
        secondary.advance(kInterval);
        relay(primary, secondary, decide(primary));
        auto from_secondary = decide(secondary);
        relay(secondary, primary, from_secondary);
        return from_secondary;
    }
};

TEST(RoleHealth, RecoveryFailsBackAfterTheHoldDownCountedFromTheLastReleasingFrame) {
    constexpr std::int64_t kHoldDown = 2'000 * kMs;
    Recovery pair([](RoleConfig& config) { config.failback_hold_down_ns = kHoldDown; });
    // The peer has been alive all along; the hold-down still counts from the
    // primary's last "releasing" (it could not serve until then).
    for (int i = 0; i < 30; ++i) {
        pair.step();
    }
    EXPECT_EQ(pair.secondary.machine().hold(), HoldState::active);
    pair.primary.machine().on_health(true, "", pair.primary.now);
    const std::int64_t recovered = pair.secondary.now;
    std::int64_t released_at = 0;
    for (int i = 0; i < 40 && released_at == 0; ++i) {
        if (Harness::has(pair.step(), Kind::release)) {
            released_at = pair.secondary.now;
        }
    }
    ASSERT_NE(released_at, 0);
    EXPECT_GE(released_at - recovered, kHoldDown);
    EXPECT_LE(released_at - recovered, kHoldDown + 2 * kInterval);
    pair.step();
    EXPECT_EQ(pair.primary.machine().hold(), HoldState::active);
    EXPECT_EQ(pair.secondary.machine().hold(), HoldState::standby);
}

TEST(RoleHealth, RecoveryWithManualFailbackWaitsForTheAdmin) {
    Recovery pair([](RoleConfig& config) {
        config.manual_failback = true;
        config.failback_hold_down_ns = 0;
    });
    pair.primary.machine().on_health(true, "", pair.primary.now);
    bool asked_admin = false;
    for (int i = 0; i < 20; ++i) {
        auto actions = pair.step();
        asked_admin = asked_admin || notified(actions, "primary is back; failback is manual");
        EXPECT_FALSE(Harness::has(actions, Kind::release)) << kinds(actions);
    }
    EXPECT_TRUE(asked_admin);
    EXPECT_EQ(pair.primary.machine().outgoing_type(), MessageType::release_request);
    EXPECT_FALSE(pair.secondary.machine().admin_release(pair.secondary.view, pair.secondary.now).has_value());
    auto actions = pair.secondary.machine().take_actions();
    EXPECT_TRUE(Harness::has(actions, Kind::release)) << kinds(actions);
}

// A check that flaps (fall/rise keep the verdict stable, takeover/
// health_monitor; here: verdicts that do flip) moves the addresses at most
// once per hold-down: every "releasing" restarts it.
TEST(RoleHealth, FlappingVerdictsMoveTheAddressesAtMostOncePerHoldDown) {
    constexpr std::int64_t kHoldDown = 1'000 * kMs;
    Recovery pair([](RoleConfig& config) { config.failback_hold_down_ns = kHoldDown; });
    std::uint64_t before = pair.secondary.machine().counters().transitions;
    for (int i = 0; i < 100; ++i) {
        pair.primary.machine().on_health(i % 6 >= 3, i % 6 >= 3 ? "" : "db", pair.primary.now);  // 300 ms each
        pair.step();
    }
    // 10 s of a verdict flipping every 300 ms: the secondary never released.
    EXPECT_EQ(pair.secondary.machine().counters().transitions, before);
    EXPECT_EQ(pair.secondary.machine().hold(), HoldState::active);
}

// Races between a check's verdict and the frames on the wire. Each side
// decides on the other's newest frame; a frame sent before the other heard
// our change is history and must not hand the addresses over.

/// Both harnesses hold the addresses (or are acquiring them).
bool both_take(Harness& primary, Harness& secondary) {
    return takes(primary) && takes(secondary);
}

/// Relays both ways for `rounds` intervals; fails if both ever hold.
void settle(Harness& primary, Harness& secondary, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        primary.advance(kInterval);
        secondary.advance(kInterval);
        relay(primary, secondary, decide(primary));
        ASSERT_FALSE(both_take(primary, secondary)) << "round " << i;
        relay(secondary, primary, decide(secondary));
        ASSERT_FALSE(both_take(primary, secondary)) << "round " << i;
    }
}

/// A shared backend dies: both checks fail, nobody holds.
void both_checks_fail(Harness& primary, Harness& secondary) {
    primary.make_active();
    secondary.frame(SenderState::active, primary.machine().term());
    (void)secondary.evaluate();
    secondary.machine().on_health(false, "db", secondary.now);
    relay(secondary, primary, decide(secondary));
    primary.machine().on_health(false, "db", primary.now);
    relay(primary, secondary, decide(primary));
    relay(secondary, primary, decide(secondary));
    ASSERT_EQ(primary.machine().hold(), HoldState::releasing);
    ASSERT_EQ(secondary.machine().hold(), HoldState::standby);
    settle(primary, secondary, 5);
}

// The backend is back and both checks pass within one interval, no frame
// crossing between: the primary leaves `releasing` and sees the secondary's
// last `standby`; the secondary still sees the primary's last `releasing`.
// Before the echo rule both acquired by handover (two owners until the term
// tie resolved, plus the PreRel hooks).
TEST(RoleHealthRace, BothChecksRecoverWithinOneIntervalOnlyOneAcquires) {
    for (const bool primary_first : {true, false}) {
        SCOPED_TRACE(primary_first ? "primary recovers first" : "secondary recovers first");
        Harness primary(Role::primary);
        Harness secondary(Role::secondary);
        both_checks_fail(primary, secondary);
        std::vector<Action> p;
        std::vector<Action> s;
        if (primary_first) {
            primary.machine().on_health(true, "", primary.now);
            p = decide(primary);
            secondary.machine().on_health(true, "", secondary.now);
            s = decide(secondary);
        } else {
            secondary.machine().on_health(true, "", secondary.now);
            s = decide(secondary);
            primary.machine().on_health(true, "", primary.now);
            p = decide(primary);
        }
        EXPECT_FALSE(Harness::has(p, Kind::acquire) && Harness::has(s, Kind::acquire))
            << "both acquired: primary " << kinds(p) << " secondary " << kinds(s);
        // The primary, starting, waits for an answer to it: the secondary's.
        EXPECT_FALSE(Harness::has(p, Kind::acquire)) << kinds(p);
        EXPECT_TRUE(Harness::has(s, Kind::acquire)) << kinds(s);
        settle(primary, secondary, 20);
        // One holder at the end: the secondary (failback needs the hold-down
        // of 0 and the primary's request: it gets the addresses back).
        EXPECT_NE(primary.machine().hold() == HoldState::active, secondary.machine().hold() == HoldState::active);
        primary.expect_transitions_consistent();
        secondary.expect_transitions_consistent();
    }
}

// A fast fail and recovery (rise 1) around a handover: the primary's check
// fails, it releases and says so; before the secondary's answer arrives the
// check passes again. The secondary is taking over on `releasing`; the
// primary must not take the addresses on the secondary's `standby` of
// before.
TEST(RoleHealthRace, CheckFailsAndRecoversBeforeThePeerAnswersNoSecondAcquisition) {
    Harness primary(Role::primary);
    Harness secondary(Role::secondary);
    primary.make_active();
    secondary.frame(SenderState::active, primary.machine().term());
    (void)secondary.evaluate();
    relay(secondary, primary, decide(secondary));
    primary.machine().on_health(false, "db", primary.now);
    auto released = decide(primary);
    ASSERT_TRUE(Harness::has(released, Kind::send_released)) << kinds(released);
    relay(primary, secondary, released);
    // The secondary acquires (its hooks run: `starting` on the wire), but
    // its frame has not reached the primary when the check passes again.
    auto s = secondary.evaluate();
    ASSERT_TRUE(Harness::has(s, Kind::acquire)) << kinds(s);
    primary.machine().on_health(true, "", primary.now);
    auto p = decide(primary);
    EXPECT_FALSE(Harness::has(p, Kind::acquire)) << kinds(p);
    EXPECT_EQ(primary.machine().hold(), HoldState::starting);
    // A frame the secondary sent before it heard us (still on the wire)
    // changes nothing either.
    primary.peer_hears_us = false;
    primary.frame(SenderState::standby, 0);
    p = decide(primary);
    EXPECT_FALSE(Harness::has(p, Kind::acquire)) << kinds(p);
    primary.peer_hears_us = true;
    secondary.complete(s);
    relay(secondary, primary, decide(secondary));
    settle(primary, secondary, 20);
    EXPECT_NE(primary.machine().hold() == HoldState::active, secondary.machine().hold() == HoldState::active);
}

// The echo rule itself: after our change, a frame answers it only when it
// echoes our current generation (heard on any link) or, on the link it came
// from, one of our frames sent after the change (a peer from before the
// echoed generation); once one frame of a peer generation answers, the
// generation does.
TEST(RoleHealthRace, AnswerNeedsTheEchoOfAFrameSentAfterOurChange) {
    Harness primary(Role::primary);
    primary.frame(SenderState::standby, 0);
    EXPECT_TRUE(primary.machine().peer_state_answers_us());
    primary.machine().on_health(false, "db", primary.now);
    (void)primary.evaluate();  // starting -> releasing: a change of ours
    EXPECT_FALSE(primary.machine().peer_state_answers_us());
    primary.peer_hears_us = false;
    primary.frame(SenderState::standby, 0, MessageType::beat, 1);  // echoes nothing new on link 1
    EXPECT_FALSE(primary.machine().peer_state_answers_us());
    primary.send(0);
    primary.frame(SenderState::standby, 0, MessageType::beat, 0);  // echoes link 0's frame after the change
    EXPECT_TRUE(primary.machine().peer_state_answers_us());
    primary.frame(SenderState::standby, 0, MessageType::beat, 1);  // same generation: still answers
    EXPECT_TRUE(primary.machine().peer_state_answers_us());
    primary.frame(SenderState::starting, 0, MessageType::beat, 1);  // a new generation: echoes ours
    EXPECT_TRUE(primary.machine().peer_state_answers_us());
    // The sequence alone (a peer that echoes no generation) answers on its link only.
    primary.machine().on_health(true, "", primary.now);
    (void)primary.evaluate();  // releasing -> starting
    EXPECT_FALSE(primary.machine().peer_state_answers_us());
    primary.send(1);
    auto beat = primary.beat(SenderState::standby, 0, MessageType::beat, 0);
    beat.echo_generation = 0;
    primary.hear(beat);
    EXPECT_FALSE(primary.machine().peer_state_answers_us()) << "link 0 echoes no frame of ours sent since";
    beat = primary.beat(SenderState::standby, 0, MessageType::beat, 1);
    beat.echo_generation = 0;
    primary.hear(beat);
    EXPECT_TRUE(primary.machine().peer_state_answers_us()) << "link 1 echoes one";
}

// Pending: the checks started with the daemon and have not all answered
// (a run may take up to the check's timeout). A node whose service nobody
// has checked yet takes nothing, by no path; a holder keeps what it holds.

bool logged(const Harness& h, const std::string& line) {
    return std::find(h.log.begin(), h.log.end(), line) != h.log.end();
}

TEST(RoleHealthPending, PrimaryDoesNotAcquireOnTheHandshakeUntilEveryCheckHasAResult) {
    Harness primary(Role::primary);
    primary.machine().on_health(ServiceHealth::pending, "db", primary.now);
    EXPECT_EQ(primary.machine().cannot_serve(), std::nullopt);
    EXPECT_EQ(primary.machine().cannot_take_over(), std::optional<std::string>("checks have no result yet (db)"));
    EXPECT_TRUE(logged(primary, "not taking the addresses yet: checks have no result yet (db)"));
    for (int i = 0; i < 20; ++i) {
        primary.advance(kInterval);
        primary.frame(SenderState::standby, 0);
        const auto actions = primary.evaluate();
        EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
        EXPECT_FALSE(Harness::has(actions, Kind::send_released)) << kinds(actions);
    }
    // Still `starting`: `releasing` would hand the addresses to the standby
    // only to ask them back at the first passing result.
    EXPECT_EQ(primary.machine().hold(), HoldState::starting);
    EXPECT_TRUE(primary.changes.empty());

    primary.machine().on_health(ServiceHealth::passing, "", primary.now);
    EXPECT_EQ(primary.machine().cannot_take_over(), std::nullopt);
    primary.frame(SenderState::standby, 0);
    const auto actions = primary.evaluate();
    const Action* acquire = Harness::find(actions, Kind::acquire);
    ASSERT_NE(acquire, nullptr) << kinds(actions);
    EXPECT_EQ(acquire->reason, "secondary is standing by");
}

// The restarted primary with a dead service: asking the active secondary
// for the addresses before its check answered would move them twice (to
// the primary, and back when the check fails).
TEST(RoleHealthPending, PrimaryDoesNotAskAnActiveSecondaryForTheAddresses) {
    for (const bool passes : {true, false}) {
        SCOPED_TRACE(passes ? "the first result passes" : "the first result fails");
        Harness primary(Role::primary);
        primary.machine().on_health(ServiceHealth::pending, "db", primary.now);
        for (int i = 0; i < 20; ++i) {
            primary.advance(kInterval);
            primary.frame(SenderState::active, 1);
            const auto actions = primary.evaluate();
            EXPECT_TRUE(actions.empty()) << kinds(actions);
            EXPECT_EQ(primary.machine().outgoing_type(), MessageType::beat);
        }
        primary.machine().on_health(passes, passes ? "" : "db", primary.now);
        primary.frame(SenderState::active, 1);
        const auto actions = primary.evaluate();
        EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
        if (passes) {
            EXPECT_EQ(primary.machine().outgoing_type(), MessageType::release_request);
            EXPECT_EQ(primary.machine().hold(), HoldState::starting);
        } else {
            EXPECT_EQ(primary.machine().outgoing_type(), MessageType::beat);
            EXPECT_EQ(primary.machine().hold(), HoldState::releasing);
        }
    }
}

// Nobody answers: the pending primary probes (so the first passing result
// can take the addresses at once) but claims nothing.
TEST(RoleHealthPending, PrimaryProbesASilenceButClaimsOnlyAfterTheFirstPassingResult) {
    Harness primary(Role::primary);
    primary.machine().on_health(ServiceHealth::pending, "db", primary.now);
    primary.peer(PeerState::dead);
    int probes = 0;
    for (int i = 0; i < 60; ++i) {
        primary.advance(kInterval);
        const auto actions = primary.evaluate();
        EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
        probes += Harness::has(actions, Kind::probe) ? 1 : 0;
    }
    EXPECT_GE(probes, 50);
    primary.machine().on_health(ServiceHealth::passing, "", primary.now);
    const auto actions = primary.evaluate();
    const Action* acquire = Harness::find(actions, Kind::acquire);
    ASSERT_NE(acquire, nullptr) << kinds(actions);
    EXPECT_EQ(acquire->reason, "no secondary answers and the addresses are free");
}

// A standby with pending checks takes nothing: not on a handover, not when
// the primary dies. Routine at every start: logged, not mailed.
TEST(RoleHealthPending, StandbyTakesNothingUntilEveryCheckHasAResult) {
    Harness secondary(Role::secondary);
    secondary.frame(SenderState::active, 1);
    (void)secondary.evaluate();
    secondary.machine().on_health(ServiceHealth::pending, "db, smtp", secondary.now);
    EXPECT_TRUE(logged(secondary, "no takeover yet: checks have no result yet (db, smtp)"));
    secondary.frame(SenderState::releasing, 1, MessageType::released);
    auto actions = secondary.evaluate();
    EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
    EXPECT_FALSE(notified(actions, "cannot stand by")) << kinds(actions);
    secondary.peer(PeerState::dead);
    for (int i = 0; i < 50; ++i) {
        secondary.advance(kInterval);
        actions = secondary.evaluate();
        EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
        EXPECT_FALSE(Harness::has(actions, Kind::notify)) << kinds(actions);
    }
    EXPECT_EQ(secondary.machine().hold(), HoldState::standby);
    secondary.machine().on_health(ServiceHealth::pending, "smtp", secondary.now);  // db answered
    EXPECT_FALSE(Harness::has(secondary.evaluate(), Kind::acquire));
    EXPECT_EQ(secondary.machine().cannot_take_over(), std::optional<std::string>("checks have no result yet (smtp)"));

    secondary.machine().on_health(ServiceHealth::passing, "", secondary.now);
    secondary.advance(kInterval);
    actions = secondary.evaluate();
    const Action* acquire = Harness::find(actions, Kind::acquire);
    ASSERT_NE(acquire, nullptr) << kinds(actions);
    // The primary's last word came before it went dead: the timeout path
    // (probed meanwhile), not a handover (c6d40d3).
    EXPECT_EQ(acquire->reason, "peer dead: every link silent");
}

// Pending never makes a holder give the addresses up (nothing is known
// against it); failback goes on as without checks.
TEST(RoleHealthPending, HolderKeepsTheAddressesWhilePending) {
    for (const Role role : {Role::primary, Role::secondary}) {
        SCOPED_TRACE(role == Role::primary ? "primary" : "secondary");
        Harness holder(role);
        holder.make_active(1);
        holder.machine().on_health(ServiceHealth::pending, "db", holder.now);
        EXPECT_TRUE(logged(holder, "keeping the addresses: checks have no result yet (db)"));
        EXPECT_EQ(holder.machine().cannot_serve(), std::nullopt);
        const SenderState peer_state = role == Role::primary ? SenderState::standby : SenderState::starting;
        for (int i = 0; i < 20; ++i) {
            holder.advance(kInterval);
            holder.frame(peer_state, 1);
            const auto actions = holder.evaluate();
            EXPECT_TRUE(actions.empty()) << kinds(actions);
        }
        EXPECT_EQ(holder.machine().hold(), HoldState::active);
        if (role == Role::secondary) {
            holder.frame(SenderState::starting, 1, MessageType::release_request);
            const auto actions = holder.evaluate();
            const Action* release = Harness::find(actions, Kind::release);
            ASSERT_NE(release, nullptr) << kinds(actions);
            EXPECT_EQ(release->reason, "primary is back and asks for its addresses");
        }
        holder.expect_transitions_consistent();
    }
}

}  // namespace
}  // namespace fo::role
