#include <gtest/gtest.h>

#include "fake_clock.hpp"
#include "fo/detector/beat_intake.hpp"
#include "fo/detector/peer_detector.hpp"
#include "frames.hpp"

namespace fo::detector {
namespace {

constexpr std::int64_t kIntervalUs = 10'000;  // the peer beats every 10 ms
constexpr std::size_t kLan = 0;
constexpr std::size_t kPrivate = 1;
constexpr std::uint64_t kOwnEpoch = 0x5E55'1011;  // the receiver's boot epoch, echoed by the peer

/// Two links, 10 ms x 3, a 1 s initial dead time; beats go through the real
/// receive path (encode, decode with MAC, replay guard) under a fake clock.
class DetectorTest : public ::testing::Test {
  protected:
    DetectorTest() {
        detector_.subscribe([this](const PeerChange& change) {
            peer_changes_.push_back(change);
            peer_change_times_.push_back(clock_.now_ns());
        });
        detector_.subscribe([this](const LinkChange& change) { link_changes_.push_back(change); });
    }

    DetectorConfig config() {
        DetectorConfig config;
        config.link_names = {"eth0", "eth1"};
        config.miss_count = 3;
        config.initial_dead_time_ns = 1'000'000'000;
        return config;
    }

    void beat_on(std::size_t link, const wire::AuthKey* signer = nullptr, std::uint32_t key_id = 0) {
        wire::Heartbeat beat = testing::sample_beat(++sequence_[link]);
        beat.key_id = key_id;
        beat.node_id = 1;
        beat.link_id = static_cast<std::uint8_t>(link);
        beat.boot_epoch = epoch_;
        beat.echo_epoch = kOwnEpoch;
        beat.echo_sequence = ++echoed_sequence_;
        beat.interval_us = kIntervalUs;
        intake_.on_frame(link, testing::beat_frame(beat, signer != nullptr ? signer : &key_), clock_.now_ns());
    }
    /// Advances time in 1 ms steps, beating on the given links every 10 ms.
    void run_ms(int milliseconds, bool lan, bool private_link) {
        for (int ms = 0; ms < milliseconds; ++ms) {
            clock_.advance_us(1000);
            if (++elapsed_ms_ % 10 == 0) {
                if (lan) {
                    beat_on(kLan);
                }
                if (private_link) {
                    beat_on(kPrivate);
                }
            }
            detector_.on_tick(clock_.now_ns());
        }
    }

