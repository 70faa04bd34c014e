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
    EXPECT_DOUBLE_EQ(sender.intervals.percentile_us(0.5), 1000.5);
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
    EXPECT_EQ(only_sender().auth_failures, 11U);
    EXPECT_EQ(only_sender().beats_received, 0U);
    EXPECT_EQ(watch_.drops().get(wire::DropReason::bad_mac), 10U);
    EXPECT_EQ(watch_.drops().get(wire::DropReason::auth_missing), 1U);
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

TEST(IntervalHistogramTest, PercentilesAreNearestRankAndTailIsExact) {
    detector::IntervalHistogram histogram;
    for (int i = 1; i <= 100; ++i) {
        histogram.add(static_cast<std::int64_t>(i) * 1000);  // 1..100 us
    }
    histogram.add(250'000'000);  // 250 ms, beyond the linear buckets
    EXPECT_DOUBLE_EQ(histogram.percentile_us(0.5), 51.5);
    EXPECT_DOUBLE_EQ(histogram.percentile_us(0.0), 1.5);
    EXPECT_DOUBLE_EQ(histogram.percentile_us(1.0), 250'000.5);
    EXPECT_DOUBLE_EQ(histogram.max_us(), 250'000.0);
    EXPECT_EQ(histogram.count(), 101U);
    EXPECT_DOUBLE_EQ(detector::IntervalHistogram{}.percentile_us(0.5), 0.0);
}

}  // namespace
}  // namespace fo::probe
