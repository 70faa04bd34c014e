#include "fo/takeover/takeover.hpp"

#include <gtest/gtest.h>

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
};

TEST_F(TakeoverTest, AcquireRunsAppleOrder) {
    ASSERT_TRUE(controller_->acquire("peer dead"));
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
    controller_->acquire("peer dead");
    scheduler_.advance_ns(99'000'000);
    EXPECT_EQ(controller_->counters().garps_sent, 1U) << "one at once";
    scheduler_.advance_ns(1'000'000);
    EXPECT_EQ(controller_->counters().garps_sent, 2U) << "the next after the interval";
    controller_->release("primary back", false);
    scheduler_.advance_ns(1'000'000'000);
    EXPECT_EQ(controller_->counters().garps_sent, 2U) << "no announcement for an address we gave up";
}

TEST_F(TakeoverTest, TestHookVetoesAcquireAndNotifies) {
    hooks_.test_exit = 1;
    EXPECT_FALSE(controller_->acquire("peer dead"));
    EXPECT_FALSE(controller_->holding());
    EXPECT_EQ(journal_without("hook Test"), std::vector<std::string>{"notify acquire vetoed by Test"});
    EXPECT_EQ(controller_->counters().vetoed, 1U);
}

TEST_F(TakeoverTest, ReleaseSaysReleasedBetweenRemovalAndPostRel) {
    controller_->acquire("peer dead");
    journal_.clear();
    ASSERT_TRUE(controller_->release("primary back", false, [this] { journal_.push_back("frame released"); }));
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
    controller_->acquire("peer dead");
    hooks_.test_exit = 1;
    EXPECT_FALSE(controller_->release("primary back", false));
    EXPECT_TRUE(controller_->holding());
    EXPECT_TRUE(controller_->release("daemon stopping", true));
    EXPECT_FALSE(controller_->holding());
}

TEST_F(TakeoverTest, FailingHookIsNotifiedAndTakeoverCompletes) {
    hooks_.hanging_phase = HookPhase::pre_acquire;
    EXPECT_TRUE(controller_->acquire("peer dead"));
    EXPECT_TRUE(controller_->holding());
    EXPECT_NE(std::find(journal_.begin(), journal_.end(), "notify PreAcq hook failed"), journal_.end());
    EXPECT_EQ(controller_->counters().hook_failures, 1U);
}

TEST_F(TakeoverTest, AddressErrorIsNotifiedAndCounted) {
    addresses_.fail_ = true;
    controller_->acquire("peer dead");
    EXPECT_EQ(controller_->counters().address_errors, 1U);
    EXPECT_NE(std::find(journal_.begin(), journal_.end(), "notify cannot add address"), journal_.end());
}

}  // namespace
}  // namespace fo::takeover
