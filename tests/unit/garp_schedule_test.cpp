// Gratuitous ARP bursts and refreshes under the fake scheduler: the total of
// a burst for each `repeat`, its pacing, the refresh while holding, and
// silence once the address is given up.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include "fake_takeover_edges.hpp"
#include "fo/takeover/takeover.hpp"

namespace fo::takeover {
namespace {

constexpr std::int64_t kPaceNs = 50'000'000;
constexpr std::int64_t kRefreshNs = 1'000'000'000;

class GarpSchedule : public ::testing::Test {
  protected:
    void make(int repeat, std::int64_t refresh_ns, bool reply_form = false) {
        TakeoverConfig config;
        config.addresses = {ServiceAddress{"eth0", wire::Ipv4Address{0xC6336464}, 24}};
        config.garp.repeat = repeat;
        config.garp.interval_ns = kPaceNs;
        config.garp.refresh_interval_ns = refresh_ns;
        config.garp.also_reply_form = reply_form;
        controller_ = std::make_unique<TakeoverController>(
            config, addresses_, hooks_, notifier_, [this](const std::string&) { return &arp_; }, scheduler_,
            [](const std::string&) {});
    }
    /// Gratuitous ARPs the transmitter was asked to send (not the counter's view).
    [[nodiscard]] long on_wire(const std::string& form = "request") const {
        const std::string line = "garp " + form + " 198.51.100.100";
        return std::count(journal_.begin(), journal_.end(), line);
    }

    testing::Journal journal_;
    testing::FakeAddressManager addresses_{journal_};
    testing::FakeHookRunner hooks_{journal_};
    testing::FakeNotifier notifier_{journal_};
    testing::FakeArpTransmitter arp_{journal_};
    testing::FakeScheduler scheduler_;
    std::unique_ptr<TakeoverController> controller_;

    // The fake hooks complete at once, so the operation has ended on return.
    bool acquire(const std::string& reason) {
        std::optional<bool> result;
        controller_->acquire(reason, [&result](bool acquired) { result = acquired; });
        EXPECT_TRUE(result.has_value()) << "synchronous hooks complete at once";
        return result.value_or(false);
    }
    bool release(const std::string& reason, bool forced, std::function<void()> after_removed = {}) {
        std::optional<bool> result;
        controller_->release(reason, forced, std::move(after_removed), [&result](bool released) { result = released; });
        EXPECT_TRUE(result.has_value()) << "synchronous hooks complete at once";
        return result.value_or(false);
    }
};

// `repeat` counts the announcements after the first one, which goes at once:
// a burst is 1 + repeat gratuitous ARPs, one every garp.interval_ms.
TEST_F(GarpSchedule, BurstIsOnePlusRepeatForEveryRepeat) {
    for (const int repeat : {0, 1, 2, 3, 4, 7}) {
        SCOPED_TRACE("repeat = " + std::to_string(repeat));
        journal_.clear();
        scheduler_ = testing::FakeScheduler{};
        make(repeat, 0);
        ASSERT_TRUE(acquire("peer dead"));
        EXPECT_EQ(on_wire(), 1) << "the first one at once";
        for (int step = 1; step <= repeat; ++step) {
            scheduler_.advance_ns(kPaceNs - 1);
            EXPECT_EQ(on_wire(), step) << "not before the interval";
            scheduler_.advance_ns(1);
            EXPECT_EQ(on_wire(), step + 1) << "one more each interval";
        }
        scheduler_.advance_ns(10 * kRefreshNs);  // long after: the burst is over, no refresh configured
        EXPECT_EQ(on_wire(), 1 + repeat);
        EXPECT_EQ(controller_->counters().garps_sent, static_cast<std::uint64_t>(1 + repeat));
        EXPECT_EQ(scheduler_.pending(), 0U) << "nothing left scheduled";
    }
}

TEST_F(GarpSchedule, ReplyFormDoublesTheFramesNotTheCount) {
    make(2, 0, true);
    ASSERT_TRUE(acquire("peer dead"));
    scheduler_.advance_ns(10 * kPaceNs);
    EXPECT_EQ(on_wire("request"), 3);
    EXPECT_EQ(on_wire("reply"), 3);
    EXPECT_EQ(controller_->counters().garps_sent, 3U);
}

TEST_F(GarpSchedule, RefreshedWhileHoldingAndSilentAfterRelease) {
    make(2, kRefreshNs);
    ASSERT_TRUE(acquire("peer dead"));
    scheduler_.advance_ns(2 * kPaceNs);
    ASSERT_EQ(on_wire(), 3) << "the burst";
    scheduler_.advance_ns(kRefreshNs - 2 * kPaceNs - 1);
    EXPECT_EQ(on_wire(), 3) << "no refresh before its interval";
    scheduler_.advance_ns(1);
    EXPECT_EQ(on_wire(), 4) << "one refresh, not a burst, at the refresh interval";
    for (int refresh = 2; refresh <= 5; ++refresh) {
        scheduler_.advance_ns(kRefreshNs);
        EXPECT_EQ(on_wire(), 3 + refresh) << "refresh " << refresh << " while still holding";
    }
    EXPECT_EQ(controller_->counters().garps_sent, 8U);
    ASSERT_TRUE(release("primary back", false));
    scheduler_.advance_ns(10 * kRefreshNs);
    EXPECT_EQ(on_wire(), 8) << "no announcement for an address we gave up";
    EXPECT_EQ(scheduler_.pending(), 0U);
}

TEST_F(GarpSchedule, ReacquiringDoesNotRunTheOldRefreshToo) {
    make(0, kRefreshNs);
    ASSERT_TRUE(acquire("peer dead"));
    scheduler_.advance_ns(kRefreshNs / 2);
    ASSERT_TRUE(release("primary back", false));
    ASSERT_TRUE(acquire("peer dead again"));
    EXPECT_EQ(on_wire(), 2);
    scheduler_.advance_ns(kRefreshNs - 1);  // the first holding's refresh was due in here
    EXPECT_EQ(on_wire(), 2) << "the refresh belongs to the current holding only";
    scheduler_.advance_ns(1);
    EXPECT_EQ(on_wire(), 3);
}

}  // namespace
}  // namespace fo::takeover
