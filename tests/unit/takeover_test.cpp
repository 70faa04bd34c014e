#include "fo/takeover/takeover.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "fake_takeover_edges.hpp"

namespace fo::takeover {
namespace {

using testing::Journal;

class TakeoverTest : public ::testing::Test {
  protected:
    TakeoverTest() {
        TakeoverConfig config;
        config.addresses = {ServiceAddress{"eth0", wire::Ipv4Address{0xC6336464}, 24}};
        config.garp.repeat = 2;
        config.garp.interval_ns = 100'000'000;
        controller_ = std::make_unique<TakeoverController>(
            config, addresses_, hooks_, notifier_, [this](const std::string&) { return &arp_; }, scheduler_,
            [](const std::string&) {});
    }
    std::vector<std::string> journal_without(const std::string& prefix) const {
        std::vector<std::string> filtered;
        for (const auto& line : journal_) {
            if (line.rfind(prefix, 0) != 0) {
                filtered.push_back(line);
            }
        }
        return filtered;
    }

    Journal journal_;
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

TEST_F(TakeoverTest, AcquireRunsAppleOrder) {
    ASSERT_TRUE(acquire("peer dead"));
    const std::vector<std::string> expected{
        "hook Test acquire 198.51.100.100 state=standby",
        "hook PreAcq acquire 198.51.100.100 state=standby",
        "add 198.51.100.100/24 eth0:fo",
        "garp request 198.51.100.100",
        "hook PostAcq acquire 198.51.100.100 state=active",
        "notify took over 198.51.100.100/24@eth0",
    };
    EXPECT_EQ(journal_, expected);
    EXPECT_TRUE(controller_->holding());
    EXPECT_EQ(controller_->counters().acquisitions, 1U);
}

TEST_F(TakeoverTest, GratuitousArpsArePacedAndStopOnRelease) {
    acquire("peer dead");
    scheduler_.advance_ns(99'000'000);
    EXPECT_EQ(controller_->counters().garps_sent, 1U) << "one at once";
    scheduler_.advance_ns(1'000'000);
    EXPECT_EQ(controller_->counters().garps_sent, 2U) << "the next after the interval";
    release("primary back", false);
    scheduler_.advance_ns(1'000'000'000);
    EXPECT_EQ(controller_->counters().garps_sent, 2U) << "no announcement for an address we gave up";
}

TEST_F(TakeoverTest, TestHookVetoesAcquireAndNotifies) {
    hooks_.test_exit = 1;
    EXPECT_FALSE(acquire("peer dead"));
    EXPECT_FALSE(controller_->holding());
    EXPECT_EQ(journal_without("hook Test"), std::vector<std::string>{"notify acquire vetoed by Test"});
    EXPECT_EQ(controller_->counters().vetoed, 1U);
}

TEST_F(TakeoverTest, ReleaseSaysReleasedBetweenRemovalAndPostRel) {
    acquire("peer dead");
    journal_.clear();
    ASSERT_TRUE(release("primary back", false, [this] { journal_.push_back("frame released"); }));
    const std::vector<std::string> expected{
        "hook Test release 198.51.100.100 state=active",
        "hook PreRel release 198.51.100.100 state=active",
        "remove 198.51.100.100/24",
        "frame released",
        "hook PostRel release 198.51.100.100 state=standby",
        "notify released 198.51.100.100/24@eth0",
    };
    EXPECT_EQ(journal_, expected);
}

TEST_F(TakeoverTest, ForcedReleaseSkipsTheVeto) {
    acquire("peer dead");
    hooks_.test_exit = 1;
    EXPECT_FALSE(release("primary back", false));
    EXPECT_TRUE(controller_->holding());
    EXPECT_TRUE(release("daemon stopping", true));
    EXPECT_FALSE(controller_->holding());
}

TEST_F(TakeoverTest, FailingHookIsNotifiedAndTakeoverCompletes) {
    hooks_.hanging_phase = HookPhase::pre_acquire;
    EXPECT_TRUE(acquire("peer dead"));
    EXPECT_TRUE(controller_->holding());
    EXPECT_NE(std::find(journal_.begin(), journal_.end(), "notify PreAcq hook failed"), journal_.end());
    EXPECT_EQ(controller_->counters().hook_failures, 1U);
}

TEST_F(TakeoverTest, AddressErrorIsNotifiedAndCounted) {
    addresses_.fail_ = true;
    acquire("peer dead");
    EXPECT_EQ(controller_->counters().address_errors, 1U);
    EXPECT_NE(std::find(journal_.begin(), journal_.end(), "notify cannot add address"), journal_.end());
}

TEST_F(TakeoverTest, SlowPreAcqDelaysTheAddressesNotTheCaller) {
    hooks_.held_phase = HookPhase::pre_acquire;
    std::optional<bool> result;
    controller_->acquire("peer dead", [&result](bool acquired) { result = acquired; });
    EXPECT_FALSE(result.has_value()) << "acquire returns while PreAcq runs";
    EXPECT_TRUE(controller_->busy());
    EXPECT_FALSE(controller_->holding());
    EXPECT_EQ(journal_, (std::vector<std::string>{"hook Test acquire 198.51.100.100 state=standby",
                                                  "hook PreAcq acquire 198.51.100.100 state=standby"}));
    hooks_.release_held();
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(*result);
    EXPECT_FALSE(controller_->busy());
    EXPECT_TRUE(controller_->holding());
    EXPECT_EQ(journal_[2], "add 198.51.100.100/24 eth0:fo") << "Apple's order kept: addresses after PreAcq";
    EXPECT_EQ(journal_[3], "garp request 198.51.100.100");
    EXPECT_EQ(journal_[4], "hook PostAcq acquire 198.51.100.100 state=active");
}

TEST_F(TakeoverTest, CancelledAcquisitionAddsNothing) {
    hooks_.held_phase = HookPhase::pre_acquire;
    std::optional<bool> result;
    controller_->acquire("peer dead", [&result](bool acquired) { result = acquired; });
    controller_->cancel_acquisition();
    EXPECT_TRUE(hooks_.cancelled) << "the running hook is terminated";
    hooks_.release_held();
    ASSERT_TRUE(result.has_value());
    EXPECT_FALSE(*result);
    EXPECT_FALSE(controller_->holding());
    EXPECT_EQ(std::count(journal_.begin(), journal_.end(), "add 198.51.100.100/24 eth0:fo"), 0);
}

TEST_F(TakeoverTest, SlowPreRelKeepsTheAddressesUntilItEnds) {
    acquire("peer dead");
    journal_.clear();
    hooks_.held_phase = HookPhase::pre_release;
    std::optional<bool> result;
    controller_->release(
        "primary back", false, [this] { journal_.push_back("frame released"); },
        [&result](bool released) { result = released; });
    EXPECT_FALSE(result.has_value());
    EXPECT_TRUE(controller_->holding());
    hooks_.release_held();
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(*result);
    EXPECT_EQ(journal_, (std::vector<std::string>{
                            "hook Test release 198.51.100.100 state=active",
                            "hook PreRel release 198.51.100.100 state=active",
                            "remove 198.51.100.100/24",
                            "frame released",
                            "hook PostRel release 198.51.100.100 state=standby",
                            "notify released 198.51.100.100/24@eth0",
                        }));
}

TEST_F(TakeoverTest, RefusedHookIsCountedAndNotified) {
    struct RefusingRunner final : HookRunner {
        void start(HookPhase phase, const std::vector<std::string>&, const std::map<std::string, std::string>&,
                   Done done) override {
            if (phase == HookPhase::pre_acquire) {
                HookResult refused{"10-insecure", -1, false, true, "/x is writable by others"};
                done({refused});
                return;
            }
            done({});
        }
    } runner;
    TakeoverConfig config;
    config.addresses = {ServiceAddress{"eth0", wire::Ipv4Address{0xC6336464}, 24}};
    TakeoverController controller(
        config, addresses_, runner, notifier_, [this](const std::string&) { return &arp_; }, scheduler_,
        [](const std::string&) {});
    bool acquired = false;
    controller.acquire("peer dead", [&acquired](bool ok) { acquired = ok; });
    EXPECT_TRUE(acquired) << "a refused PreAcq hook is skipped, the takeover goes on";
    EXPECT_EQ(controller.counters().hooks_refused, 1U);
    EXPECT_EQ(controller.counters().hook_failures, 0U);
    EXPECT_NE(std::find(journal_.begin(), journal_.end(), "notify PreAcq hook refused"), journal_.end());
}

}  // namespace
}  // namespace fo::takeover
