#include "fo/wire/replay_guard.hpp"

#include <gtest/gtest.h>

#include "frames.hpp"

namespace fo::wire {
namespace {

using Outcome = ReplayGuard::Outcome;

Heartbeat beat(std::uint64_t sequence, std::uint64_t epoch = 100, std::uint32_t node = 1, std::uint8_t link = 0) {
    Heartbeat b = testing::sample_beat(sequence);
    b.boot_epoch = epoch;
    b.node_id = node;
    b.link_id = link;
    return b;
}

TEST(ReplayGuard, InOrderWithGapsReportsWhatWasSkipped) {
    ReplayGuard guard;
    EXPECT_EQ(guard.check(beat(1)).outcome, Outcome::first);
    EXPECT_EQ(guard.check(beat(2)).outcome, Outcome::in_order);
    const auto jump = guard.check(beat(6));
    EXPECT_EQ(jump.outcome, Outcome::in_order);
    EXPECT_EQ(jump.skipped, 3U);
}

TEST(ReplayGuard, ReorderedInsideTheWindowIsAcceptedOnce) {
    ReplayGuard guard;
    guard.check(beat(10));
    guard.check(beat(12));
    EXPECT_EQ(guard.check(beat(11)).outcome, Outcome::reordered);
    const auto again = guard.check(beat(11));
    EXPECT_FALSE(again.accepted());
    EXPECT_EQ(again.reason, DropReason::duplicate_sequence);
    EXPECT_EQ(guard.check(beat(12)).reason, DropReason::duplicate_sequence);
}

TEST(ReplayGuard, OlderThanTheWindowIsStale) {
    ReplayGuard guard;
    guard.check(beat(1));
    guard.check(beat(1 + ReplayGuard::kReorderWindow));
    const auto stale = guard.check(beat(1));
    EXPECT_EQ(stale.reason, DropReason::stale_sequence);
    // The oldest sequence still inside the window, never seen: accepted late.
    EXPECT_EQ(guard.check(beat(2)).outcome, Outcome::reordered);
}

TEST(ReplayGuard, LargeJumpClearsTheWindow) {
    ReplayGuard guard;
    guard.check(beat(5));
    guard.check(beat(1000));
    EXPECT_EQ(guard.check(beat(999)).outcome, Outcome::reordered);
    EXPECT_EQ(guard.check(beat(5)).reason, DropReason::stale_sequence);
}

TEST(ReplayGuard, NewBootEpochRestartsTheSequenceAndRetiresTheOld) {
    ReplayGuard guard;
    guard.check(beat(500, 100));
    EXPECT_EQ(guard.check(beat(1, 200)).outcome, Outcome::new_epoch);
    EXPECT_EQ(guard.check(beat(2, 200)).outcome, Outcome::in_order);
    // Frames of the previous boot, replayed later, are refused.
    const auto old = guard.check(beat(501, 100));
    EXPECT_FALSE(old.accepted());
    EXPECT_EQ(old.reason, DropReason::stale_epoch);
}

TEST(ReplayGuard, SendersAndLinksAreIndependent) {
    ReplayGuard guard;
    guard.check(beat(50, 100, 1, 0));
    EXPECT_EQ(guard.check(beat(1, 100, 1, 1)).outcome, Outcome::first);
    EXPECT_EQ(guard.check(beat(1, 100, 2, 0)).outcome, Outcome::first);
    EXPECT_EQ(guard.check(beat(51, 100, 1, 0)).outcome, Outcome::in_order);
}

TEST(ReplayGuard, ForgetsTheLeastRecentSenderWhenFull) {
    ReplayGuard guard;
    for (std::uint32_t node = 1; node <= ReplayGuard::kMaxSenders; ++node) {
        guard.check(beat(10, 100, node));
    }
    guard.check(beat(11, 100, 2));                             // node 1 is now the least recent
    guard.check(beat(10, 100, ReplayGuard::kMaxSenders + 1));  // evicts node 1
    EXPECT_EQ(guard.check(beat(1, 100, 1)).outcome, Outcome::first);
    EXPECT_EQ(guard.check(beat(10, 100, 2)).reason, DropReason::duplicate_sequence);
}

}  // namespace
}  // namespace fo::wire