    testing::FakeClock clock_{1'000'000'000};
    wire::Keyring keyring_ = wire::Keyring::single(testing::test_key());
    const wire::AuthKey& key_ = *keyring_.send_key();
    PeerDetector detector_{config(), clock_.now_ns()};
    BeatIntake intake_{detector_, 2, kOwnEpoch, 2, wire::kDefaultHeartbeatPort, &keyring_};
    std::uint64_t sequence_[2] = {0, 0};
    std::uint64_t echoed_sequence_ = 0;
    std::uint64_t epoch_ = 77;
    int elapsed_ms_ = 0;
    std::vector<PeerChange> peer_changes_;
    std::vector<std::int64_t> peer_change_times_;  // the fake clock at each peer change
    std::vector<LinkChange> link_changes_;
};

TEST_F(DetectorTest, TheIntakeUsesTheKeyringAsItIsNowAndRecordsThePeersKeyId) {
    EXPECT_FALSE(intake_.peer_key_id());
    beat_on(kLan);
    EXPECT_EQ(intake_.peer_key_id(), 0U);
    const wire::AuthKey next = testing::other_key();
    beat_on(kLan, &next, 5);  // the peer switched first: not held yet
    EXPECT_EQ(intake_.drops().get(wire::DropReason::unknown_key_id), 1U);
    EXPECT_EQ(intake_.peer_key_id(), 0U);
    keyring_.add(5, testing::other_key());  // a reload, in place
    beat_on(kLan, &next, 5);
    EXPECT_EQ(intake_.peer_key_id(), 5U);
    beat_on(kLan);  // key 0 still accepted
    EXPECT_EQ(intake_.peer_key_id(), 0U);
    EXPECT_EQ(intake_.accepted(), 3U);
    EXPECT_EQ(intake_.drops().get(wire::DropReason::bad_mac), 0U);
}

TEST_F(DetectorTest, SteadyBeatsOnBothLinksAreAlive) {
    run_ms(2000, true, true);
    EXPECT_EQ(detector_.peer_state(), PeerState::alive);
    ASSERT_EQ(peer_changes_.size(), 1U);
    EXPECT_EQ(peer_changes_[0].from, PeerState::waiting);
    EXPECT_EQ(detector_.links()[kLan].beats, 200U);
    EXPECT_EQ(detector_.counters().times_dead, 0U);
}

TEST_F(DetectorTest, OneLinkLostIsDegradedNeverDead) {
    run_ms(500, true, true);
    run_ms(5000, true, false);
    EXPECT_EQ(detector_.peer_state(), PeerState::degraded);
    EXPECT_EQ(detector_.links()[kPrivate].state, LinkState::down);
    EXPECT_EQ(detector_.counters().times_dead, 0U);
    EXPECT_EQ(link_changes_.back().reason, "timeout");
}

TEST_F(DetectorTest, BothLinksLostIsDeadAfterThreeIntervals) {
    run_ms(500, true, true);
    const std::int64_t last_beat = detector_.links()[kLan].last_beat_ns;
    run_ms(29, false, false);  // 29 ms of silence: the 30 ms deadline is not reached
    EXPECT_EQ(detector_.peer_state(), PeerState::alive);
    run_ms(11, false, false);
    EXPECT_EQ(detector_.peer_state(), PeerState::dead);
    ASSERT_FALSE(peer_changes_.empty());
    EXPECT_EQ(peer_changes_.back().to, PeerState::dead);
    EXPECT_EQ(detector_.counters().times_dead, 1U);
    // Dead exactly at the deadline: last beat + 3 x 10 ms, on the 1 ms grid
    // (the time the detector itself chose, not the time the test ran to).
    ASSERT_EQ(peer_change_times_.size(), peer_changes_.size());
    EXPECT_EQ(peer_change_times_.back() - last_beat, 30'000'000);
}

TEST_F(DetectorTest, LateFrameWithAnOlderTimestampNeverMovesTheLastBeatBack) {
    run_ms(500, true, true);
    const std::int64_t last_beat = detector_.links()[kLan].last_beat_ns;
    const auto deadline = detector_.next_deadline();
    ASSERT_TRUE(deadline);
    // A frame that was queued (kernel timestamp 25 ms ago) is fed after the
    // newer one: it is proof of life, but not a later one.
    wire::Heartbeat late = testing::sample_beat(sequence_[kLan] + 100);
    late.node_id = 1;
    late.link_id = static_cast<std::uint8_t>(kLan);
    late.boot_epoch = epoch_;
    late.interval_us = kIntervalUs;
    detector_.on_beat(kLan, late, last_beat - 25'000'000);
    EXPECT_EQ(detector_.links()[kLan].last_beat_ns, last_beat);
    EXPECT_EQ(detector_.next_deadline(), deadline);
    run_ms(29, false, false);  // 29 ms after the newest beat: still inside 3 x 10 ms
    EXPECT_EQ(detector_.links()[kLan].state, LinkState::up);
    EXPECT_EQ(detector_.peer_state(), PeerState::alive);
}

TEST_F(DetectorTest, JitterJustInsideTheDeadlineKeepsTheLinkUp) {
    run_ms(100, true, true);
    for (int i = 0; i < 20; ++i) {
        clock_.advance_us(3 * kIntervalUs - 1);  // one microsecond inside
        detector_.on_tick(clock_.now_ns());
        beat_on(kLan);
        beat_on(kPrivate);
    }
    EXPECT_EQ(detector_.peer_state(), PeerState::alive);
    clock_.advance_us(3 * kIntervalUs);  // exactly on the deadline
    detector_.on_tick(clock_.now_ns());
    EXPECT_EQ(detector_.peer_state(), PeerState::dead);
}

TEST_F(DetectorTest, QueuedBeatsFedBeforeALateTickPreventAFalseTakeover) {
    run_ms(100, true, true);
    // The process stalls for 100 ms; beats arrived (kernel timestamps) during
    // the stall and wait in the capture buffer. The daemon feeds them first.
    for (int i = 0; i < 10; ++i) {
        clock_.advance_us(kIntervalUs);
        beat_on(kLan);
        beat_on(kPrivate);
    }
    detector_.on_tick(clock_.now_ns());
    EXPECT_EQ(detector_.peer_state(), PeerState::alive);
    EXPECT_EQ(detector_.counters().times_dead, 0U);
}

TEST_F(DetectorTest, BeatsResumingOnOneLinkMakeDeadDegraded) {
    run_ms(100, true, true);
    run_ms(100, false, false);
    EXPECT_EQ(detector_.peer_state(), PeerState::dead);
    run_ms(50, false, true);
    EXPECT_EQ(detector_.peer_state(), PeerState::degraded);
    run_ms(50, true, true);
    EXPECT_EQ(detector_.peer_state(), PeerState::alive);
}

TEST_F(DetectorTest, WaitsTheInitialDeadTimeWhenThePeerWasNeverHeard) {
    run_ms(999, false, false);
    EXPECT_EQ(detector_.peer_state(), PeerState::waiting) << "a lone secondary must not take over at once";
    EXPECT_TRUE(peer_changes_.empty());
    run_ms(2, false, false);
    EXPECT_EQ(detector_.peer_state(), PeerState::dead);
    EXPECT_EQ(link_changes_.back().reason, "never_heard");
}

TEST_F(DetectorTest, OneLinkNeverHeardBecomesDegradedAfterTheInitialDeadTime) {
    run_ms(500, true, false);
    EXPECT_EQ(detector_.peer_state(), PeerState::alive);
    run_ms(600, true, false);
    EXPECT_EQ(detector_.peer_state(), PeerState::degraded);
}

TEST_F(DetectorTest, PeerRestartWithNewBootEpochIsCountedAndStaysAlive) {
    run_ms(100, true, true);
    epoch_ = 78;
    sequence_[kLan] = sequence_[kPrivate] = 0;
    run_ms(100, true, true);
    EXPECT_EQ(detector_.counters().peer_restarts, 1U);
    EXPECT_EQ(detector_.peer_state(), PeerState::alive);
    EXPECT_EQ(detector_.peer_boot_epoch(), 78U);
    EXPECT_EQ(intake_.drops().total(), 0U);
}

TEST_F(DetectorTest, DuplicatedAndReplayedBeatsAreNotProofOfLife) {
    run_ms(100, true, true);
    wire::Heartbeat old = testing::sample_beat(3);
    old.node_id = 1;
    old.boot_epoch = epoch_;
    old.echo_epoch = kOwnEpoch;
    old.interval_us = kIntervalUs;
    const auto replayed = testing::beat_frame(old, &key_);
    // Both links go silent; an attacker replays an old beat every 5 ms.
    for (int i = 0; i < 20; ++i) {
        clock_.advance_us(5000);
        intake_.on_frame(kLan, replayed, clock_.now_ns());
        detector_.on_tick(clock_.now_ns());
    }
    EXPECT_EQ(detector_.peer_state(), PeerState::dead);
    EXPECT_EQ(intake_.drops().get(wire::DropReason::duplicate_sequence), 20U);
}

TEST_F(DetectorTest, ReorderedBeatIsAcceptedOnce) {
    run_ms(100, true, true);
    wire::Heartbeat late = testing::sample_beat(sequence_[kLan] - 1);
    late.node_id = 1;
    late.boot_epoch = epoch_;
    late.echo_epoch = kOwnEpoch;
    // Already accepted: a duplicate. A never-seen one inside the window is accepted.
    intake_.on_frame(kLan, testing::beat_frame(late, &key_), clock_.now_ns());
    EXPECT_EQ(intake_.drops().get(wire::DropReason::duplicate_sequence), 1U);
    sequence_[kLan] += 2;  // skip one
    beat_on(kLan);
    late.sequence = sequence_[kLan] - 1;
    const auto before = intake_.accepted();
    intake_.on_frame(kLan, testing::beat_frame(late, &key_), clock_.now_ns());
    EXPECT_EQ(intake_.accepted(), before + 1);
}

TEST_F(DetectorTest, ForgedBeatsKeepNothingAlive) {
    run_ms(100, true, true);
    const wire::AuthKey forger = testing::other_key();
    for (int i = 0; i < 10; ++i) {
        clock_.advance_us(kIntervalUs);
        beat_on(kLan, &forger);
        beat_on(kPrivate, &forger);
        detector_.on_tick(clock_.now_ns());
    }
    EXPECT_EQ(detector_.peer_state(), PeerState::dead);
    EXPECT_EQ(intake_.drops().get(wire::DropReason::bad_mac), 20U);
}

TEST_F(DetectorTest, OurOwnLoopedBackFramesAreIgnored) {
    wire::Heartbeat own = testing::sample_beat(1);
    own.node_id = 2;  // the intake's own node id
    intake_.on_frame(kLan, testing::beat_frame(own, &key_), clock_.now_ns());
    EXPECT_EQ(intake_.own_frames(), 1U);
    EXPECT_EQ(detector_.links()[kLan].beats, 0U);
}

TEST_F(DetectorTest, LocalCarrierLossTakesTheLinkDownAtOnce) {
    run_ms(100, true, true);
    detector_.on_local_link(kLan, false, clock_.now_ns());
    EXPECT_EQ(detector_.links()[kLan].state, LinkState::down);
    EXPECT_EQ(detector_.peer_state(), PeerState::degraded);
    EXPECT_EQ(link_changes_.back().reason, "local_carrier_lost");
}

TEST_F(DetectorTest, NextDeadlineIsTheEarliestLinkDeadline) {
    run_ms(100, true, true);
    const auto deadline = detector_.next_deadline();
    ASSERT_TRUE(deadline);
    EXPECT_EQ(*deadline, detector_.links()[kLan].last_beat_ns + 3 * kIntervalUs * 1000);
}

TEST(DetectorLog, StateChangesAreLoggedInOneFormat) {
    std::vector<std::string> lines;
    DetectorConfig config;
    config.link_names = {"eth1"};
    config.initial_dead_time_ns = 0;
    PeerDetector detector(config, 0, [&](const std::string& line) { lines.push_back(line); });
    wire::Heartbeat beat = testing::sample_beat(1);
    detector.on_beat(0, beat, 1);
    detector.on_tick(1 + 3'000'000);
    ASSERT_GE(lines.size(), 3U);
    EXPECT_EQ(lines[0], "link eth1: UNKNOWN -> UP reason=beat");
    EXPECT_NE(std::find(lines.begin(), lines.end(), "link eth1: UP -> DOWN reason=timeout"), lines.end());
    EXPECT_EQ(lines.back(), "peer: ALIVE -> DEAD reason=timeout");
}

}  // namespace
}  // namespace fo::detector
