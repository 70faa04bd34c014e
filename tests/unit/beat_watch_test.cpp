#include "fo/probe/beat_watch.hpp"

#include <gtest/gtest.h>

#include "frames.hpp"

namespace fo::probe {
namespace {

constexpr std::int64_t kStart = 5'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

class BeatWatchTest : public ::testing::Test {
  protected:
    void feed(std::uint64_t sequence, std::int64_t at_ns, const wire::AuthKey* signer) {
        watch_.on_frame(testing::beat_frame(testing::sample_beat(sequence), signer), at_ns);
    }
    const SenderStatistics& only_sender() {
        EXPECT_EQ(watch_.senders().size(), 1U);
        return watch_.senders().begin()->second;
    }

    wire::AuthKey key_ = testing::test_key();
    BeatWatch watch_{wire::kDefaultHeartbeatPort, &key_};
};

TEST_F(BeatWatchTest, SteadyBeatsGiveExactIntervals) {
    for (std::uint64_t s = 1; s <= 101; ++s) {
        feed(s, kStart + static_cast<std::int64_t>(s) * kMs, &key_);
    }
    const SenderStatistics& sender = only_sender();
    EXPECT_EQ(sender.beats_received, 101U);
    EXPECT_EQ(sender.lost, 0U);
    EXPECT_EQ(sender.intervals.count(), 100U);
    EXPECT_DOUBLE_EQ(sender.intervals.percentile_us(0.5), 1000.0);  // every interval equal: exact
    EXPECT_DOUBLE_EQ(sender.intervals.max_us(), 1000.0);
    EXPECT_NEAR(sender.intervals.stddev_us(), 0.0, 1e-9);
    EXPECT_TRUE(sender.mac_verified);
    EXPECT_EQ(sender.advertised_interval_us, 1000U);
}

TEST_F(BeatWatchTest, GapsCountAsLostUntilTheyArriveLate) {
    feed(1, kStart, &key_);
    feed(2, kStart + kMs, &key_);
    feed(5, kStart + 4 * kMs, &key_);
    EXPECT_EQ(only_sender().lost, 2U);
    EXPECT_DOUBLE_EQ(only_sender().intervals.max_us(), 3000.0);
    feed(3, kStart + 4 * kMs + 10, &key_);
    EXPECT_EQ(only_sender().lost, 1U);
    EXPECT_EQ(only_sender().reordered, 1U);
    feed(3, kStart + 4 * kMs + 20, &key_);
    EXPECT_EQ(only_sender().duplicated, 1U);
    EXPECT_EQ(only_sender().beats_received, 4U);
}

TEST_F(BeatWatchTest, WrongKeyIsAnAuthFailureNeverABeat) {
    const wire::AuthKey wrong = testing::other_key();
    for (std::uint64_t s = 1; s <= 10; ++s) {
        feed(s, kStart + static_cast<std::int64_t>(s) * kMs, &wrong);
    }
    feed(11, kStart + 11 * kMs, nullptr);
    // Never verified: no sender entry, one aggregate count.
    EXPECT_TRUE(watch_.senders().empty());
    EXPECT_EQ(watch_.auth_failures_unknown_senders(), 11U);
    EXPECT_EQ(watch_.drops().get(wire::DropReason::bad_mac), 10U);
    EXPECT_EQ(watch_.drops().get(wire::DropReason::auth_missing), 1U);
}

TEST_F(BeatWatchTest, AuthFailuresOfAVerifiedSenderAreItsOwn) {
    feed(1, kStart, &key_);
    const wire::AuthKey wrong = testing::other_key();
    feed(2, kStart + kMs, &wrong);
    feed(3, kStart + 2 * kMs, nullptr);
    EXPECT_EQ(only_sender().auth_failures, 2U);
    EXPECT_EQ(only_sender().beats_received, 1U);
    EXPECT_EQ(watch_.auth_failures_unknown_senders(), 0U);
}

constexpr std::uint32_t kForgedFrames = 200'000;

/// A genuine sender (node 1, both links), then `kForgedFrames` frames each claiming a new node id, signed by
/// `forger` (nullptr: unsigned), then the genuine sender again.
void genuine_then_forged_flood(BeatWatch& watch, const wire::AuthKey& key, const wire::AuthKey* forger) {
    for (std::uint8_t link = 0; link < 2; ++link) {
        wire::Heartbeat beat = testing::sample_beat(1);
        beat.link_id = link;
        watch.on_frame(testing::beat_frame(beat, &key), kStart);
    }
    for (std::uint32_t i = 0; i < kForgedFrames; ++i) {
        wire::Heartbeat forged = testing::sample_beat(1);
        forged.node_id = 1'000'000 + i;
        watch.on_frame(testing::beat_frame(forged, forger), kStart + kMs / 2);
    }
    for (std::uint8_t link = 0; link < 2; ++link) {
        wire::Heartbeat beat = testing::sample_beat(2);
        beat.link_id = link;
        watch.on_frame(testing::beat_frame(beat, &key), kStart + kMs);
    }
}

void expect_genuine_sender_reported(const BeatWatch& watch) {
    for (std::uint8_t link = 0; link < 2; ++link) {
        const auto found = watch.senders().find(wire::SenderKey{testing::sample_beat().node_id, link});
        ASSERT_NE(found, watch.senders().end()) << "link " << int{link};
        EXPECT_EQ(found->second.beats_received, 2U);
        EXPECT_EQ(found->second.intervals.count(), 1U);
        EXPECT_DOUBLE_EQ(found->second.intervals.percentile_us(0.5), 1000.0);
        EXPECT_EQ(found->second.auth_failures, 0U);
    }
}

TEST_F(BeatWatchTest, ForgedFramesWithDistinctNodeIdsCreateNoSenders) {
    const wire::AuthKey wrong = testing::other_key();
    genuine_then_forged_flood(watch_, key_, &wrong);
    EXPECT_EQ(watch_.senders().size(), 2U);
    EXPECT_EQ(watch_.auth_failures_unknown_senders(), kForgedFrames);
    EXPECT_EQ(watch_.drops().get(wire::DropReason::bad_mac), kForgedFrames);
    EXPECT_EQ(watch_.senders_dropped(), 0U);
    EXPECT_EQ(watch_.frames_seen(), kForgedFrames + 4);
    expect_genuine_sender_reported(watch_);
}

TEST(BeatWatchBoundsTest, WithoutAKeyTheSenderTableIsCapped) {
    const wire::AuthKey key = testing::test_key();
    BeatWatch watch(wire::kDefaultHeartbeatPort, nullptr);  // nothing can be verified: only the cap holds
    genuine_then_forged_flood(watch, key, nullptr);
    EXPECT_EQ(watch.senders().size(), BeatWatch::kMaxSenders);
    EXPECT_EQ(watch.senders_dropped(), kForgedFrames - (BeatWatch::kMaxSenders - 2));
    EXPECT_EQ(watch.auth_failures_unknown_senders(), 0U);
    expect_genuine_sender_reported(watch);
}

TEST(BeatWatchBoundsTest, ArpListIsCappedAndTheRestCounted) {
    BeatWatch watch(wire::kDefaultHeartbeatPort, nullptr);
    const testing::Frame arp = testing::arp_frame(
        wire::make_gratuitous_request(wire::MacAddress{{0x02, 0, 0, 0, 0, 0x01}}, wire::Ipv4Address{0xC6336464}));
    const std::size_t extra = 1234;
    for (std::size_t i = 0; i < BeatWatch::kMaxArpEvents + extra; ++i) {
        watch.on_frame(arp, kStart + static_cast<std::int64_t>(i));
    }
    EXPECT_EQ(watch.arp_events().size(), BeatWatch::kMaxArpEvents);
    EXPECT_EQ(watch.arp_events_dropped(), extra);
    EXPECT_EQ(watch.arp_events().front().timestamp_ns, kStart);  // the first ones are kept
}

TEST(BeatWatchBoundsTest, ProbesLeaveRoomForAnnouncements) {
    BeatWatch watch(wire::kDefaultHeartbeatPort, nullptr);
    const wire::MacAddress mac{{0x02, 0, 0, 0, 0, 0x01}};
    const testing::Frame probe = testing::arp_frame(wire::make_arp_probe(mac, wire::Ipv4Address{0xC6336464}));
    const testing::Frame announcement =
        testing::arp_frame(wire::make_gratuitous_request(mac, wire::Ipv4Address{0xC6336464}));
    for (std::size_t i = 0; i < BeatWatch::kMaxArpEvents; ++i) {
        watch.on_frame(probe, kStart + static_cast<std::int64_t>(i));
    }
    watch.on_frame(announcement, kStart + kMs);
    ASSERT_EQ(watch.arp_events().size(), BeatWatch::kMaxOtherArpEvents + 1);
    EXPECT_EQ(watch.arp_events().back().frame.kind(), wire::ArpKind::gratuitous_request);
    EXPECT_EQ(watch.arp_events_dropped(), BeatWatch::kMaxArpEvents - BeatWatch::kMaxOtherArpEvents);
}

TEST_F(BeatWatchTest, ReplayedCaptureIsRejected) {
    std::vector<testing::Frame> captured;
    for (std::uint64_t s = 1; s <= 200; ++s) {
        captured.push_back(testing::beat_frame(testing::sample_beat(s), &key_));
        watch_.on_frame(captured.back(), kStart + static_cast<std::int64_t>(s) * kMs);
    }
    for (const auto& frame : captured) {
        watch_.on_frame(frame, kStart + 300 * kMs);
    }
    const SenderStatistics& sender = only_sender();
    EXPECT_EQ(sender.beats_received, 200U);
    EXPECT_EQ(sender.replays_rejected + sender.duplicated, 200U);
    EXPECT_EQ(sender.replays_rejected, 200U - wire::ReplayGuard::kReorderWindow);
}

TEST_F(BeatWatchTest, RestartIsCountedAndDoesNotMakeAnInterval) {
    feed(1, kStart, &key_);
    feed(2, kStart + kMs, &key_);
    wire::Heartbeat restarted = testing::sample_beat(1);
    restarted.boot_epoch = 42;
    watch_.on_frame(testing::beat_frame(restarted, &key_), kStart + 900 * kMs);
    EXPECT_EQ(only_sender().restarts, 1U);
    EXPECT_EQ(only_sender().intervals.count(), 1U);
    EXPECT_EQ(only_sender().boot_epoch, 42U);
}

TEST_F(BeatWatchTest, MalformedFramesAreCountedByReason) {
    for (const auto& item : testing::malformed_cases()) {
        watch_.on_frame(item.frame, kStart);
        EXPECT_EQ(watch_.drops().get(item.expected), 1U) << wire::to_string(item.expected);
    }
}

}  // namespace
}  // namespace fo::probe
