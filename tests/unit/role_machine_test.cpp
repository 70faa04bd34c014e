#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "role_harness.hpp"

namespace fo::role {
namespace {

// ---------------------------------------------------------------------------
// The situation table: from a setup, one evaluate(); the actions asked for,
// and the hold state and term once they completed.

struct Expected {
    Kind kind;
    std::string reason_prefix;  // compared with the start of the reason
    bool forced = false;
};

struct Situation {
    const char* name;
    Role role;
    std::function<void(Harness&)> setup;
    std::vector<Expected> actions;  // exactly these, in order
    HoldState hold_after;           // after the actions completed (acquire/release succeed)
    std::uint64_t term_after;
    MessageType outgoing_after = MessageType::beat;
};

std::vector<Situation> situations() {
    return {
        {"primary, peer never heard: probe",
         Role::primary,
         [](Harness& h) { h.peer(PeerState::waiting); },
         {{Kind::probe, ""}},
         HoldState::starting,
         0},
        {"primary, secondary standing by: acquire without probes",
         Role::primary,
         [](Harness& h) { h.frame(SenderState::standby, 0); },
         {{Kind::acquire, "secondary is standing by"}},
         HoldState::active,
         1},
        {"primary, secondary released: acquire",
         Role::primary,
         [](Harness& h) { h.frame(SenderState::standby, 4, MessageType::released); },
         {{Kind::acquire, "secondary released the addresses"}},
         HoldState::active,
         5},
        {"primary, secondary active: ask for the addresses, no action",
         Role::primary,
         [](Harness& h) { h.frame(SenderState::active, 3); },
         {},
         HoldState::starting,
         0,
         MessageType::release_request},
        {"primary, secondary dead: probe first",
         Role::primary,
         [](Harness& h) {
             h.frame(SenderState::starting, 0);
             h.peer(PeerState::dead);
         },
         {{Kind::notify, "standby lost"}, {Kind::probe, ""}},
         HoldState::starting,
         0},
        {"primary, holding, loses its service carrier: forced release to releasing",
         Role::primary,
         [](Harness& h) {
             h.make_active();
             h.machine().on_carrier(false, false, h.now);
         },
         {{Kind::release, "our service link is down", true}, {Kind::send_released, ""}},
         HoldState::releasing,
         1},
        {"primary, starting, loses its service carrier: releasing, says released",
         Role::primary,
         [](Harness& h) {
             h.frame(SenderState::active, 2);
             h.machine().on_carrier(false, false, h.now);
         },
         {{Kind::send_released, ""}},
         HoldState::releasing,
         0},
        {"primary, releasing, carrier back, secondary active: starting, asks",
         Role::primary,
         [](Harness& h) {
             h.frame(SenderState::active, 2);
             h.machine().on_carrier(false, false, h.now);
             h.evaluate();
             h.machine().on_carrier(true, true, h.now);
         },
         {},
         HoldState::starting,
         0,
         MessageType::release_request},
        {"secondary, primary active: nothing",
         Role::secondary,
         [](Harness& h) { h.frame(SenderState::active, 1); },
         {},
         HoldState::standby,
         0},
        {"secondary, primary says released: handover without probes",
         Role::secondary,
         [](Harness& h) { h.frame(SenderState::starting, 1, MessageType::released); },
         {{Kind::acquire, "primary handed over"}},
         HoldState::active,
         2},
        {"secondary, primary stopping: handover",
         Role::secondary,
         [](Harness& h) { h.frame(SenderState::stopping, 3); },
         {{Kind::acquire, "primary handed over (stopping)"}},
         HoldState::active,
         4},
        {"secondary, primary releasing: handover",
         Role::secondary,
         [](Harness& h) { h.frame(SenderState::releasing, 3); },
         {{Kind::acquire, "primary handed over (releasing)"}},
         HoldState::active,
         4},
        {"secondary, peer dead: probe, no acquire yet",
         Role::secondary,
         [](Harness& h) {
             h.frame(SenderState::active, 1);
             h.peer(PeerState::dead);
         },
         {{Kind::probe, ""}},
         HoldState::standby,
         0},
        {"secondary, degraded: notify, probe, no takeover",
         Role::secondary,
         [](Harness& h) {
             h.frame(SenderState::active, 1);
             h.peer(PeerState::degraded);
         },
         {{Kind::notify, "network anomaly: link eth1 silent"}, {Kind::probe, ""}},
         HoldState::standby,
         0},
        {"secondary, own service carrier down: cannot stand by",
         Role::secondary,
         [](Harness& h) {
             h.frame(SenderState::stopping, 1);
             h.machine().on_carrier(false, false, h.now);
         },
         {{Kind::notify, "cannot stand by"}},
         HoldState::standby,
         0},
        {"secondary, holding, primary back and asking (no hold-down): release with Test",
         Role::secondary,
         [](Harness& h) {
             h.make_active(1);
             h.frame(SenderState::starting, 1, MessageType::release_request);
         },
         {{Kind::release, "primary is back and asks for its addresses", false}, {Kind::send_released, ""}},
         HoldState::standby,
         2},
        {"secondary, holding, primary asking inside the hold-down: nothing",
         Role::secondary,
         [](Harness& h) {
             h.machine().set_failback(false, 10'000 * kMs);
             h.make_active(1);
             h.frame(SenderState::starting, 1, MessageType::release_request);
         },
         {},
         HoldState::active,
         2},
        {"secondary, holding, manual failback: notify only",
         Role::secondary,
         [](Harness& h) {
             h.machine().set_failback(true, 0);
             h.make_active(1);
             h.frame(SenderState::starting, 1, MessageType::release_request);
         },
         {{Kind::notify, "primary is back; failback is manual"}},
         HoldState::active,
         2},
        {"both holding, peer newer: forced yield",
         Role::secondary,
         [](Harness& h) {
             h.make_active(1);
             h.frame(SenderState::active, 3);
         },
         {{Kind::release, "peer holds the addresses too, with a newer term (3 over our 2)", true},
          {Kind::send_released, ""}},
         HoldState::standby,
         2},
        {"both holding, peer older: keep and announce",
         Role::primary,
         [](Harness& h) {
             h.make_active(4);
             h.frame(SenderState::active, 2);
         },
         {{Kind::announce, ""}},
         HoldState::active,
         5},
        {"both holding, tie: the primary keeps",
         Role::primary,
         [](Harness& h) {
             h.make_active(0);
             h.frame(SenderState::active, 1);
         },
         {{Kind::announce, ""}},
         HoldState::active,
         1},
        {"both holding, tie: the secondary yields",
         Role::secondary,
         [](Harness& h) {
             h.make_active(0);
             h.frame(SenderState::active, 1);
         },
         {{Kind::release, "peer holds the addresses too", true}, {Kind::send_released, ""}},
         HoldState::standby,
         1},
        {"both holding but the peer is dead: its last frame changes nothing",
         Role::secondary,
         [](Harness& h) {
             h.make_active(0);
             h.frame(SenderState::active, 9);
             h.peer(PeerState::dead);
         },
         {},
         HoldState::active,
         1},
    };
}

TEST(RoleMachine, SituationTable) {
    for (const Situation& situation : situations()) {
        SCOPED_TRACE(situation.name);
        Harness h(situation.role);
        situation.setup(h);
        const auto actions = h.evaluate();
        // The release's send_released comes from on_addresses_removed: run
        // the actions, then compare with what was asked, in order.
        h.complete(actions);
        auto all = actions;
        for (auto more = h.machine().take_actions(); !more.empty(); more = h.machine().take_actions()) {
            all.insert(all.end(), more.begin(), more.end());
        }
        ASSERT_EQ(all.size(), situation.actions.size()) << kinds(all);
        for (std::size_t i = 0; i < situation.actions.size(); ++i) {
            EXPECT_EQ(all[i].kind, situation.actions[i].kind) << kinds(all);
            EXPECT_EQ(all[i].reason.rfind(situation.actions[i].reason_prefix, 0), 0U) << all[i].reason;
            EXPECT_EQ(all[i].forced, situation.actions[i].forced) << kinds(all);
        }
        EXPECT_EQ(h.machine().hold(), situation.hold_after) << to_string(h.machine().hold());
        EXPECT_EQ(h.machine().term(), situation.term_after);
        EXPECT_EQ(h.machine().outgoing_type(), situation.outgoing_after);
        EXPECT_FALSE(h.machine().busy());
        h.expect_transitions_consistent();
    }
}

TEST(RoleMachine, EveryTransitionIsLoggedOnceCountedAndPublished) {
    Harness h(Role::secondary);
    h.make_active(1);
    h.frame(SenderState::starting, 1, MessageType::release_request);
    h.complete(h.evaluate());
    h.machine().take_actions();
    ASSERT_EQ(h.changes.size(), 2U);
    EXPECT_EQ(h.changes[0].from, HoldState::standby);
    EXPECT_EQ(h.changes[0].to, HoldState::active);
    EXPECT_EQ(h.changes[1].to, HoldState::standby);
    EXPECT_EQ(h.changes[1].reason, "primary is back and asks for its addresses");
    const std::string expected = "role secondary: active -> standby reason=primary is back and asks for its addresses";
    EXPECT_EQ(std::count(h.log.begin(), h.log.end(), expected), 1);
    EXPECT_EQ(std::count(h.log.begin(), h.log.end(),
                         "role secondary: standby -> active reason=primary handed over (stopping)"),
              1);
    ASSERT_TRUE(h.machine().last_change());
    EXPECT_EQ(h.machine().last_change()->to, HoldState::standby);
    h.machine().shutdown(h.now);
    EXPECT_EQ(h.machine().hold(), HoldState::stopping);
    EXPECT_TRUE(Harness::has(h.machine().take_actions(), Kind::send_released));
    h.machine().shutdown(h.now);  // twice: nothing more
    EXPECT_TRUE(h.machine().take_actions().empty());
    EXPECT_EQ(h.changes.size(), 3U);
    h.expect_transitions_consistent();
}

TEST(RoleMachine, ShutdownWhileHoldingIsAForcedRelease) {
    Harness h(Role::primary);
    h.make_active();
    h.machine().shutdown(h.now);
    const auto actions = h.machine().take_actions();
    const Action* release = Harness::find(actions, Kind::release);
    ASSERT_NE(release, nullptr);
    EXPECT_TRUE(release->forced);
    EXPECT_EQ(release->reason, "daemon stopping");
    h.complete(actions);
    EXPECT_EQ(h.machine().hold(), HoldState::stopping);
    EXPECT_TRUE(Harness::has(h.machine().take_actions(), Kind::send_released));
    // Stopping: nothing is decided any more.
    h.frame(SenderState::standby, 0, MessageType::released);
    EXPECT_TRUE(h.evaluate().empty());
    h.expect_transitions_consistent();
}

// (a) A "released" heard before our own failback is answered by it: it must
// not trigger a second takeover once we are back in standby.
TEST(RoleMachine, RegressionStaleReleasedBeforeFailbackDoesNotRetriggerTakeover) {
    Harness h(Role::secondary);
    h.make_active(1);  // took over on the primary's "released" (stopping)
    // While we hold, the primary's last "released" frames are still arriving.
    h.frame(SenderState::stopping, 1, MessageType::released);
    EXPECT_TRUE(h.evaluate().empty());
    // The primary restarts (a new session, which heard our later frames) and asks; we fail back.
    h.advance(kInterval);
    h.peer_epoch = 0x5EEE;
    h.frame(SenderState::starting, 0, MessageType::release_request);
    auto actions = h.evaluate();
    ASSERT_TRUE(Harness::has(actions, Kind::release)) << kinds(actions);
    h.complete(actions);
    h.machine().take_actions();
    ASSERT_EQ(h.machine().hold(), HoldState::standby);
    // Ticks go on while the primary acquires: no takeover on the old message.
    for (int i = 0; i < 5; ++i) {
        h.advance(kInterval);
        EXPECT_FALSE(Harness::has(h.evaluate(), Kind::acquire));
        h.frame(SenderState::starting, 0);
    }
    h.frame(SenderState::active, 3);
    EXPECT_FALSE(Harness::has(h.evaluate(), Kind::acquire));
    EXPECT_EQ(h.machine().hold(), HoldState::standby);
    h.expect_transitions_consistent();
}

// (b) Handover skips probes; a timeout takeover needs at least two probes a
// probe period apart and no answer.
TEST(RoleMachine, RegressionHandoverSkipsProbesTimeoutNeedsTwoProbes) {
    for (const auto state : {SenderState::releasing, SenderState::stopping}) {
        Harness h(Role::secondary);
        h.frame(state, 1);
        const auto actions = h.evaluate();
        EXPECT_FALSE(Harness::has(actions, Kind::probe)) << kinds(actions);
        EXPECT_TRUE(Harness::has(actions, Kind::acquire)) << kinds(actions);
    }
    {
        Harness h(Role::secondary);
        h.frame(SenderState::active, 1, MessageType::released);
        EXPECT_TRUE(Harness::has(h.evaluate(), Kind::acquire));
    }
    Harness h(Role::secondary);
    h.frame(SenderState::active, 1);
    h.advance(kInterval);
    h.peer(PeerState::dead);
    int probes = 0;
    int evaluations = 0;
    for (; evaluations < 10; ++evaluations) {
        const auto actions = h.evaluate();
        probes += Harness::has(actions, Kind::probe) ? 1 : 0;
        if (Harness::has(actions, Kind::acquire)) {
            break;
        }
        h.advance(kInterval);
    }
    EXPECT_GE(probes, 2);
    EXPECT_LT(evaluations, 10);
}

TEST(RoleMachine, RegressionTimeoutTakeoverRefusedWhileTheAddressAnswers) {
    Harness h(Role::secondary);
    h.frame(SenderState::active, 1);
    h.advance(kInterval);
    h.peer(PeerState::dead);
    int notified = 0;
    for (int i = 0; i < 10; ++i) {
        const auto actions = h.evaluate();
        EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
        if (Harness::has(actions, Kind::probe)) {
            h.machine().on_claim(kAddress, h.now + 1);  // the holder answers every probe
        }
        notified += Harness::has(actions, Kind::notify) ? 1 : 0;
        h.advance(kInterval);
    }
    EXPECT_EQ(notified, 1);  // once, not every tick
    EXPECT_EQ(h.machine().hold(), HoldState::standby);
}

// (c) Hold-down and manual failback.
TEST(RoleMachine, RegressionFailbackHoldDownAndManual) {
    Harness h(Role::secondary, [](RoleConfig& c) { c.failback_hold_down_ns = 1'000 * kMs; });
    h.make_active(1);
    h.frame(SenderState::starting, 1, MessageType::release_request);
    for (int i = 0; i < 9; ++i) {
        EXPECT_TRUE(h.evaluate().empty());
        h.advance(kInterval);
        h.frame(SenderState::starting, 1, MessageType::release_request);
    }
    h.advance(kInterval);
    EXPECT_TRUE(Harness::has(h.evaluate(), Kind::release));

    Harness m(Role::secondary, [](RoleConfig& c) { c.manual_failback = true; });
    m.make_active(1);
    int notices = 0;
    for (int i = 0; i < 5; ++i) {
        m.frame(SenderState::starting, 1, MessageType::release_request);
        const auto actions = m.evaluate();
        EXPECT_FALSE(Harness::has(actions, Kind::release));
        notices += Harness::has(actions, Kind::notify) ? 1 : 0;
        m.advance(kInterval);
    }
    EXPECT_EQ(notices, 1);
    // foctl release: hands back now, whatever the hold-down.
    EXPECT_FALSE(m.machine().admin_release(m.view, m.now).has_value());
    const auto actions = m.machine().take_actions();
    const Action* release = Harness::find(actions, Kind::release);
    ASSERT_NE(release, nullptr) << kinds(actions);
    EXPECT_FALSE(release->forced);
    m.complete(actions);
    EXPECT_EQ(m.machine().hold(), HoldState::standby);
    // Refused where it makes no sense.
    EXPECT_TRUE(m.machine().admin_release(m.view, m.now).has_value());
    Harness p(Role::primary);
    EXPECT_TRUE(p.machine().admin_release(p.view, p.now).has_value());
}

// (d) A Test veto is remembered until the peer's state changes.
TEST(RoleMachine, RegressionTestVetoRememberedUntilThePeerChanges) {
    Harness h(Role::secondary);
    h.frame(SenderState::stopping, 1);
    auto actions = h.evaluate();
    ASSERT_TRUE(Harness::has(actions, Kind::acquire));
    h.complete(actions, false);  // Test said no
    EXPECT_EQ(h.machine().counters().vetoed_acquisitions, 1U);
    EXPECT_EQ(h.machine().hold(), HoldState::standby);
    for (int i = 0; i < 5; ++i) {
        h.advance(kInterval);
        h.frame(SenderState::stopping, 1);
        EXPECT_FALSE(Harness::has(h.evaluate(), Kind::acquire));
    }
    h.peer(PeerState::dead);  // the peer changed: ask Test again (after probes)
    bool asked = false;
    for (int i = 0; i < 5 && !asked; ++i) {
        asked = Harness::has(h.evaluate(), Kind::acquire);
        h.advance(kInterval);
    }
    EXPECT_TRUE(asked);
    EXPECT_EQ(h.machine().term(), 0U);  // a vetoed acquisition takes no term
}

// (e) Both holding: the newer term wins, the older yields at once and
// forced, a tie goes to the primary; the keeper announces once per conflict.
TEST(RoleMachine, RegressionBothHoldingAnnounceOncePerConflict) {
    Harness h(Role::primary);
    h.make_active(4);  // term 5
    int announces = 0;
    for (int i = 0; i < 5; ++i) {
        h.frame(SenderState::active, 3);
        const auto actions = h.evaluate();
        EXPECT_FALSE(Harness::has(actions, Kind::release));
        announces += Harness::has(actions, Kind::announce) ? 1 : 0;
        h.advance(kInterval);
    }
    EXPECT_EQ(announces, 1);
    EXPECT_EQ(h.machine().counters().reasserted, 1U);
    // The peer gave up, then a new conflict: announce again.
    h.frame(SenderState::standby, 3, MessageType::released);
    EXPECT_FALSE(Harness::has(h.evaluate(), Kind::announce));
    h.frame(SenderState::active, 4);
    EXPECT_TRUE(Harness::has(h.evaluate(), Kind::announce));
    EXPECT_EQ(h.machine().counters().reasserted, 2U);
    EXPECT_EQ(h.machine().hold(), HoldState::active);
    // A newer term: yield at once, forced (no Test veto can keep two owners).
    h.frame(SenderState::active, 6);
    const auto actions = h.evaluate();
    const Action* release = Harness::find(actions, Kind::release);
    ASSERT_NE(release, nullptr) << kinds(actions);
    EXPECT_TRUE(release->forced);
    EXPECT_EQ(h.machine().counters().yielded_to_newer_term, 1U);
    EXPECT_TRUE(h.machine().busy());
    EXPECT_TRUE(h.evaluate().empty());  // one release at a time
    h.complete(actions);
    EXPECT_EQ(h.machine().hold(), HoldState::starting);
    h.machine().take_actions();
    // Yielded: the primary now asks for the addresses, it does not re-acquire.
    h.frame(SenderState::active, 6);
    EXPECT_FALSE(Harness::has(h.evaluate(), Kind::acquire));
    EXPECT_EQ(h.machine().outgoing_type(), MessageType::release_request);
    h.expect_transitions_consistent();
}

// (f) A dead peer's last "active" frame never makes us yield, and the term
// we take over with is above it.
TEST(RoleMachine, RegressionDeadPeersLastActiveFrameNeverMakesUsYield) {
    Harness h(Role::secondary);
    h.frame(SenderState::active, 7);
    h.advance(kInterval);
    h.peer(PeerState::dead);
    std::vector<Action> actions;
    for (int i = 0; i < 10 && !Harness::has(actions, Kind::acquire); ++i) {
        actions = h.evaluate();
        h.advance(kInterval);
    }
    ASSERT_TRUE(Harness::has(actions, Kind::acquire));
    h.complete(actions);
    EXPECT_EQ(h.machine().term(), 8U);
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(h.evaluate().empty());
        h.advance(kInterval);
    }
    // The same peer resumes (a pause, same session) still saying active with its old term: we keep.
    h.frame(SenderState::active, 7);
    const auto resumed = h.evaluate();
    EXPECT_FALSE(Harness::has(resumed, Kind::release)) << kinds(resumed);
    EXPECT_TRUE(Harness::has(resumed, Kind::announce));
    EXPECT_EQ(h.machine().hold(), HoldState::active);
}

// (g) Acquisition term = max(own, highest heard) + 1.
TEST(RoleMachine, RegressionTermIsAboveEveryTermHeardOrHeld) {
    struct Case {
        std::uint64_t heard_before_first;
        std::uint64_t heard_before_second;
        std::uint64_t first_term;
        std::uint64_t second_term;
    };
    for (const Case c : {Case{0, 0, 1, 2}, Case{7, 0, 8, 9}, Case{2, 30, 3, 31}, Case{0, 1, 1, 2}}) {
        Harness h(Role::primary);
        h.make_active(c.heard_before_first);
        EXPECT_EQ(h.machine().term(), c.first_term);
        // Lose the service carrier, hand over, come back, reacquire.
        h.machine().on_carrier(false, false, h.now);
        h.complete(h.evaluate());
        h.machine().take_actions();
        h.machine().on_carrier(true, false, h.now);
        h.frame(SenderState::active, c.heard_before_second);
        h.evaluate();
        h.frame(SenderState::standby, c.heard_before_second, MessageType::released);
        const auto actions = h.evaluate();
        ASSERT_TRUE(Harness::has(actions, Kind::acquire)) << kinds(actions);
        h.complete(actions);
        EXPECT_EQ(h.machine().term(), c.second_term);
        EXPECT_EQ(h.machine().peer_term(), c.heard_before_second);
    }
}

TEST(RoleMachine, PureWatcherGoesActiveWithoutActions) {
    Harness h(Role::secondary, [](RoleConfig& c) { c.addresses.clear(); });
    h.frame(SenderState::stopping, 1);
    EXPECT_TRUE(h.evaluate().empty());
    EXPECT_EQ(h.machine().hold(), HoldState::active);
}

// ---------------------------------------------------------------------------
// Findings of the adversarial read.

/// The primary hands over (service carrier lost), comes back and the
/// secondary fails back; returns the primary's "releasing" frame of the
/// handover, which the secondary never received (lost on the link).
wire::Heartbeat handover_and_failback(Harness& h, std::uint8_t link_of_lost_frame) {
    h.frame(SenderState::releasing, 1, MessageType::released, 0);
    const wire::Heartbeat lost = h.beat(SenderState::releasing, 1, MessageType::beat, link_of_lost_frame);
    auto actions = h.evaluate();
    EXPECT_TRUE(Harness::has(actions, Kind::acquire)) << kinds(actions);
    h.complete(actions);
    EXPECT_EQ(h.machine().hold(), HoldState::active);
    // The primary's carrier is back: it asks, on every link.
    h.advance(kInterval);
    h.frame(SenderState::starting, 1, MessageType::release_request, 0);
    h.frame(SenderState::starting, 1, MessageType::release_request, 1);
    actions = h.evaluate();
    EXPECT_TRUE(Harness::has(actions, Kind::release)) << kinds(actions);
    h.complete(actions);
    h.machine().take_actions();
    EXPECT_EQ(h.machine().hold(), HoldState::standby);
    return lost;
}

// FINDING, fixed: the session accepts a frame that arrives out of order
// inside its link's 64-beat window (RFC 4303), and on_peer_frame took every
// accepted frame as the peer's current state. A "releasing" frame of the
// primary's handover that was delayed (or lost on the wire and replayed by
// someone who recorded it) arriving after the failback made the secondary
// take the addresses again at once, without probes, while the primary was
// acquiring on its "released": two owners and an address moved on an old frame.
TEST(RoleMachine, ReorderedOlderFrameOfALinkNeverChangesThePeersState) {
    Harness h(Role::secondary);
    const wire::Heartbeat late = handover_and_failback(h, 0);
    h.hear(late);  // sequence below the link's newest: accepted by the window
    EXPECT_EQ(h.machine().peer_sender_state(), SenderState::starting);
    const auto actions = h.evaluate();
    EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
    EXPECT_EQ(h.machine().hold(), HoldState::standby);
}

// FINDING, fixed: the same on another link. Each link numbers its own
// frames, so the sequence cannot order a frame against the other links'
// frames; a frame delayed on link 1 past the next frame on link 0 (or lost
// there and replayed within link 1's window) regressed the peer's state.
// Every frame now carries the sender's generation (its count of state
// changes), and a frame of an older generation is history.
TEST(RoleMachine, OlderFrameOnAnotherLinkNeverChangesThePeersState) {
    Harness h(Role::secondary);
    const wire::Heartbeat late = handover_and_failback(h, 1);
    h.hear(late);
    const auto actions = h.evaluate();
    EXPECT_FALSE(Harness::has(actions, Kind::acquire)) << kinds(actions);
    EXPECT_EQ(h.machine().hold(), HoldState::standby);
}

// Acquisitions complete later (their hooks run in the background): while
// one runs we say `starting` (we hold nothing yet, and `standby` would invite
// the peer to take the addresses too), and what we hear meanwhile is kept.
TEST(RoleMachine, WhileAcquiringWeSayStartingNeverActiveNorStandby) {
    Harness h(Role::secondary);
    h.frame(SenderState::stopping, 0, MessageType::released);
    const auto actions = h.evaluate();
    ASSERT_TRUE(Harness::has(actions, Kind::acquire)) << kinds(actions);
    const auto generation = h.machine().generation();
    EXPECT_EQ(h.machine().hold(), HoldState::standby);
    EXPECT_EQ(h.machine().advertised(), HoldState::starting);
    h.complete(actions);
    EXPECT_EQ(h.machine().advertised(), HoldState::active);
    EXPECT_GT(h.machine().generation(), generation) << "each change of what we say is a new generation";
}

TEST(RoleMachine, ReleaseRequestHeardDuringOurAcquisitionIsNotLost) {
    Harness h(Role::secondary, [](RoleConfig& c) { c.failback_hold_down_ns = 0; });
    h.frame(SenderState::stopping, 0, MessageType::released);
    const auto actions = h.evaluate();
    ASSERT_TRUE(Harness::has(actions, Kind::acquire));
    // The primary asks for its addresses while our PreAcq hook runs.
    h.advance(kInterval);
    h.frame(SenderState::starting, 0, MessageType::release_request);
    EXPECT_TRUE(h.evaluate().empty()) << "nothing is decided while acquiring";
    h.complete(actions);
    ASSERT_EQ(h.machine().hold(), HoldState::active);
    h.advance(kInterval);
    EXPECT_TRUE(Harness::has(h.evaluate(), Kind::release)) << "the request heard meanwhile is answered";
}

TEST(RoleMachine, ShutdownDuringAnAcquisitionReleasesWhatItGot) {
    Harness h(Role::secondary);
    h.frame(SenderState::stopping, 0, MessageType::released);
    const auto actions = h.evaluate();
    ASSERT_TRUE(Harness::has(actions, Kind::acquire));
    h.machine().shutdown(h.now);
    EXPECT_TRUE(h.machine().take_actions().empty()) << "waits for the acquisition's result";
    EXPECT_EQ(h.machine().advertised(), HoldState::starting) << "never `stopping` while it may still add addresses";
    h.complete(actions);  // the addresses were added before the cancel reached it
    const auto after = h.machine().take_actions();
    const Action* release = Harness::find(after, Kind::release);
    ASSERT_NE(release, nullptr) << kinds(after);
    EXPECT_TRUE(release->forced);
    h.complete(after);
    EXPECT_EQ(h.machine().hold(), HoldState::stopping);
    EXPECT_TRUE(Harness::has(h.machine().take_actions(), Kind::send_released));
}

TEST(RoleMachine, ShutdownDuringACancelledAcquisitionSaysStopping) {
    Harness h(Role::primary);
    h.frame(SenderState::standby, 0);
    const auto actions = h.evaluate();
    ASSERT_TRUE(Harness::has(actions, Kind::acquire));
    h.machine().shutdown(h.now);
    h.complete(actions, false);  // cancelled before the addresses
    EXPECT_EQ(h.machine().hold(), HoldState::stopping);
    EXPECT_FALSE(h.machine().busy());
    EXPECT_TRUE(Harness::has(h.machine().take_actions(), Kind::send_released));
}

TEST(RoleMachine, ShutdownDuringAReleaseEndsInStopping) {
    Harness h(Role::secondary, [](RoleConfig& c) { c.failback_hold_down_ns = 0; });
    h.make_active();
    h.machine().take_actions();
    h.advance(kInterval);
    h.frame(SenderState::starting, 1, MessageType::release_request);
    const auto actions = h.evaluate();
    ASSERT_TRUE(Harness::has(actions, Kind::release));
    h.machine().shutdown(h.now);  // PreRel is running
    h.complete(actions);
    EXPECT_EQ(h.machine().hold(), HoldState::stopping);
}

TEST(RoleMachine, ShutdownWhilePostRelRunsStillEndsInStopping) {
    Harness h(Role::secondary, [](RoleConfig& c) { c.failback_hold_down_ns = 0; });
    h.make_active();
    h.machine().take_actions();
    h.advance(kInterval);
    h.frame(SenderState::starting, 1, MessageType::release_request);
    ASSERT_TRUE(Harness::has(h.evaluate(), Kind::release));
    h.machine().on_addresses_removed(h.now);
    EXPECT_EQ(h.machine().hold(), HoldState::standby);
    h.machine().take_actions();
    h.machine().shutdown(h.now);  // PostRel is running
    h.machine().on_release_result(true, h.now);
    EXPECT_EQ(h.machine().hold(), HoldState::stopping);
    EXPECT_TRUE(Harness::has(h.machine().take_actions(), Kind::send_released));
}

// The send log behind the order of the peer's boots is a ring of our last
// 256 frames per link: after it wrapped, an echo inside it still finds its
// send time, one older than it finds none.
TEST(RoleMachine, BootOrderUsesTheSendTimesOfOurLast256FramesPerLink) {
    Harness h(Role::secondary);
    h.peer_hears_us = false;
    for (int i = 0; i < 300; ++i) {
        h.advance(kMs);
        h.send(0);
    }
    auto old_boot = h.beat(SenderState::active, 1);
    old_boot.echo_sequence = 280;
    h.hear(old_boot);
    ASSERT_EQ(h.machine().peer_sender_state(), SenderState::active);
    h.peer_epoch = 0xB007;
    auto stale = h.beat(SenderState::stopping, 1);
    stale.echo_sequence = 30;  // dropped from the ring: no send time
    h.hear(stale);
    EXPECT_EQ(h.machine().peer_sender_state(), SenderState::active);
    auto earlier = h.beat(SenderState::stopping, 1);
    earlier.echo_sequence = 279;  // inside the ring, sent before what the current boot echoed
    h.hear(earlier);
    EXPECT_EQ(h.machine().peer_sender_state(), SenderState::active);
    auto newer = h.beat(SenderState::starting, 0);
    newer.echo_sequence = 281;
    h.hear(newer);
    EXPECT_EQ(h.machine().peer_sender_state(), SenderState::starting);
}

}  // namespace
}  // namespace fo::role
