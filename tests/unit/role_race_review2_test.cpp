// Second adversarial review of the handover rules (docs/protocol.md,
// "Handovers answer the current state"): the peer's boots ordered across
// links by the send time of what they echo (peer_frames.cpp on_peer_frame).
// Tests marked "Failed before" are the review's findings, fixed; the
// others pin down hunted sequences that turned out safe or bounded.

#include <gtest/gtest.h>

#include "role_harness.hpp"

namespace fo::role {
namespace {

// ---------------------------------------------------------------------------
// Finding A (safety): the send-time order of boots compares echoes made on
// different links, whose one-way delays differ. A frame of the peer's
// previous boot can echo a frame of ours sent later than what its new boot
// echoes, and then it undoes the new boot (the flip-back of c6d40d3's
// finding 1, under asymmetric latency instead of a plain delay).
//
// Sequence: P1 (primary) holds and is heard on both links. Our beat B goes
// out on both links; its link-0 copy towards the primary sits in a queue
// (link 0 from us to the primary is slower than one interval). One interval
// later P1 stops: its stopping/"released" on link 1 echoes our newer link-1
// frame C and is delayed on its way to us (its link-0 copy lost). P1
// restarts at once as P2, whose first frame on link 0 echoes B (the queued
// copy, the only frame of ours it has on link 0): B was sent after anything
// P1's heard frames echoed, so P2 replaces P1. P2 hears our `standby` (an
// answer) and acquires. Then P1's delayed frame arrives on link 1 (its
// session there still has P1's epoch): it echoes C, sent after B, so P1
// replaces P2 again; it answers us (sent after our last change), says
// "released", and the peer is heard: we acquire by handover, without a
// probe. Two holders until the terms resolve it (both sets of hooks run).
//
// Severity: medium-low (needs a lost frame, a delay on the way back, and a
// link-0 queue longer than one interval in the other direction while the
// peer restarts within it), but the result is the dual-holder state the
// rule exists to prevent.
// Suggested fix: a boot once replaced is retired for good (keep the last few
// replaced epochs per peer in RoleMachine, or better, have BeatIntake retire
// an epoch on every link's session when one session replaces it): a restart
// never goes back. The send-time order then only decides which of two boots
// not yet compared is the newer.
// Failed before the retired boots: the secondary acquires on P1's delayed "released" while P2 holds.
TEST(RoleRaceReview2, DelayedFrameOfTheOldBootEchoingALaterFrameOnTheFasterLinkDoesNotUndoTheNewBoot) {
    Harness secondary(Role::secondary);
    Harness p2(Role::primary);
    PeerBoot p1{0xA1, Role::primary};
    secondary.hear(p1.make(secondary, SenderState::active, 1, 0));
    secondary.hear(p1.make(secondary, SenderState::active, 1, 1));
    ASSERT_FALSE(Harness::has(secondary.evaluate(), Kind::acquire));

    // Our beat B on both links; link 0's copy is queued towards the primary.
    secondary.advance(kInterval);
    secondary.send(0);
    secondary.send(1);
    const std::uint64_t queued_on_link0 = secondary.our_sequence[0];

    // P1 stops one interval later: its last word on link 1 echoes our frame C.
    secondary.advance(kInterval);
    const wire::Heartbeat delayed = p1.make(secondary, SenderState::stopping, 1, 1, MessageType::released);

    // P2 boots and has heard only B on link 0.
    PeerBoot p2_boot{0xB2, Role::primary};
    secondary.advance(kInterval / 4);
    wire::Heartbeat first = p2_boot.make(secondary, SenderState::starting, 0, 0);
    first.echo_sequence = queued_on_link0;
    secondary.hear(first);
    auto s = secondary.evaluate();
    ASSERT_FALSE(Harness::has(s, Kind::acquire)) << kinds(s);
    ASSERT_EQ(secondary.machine().peer_sender_state(), SenderState::starting) << "P2 replaced P1";

    // P2 hears our answer and acquires.
    p2.frame(wire_state(secondary.machine().advertised()), secondary.machine().term());
    auto p = decide(p2);
    ASSERT_TRUE(Harness::has(p, Kind::acquire)) << kinds(p);
    ASSERT_EQ(p2.machine().hold(), HoldState::active);

    // P1's delayed frame arrives on link 1.
    secondary.advance(kInterval / 4);
    secondary.hear(delayed);
    s = secondary.evaluate();
    EXPECT_FALSE(Harness::has(s, Kind::acquire)) << "a retired boot handed over while P2 holds: " << kinds(s);
    EXPECT_EQ(secondary.machine().peer_sender_state(), SenderState::starting);
    EXPECT_FALSE(takes(secondary) && takes(p2));
}

// ---------------------------------------------------------------------------
// Finding B (safety): while a frame of the peer's new boot is refused by the
// boot order (a tie, or its echoes lag on a slow link: the two bounded waits
// below), our session has already taken the new boot (our frames echo it)
// but our role machine still acts on the old boot's last word. A pending
// check that gets its first result in that window hands over on a dead
// boot's "released" while the new boot takes our `standby`, which echoes it,
// for an answer.
//
// Sequence: P1 (primary) says stopping/"released" on link 1; our check has
// no result yet, so we do not take (rule 6). P1 restarts at once as P2,
// whose first frame on link 0 echoes the link-0 copy of the beat whose
// link-1 copy P1 echoed: refused (a tie), our role still sees P1's
// "released". Our next beat, `standby`, echoes P2 (its session is up) and P2,
// unchanged since its boot, acquires on it. Our check passes: P1's
// "released" answers us and the peer is heard (P2's frames keep the detector
// alive), so we acquire by handover, without a probe. Two holders.
//
// Severity: medium (a restart within one interval of the primary's stop, or
// within the link delay on a slow link, and the secondary's first check
// result in that window; e.g. both daemons restarted together by a config
// push).
// Suggested fix: a frame of another boot, even one refused by the order,
// voids the handover signals of the current boot (peer_sent_released_,
// answering_generation_): we no longer know which boot is the present, so
// only the timeout path (probes) may take; or have the echo source echo
// only a boot the role machine took.
// Failed before the retired boots: the secondary acquires on P1's "released" while P2 holds.
TEST(RoleRaceReview2, PendingCheckPassingWhileTheNewBootIsRefusedDoesNotHandOverOnTheOldBoot) {
    Harness secondary(Role::secondary);
    Harness p2(Role::primary);
    secondary.machine().on_health(ServiceHealth::pending, "web", secondary.now);
    PeerBoot p1{0xA1, Role::primary};
    secondary.hear(p1.make(secondary, SenderState::active, 1, 0));
    ASSERT_FALSE(Harness::has(secondary.evaluate(), Kind::acquire));

    // One beat of ours on both links; P1 stops, its "released" on link 1
    // echoes that beat's link-1 copy. Our check has no result: we stay.
    secondary.advance(kInterval);
    secondary.send(0);
    const std::uint64_t beat_link0 = secondary.our_sequence[0];
    secondary.hear(p1.make(secondary, SenderState::stopping, 1, 1, MessageType::released));
    auto s = secondary.evaluate();
    ASSERT_FALSE(Harness::has(s, Kind::acquire)) << kinds(s);

    // P2 boots and echoes the link-0 copy of the same beat: refused by the order.
    PeerBoot p2_boot{0xB2, Role::primary};
    secondary.advance(kInterval / 10);
    wire::Heartbeat first = p2_boot.make(secondary, SenderState::starting, 0, 0);
    first.echo_sequence = beat_link0;
    secondary.hear(first);
    ASSERT_EQ(secondary.machine().peer_sender_state(), SenderState::stopping) << "the tie keeps P1";

    // Our `standby` (it echoes P2) reaches P2, which acquires on it.
    p2.frame(wire_state(secondary.machine().advertised()), secondary.machine().term());
    auto p = decide(p2);
    ASSERT_TRUE(Harness::has(p, Kind::acquire)) << kinds(p);

    // Our check's first result: passing.
    secondary.advance(kInterval / 10);
    secondary.machine().on_health(ServiceHealth::passing, "", secondary.now);
    s = decide(secondary);
    EXPECT_FALSE(Harness::has(s, Kind::acquire)) << "handed over on a replaced boot's word: " << kinds(s);
    EXPECT_FALSE(takes(secondary) && takes(p2));
}

// ---------------------------------------------------------------------------
// Liveness, bounded: our beat goes out on every link at one time, so a new
// boot whose first frame echoes the link-0 copy of the very beat whose
// link-1 copy the old boot echoed (the peer restarted between the two
// copies' arrivals) echoes nothing sent strictly later: refused. Its next
// frame echoes our next beat and is taken, so the new boot waits at most one
// of our intervals (plus the link delay), never forever.
TEST(RoleRaceReview2, NewBootEchoingTheSameBeatAsTheOldBootIsTakenAtItsNextFrame) {
    Harness secondary(Role::secondary);
    PeerBoot p1{0xA1, Role::primary};
    secondary.hear(p1.make(secondary, SenderState::active, 1, 0));
    ASSERT_FALSE(Harness::has(secondary.evaluate(), Kind::acquire));

    // One beat of ours on both links at one time; P1 echoes its link-1 copy.
    secondary.advance(kInterval);
    secondary.send(0);
    const std::uint64_t beat_link0 = secondary.our_sequence[0];
    secondary.hear(p1.make(secondary, SenderState::active, 1, 1));

    // P2 boots and echoes the link-0 copy of the same beat.
    PeerBoot p2_boot{0xB2, Role::primary};
    secondary.advance(kInterval / 10);
    wire::Heartbeat first = p2_boot.make(secondary, SenderState::starting, 0, 0);
    first.echo_sequence = beat_link0;
    secondary.hear(first);
    EXPECT_EQ(secondary.machine().peer_sender_state(), SenderState::active) << "a tie keeps the current boot";

    // Its next frame echoes our next beat: taken.
    secondary.advance(kInterval);
    secondary.hear(p2_boot.make(secondary, SenderState::starting, 0, 0));
    EXPECT_EQ(secondary.machine().peer_sender_state(), SenderState::starting);
    const auto s = secondary.evaluate();
    EXPECT_FALSE(Harness::has(s, Kind::acquire)) << kinds(s);
}

// Liveness, bounded: the peer's new boot heard only on the link where our
// frames reach it late (its other link dead). Each of its frames echoes a
// frame of ours sent one link delay ago; it is taken as soon as what it
// echoes was sent after the old boot's newest echo, i.e. one link delay
// after the restart, not never.
TEST(RoleRaceReview2, NewBootHeardOnlyOnTheSlowLinkIsTakenAfterTheLinkDelay) {
    Harness secondary(Role::secondary);
    PeerBoot p1{0xA1, Role::primary};
    // P1 hears us on the fast link 1 up to the moment it dies.
    for (int i = 0; i < 5; ++i) {
        secondary.advance(kInterval);
        secondary.send(0);
        secondary.hear(p1.make(secondary, SenderState::active, 1, 1));
    }
    // Our link-0 frames reach the peer three intervals late.
    constexpr int kLag = 3;
    PeerBoot p2_boot{0xB2, Role::primary};
    int frames_refused = 0;
    for (int i = 0; i < 2 * kLag; ++i) {
        secondary.advance(kInterval);
        wire::Heartbeat beat = p2_boot.make(secondary, SenderState::starting, 0, 0);
        beat.echo_sequence = secondary.our_sequence[0] - kLag;
        secondary.hear(beat);
        if (secondary.machine().peer_sender_state() != SenderState::starting) {
            ++frames_refused;
        }
    }
    EXPECT_EQ(secondary.machine().peer_sender_state(), SenderState::starting);
    EXPECT_LE(frames_refused, kLag);
}

}  // namespace
}  // namespace fo::role
