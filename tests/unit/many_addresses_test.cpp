// Many service addresses at once (issue 10): one batch for the kernel in
// config order, each address announced as soon as it is added (the first
// first), errors attributed to their address, gratuitous ARPs paced across
// addresses, and RFC 5227 probes bounded per probe period.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fake_takeover_edges.hpp"
#include "fo/takeover/takeover.hpp"

namespace fo::takeover {
namespace {

constexpr std::uint32_t kFirstAddress = 0xC6120001;  // 198.18.0.1 (RFC 2544 benchmarking range)
constexpr std::int64_t kMsNs = 1'000'000;

std::vector<ServiceAddress> many(std::size_t count) {
    std::vector<ServiceAddress> out;
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(ServiceAddress{"eth0", wire::Ipv4Address{kFirstAddress + static_cast<std::uint32_t>(i)}, 32});
    }
    return out;
}

std::string ip(std::size_t index) {
    return wire::Ipv4Address{kFirstAddress + static_cast<std::uint32_t>(index)}.to_string();
}

class ManyAddresses : public ::testing::Test {
  protected:
    void make(std::size_t count, std::int64_t frames_per_second = GarpSchedule{}.frames_per_second, int repeat = 0,
              std::int64_t probe_sample = ProbeBound{}.addresses_per_period) {
        TakeoverConfig config;
        config.addresses = many(count);
        config.garp.repeat = repeat;
        config.garp.interval_ns = 100 * kMsNs;
        config.garp.frames_per_second = frames_per_second;
        config.probe.addresses_per_period = probe_sample;
        controller_ = std::make_unique<TakeoverController>(
            config, addresses_, hooks_, notifier_, [this](const std::string&) { return &arp_; }, scheduler_,
            [this](const std::string& line) { log_.push_back(line); }, [this] { return scheduler_.now(); });
    }
    bool acquire() {
        std::optional<bool> result;
        controller_->acquire("peer dead", [&result](bool acquired) { result = acquired; });
        return result.value_or(false);
    }
    [[nodiscard]] long count(const std::string& prefix) const {
        return std::count_if(journal_.begin(), journal_.end(),
                             [&prefix](const std::string& line) { return line.rfind(prefix, 0) == 0; });
    }
    [[nodiscard]] std::vector<std::string> only(const std::set<std::string>& prefixes) const {
        std::vector<std::string> out;
        for (const auto& line : journal_) {
            for (const auto& prefix : prefixes) {
                if (line.rfind(prefix, 0) == 0) {
                    out.push_back(line);
                }
            }
        }
        return out;
    }

    testing::Journal journal_;
    std::vector<std::string> log_;
    testing::FakeAddressManager addresses_{journal_};
    testing::FakeHookRunner hooks_{journal_};
    testing::FakeNotifier notifier_{journal_};
    testing::FakeArpTransmitter arp_{journal_};
    testing::FakeScheduler scheduler_;
    std::unique_ptr<TakeoverController> controller_;
};

TEST_F(ManyAddresses, OneBatchInConfigOrderEachAnnouncedAsItIsAdded) {
    make(5);
    ASSERT_TRUE(acquire());
    EXPECT_EQ(addresses_.batches_, 1) << "one add_all for all addresses, not one call each";
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < 5; ++i) {
        expected.push_back("add " + ip(i) + "/32 eth0:fo");
        expected.push_back("garp request " + ip(i));
    }
    EXPECT_EQ(only({"add ", "garp "}), expected) << "config order; each announced before the next is added";
}

TEST_F(ManyAddresses, FirstAddressIsAnnouncedBeforeTheSecondIsAdded) {
    make(1000);
    ASSERT_TRUE(acquire());
    const auto first_garp = std::find(journal_.begin(), journal_.end(), "garp request " + ip(0));
    const auto second_add = std::find(journal_.begin(), journal_.end(), "add " + ip(1) + "/32 eth0:fo");
    ASSERT_NE(first_garp, journal_.end());
    ASSERT_NE(second_add, journal_.end());
    EXPECT_LT(first_garp, second_add);
    EXPECT_EQ(only({"garp "}).front(), "garp request " + ip(0)) << "the first address first";
}

TEST_F(ManyAddresses, EachErrorNamesItsAddressAndOnlyAddedAddressesAreAnnounced) {
    make(5);
    addresses_.fail_addresses_ = {ip(1) + "/32", ip(3) + "/32"};
    ASSERT_TRUE(acquire()) << "the others are still taken over";
    EXPECT_EQ(controller_->counters().address_errors, 2U);
    EXPECT_NE(std::find(log_.begin(), log_.end(), "fake add failure of " + ip(1) + "/32"), log_.end());
    EXPECT_NE(std::find(log_.begin(), log_.end(), "fake add failure of " + ip(3) + "/32"), log_.end());
    EXPECT_EQ(count("notify cannot add address"), 1) << "one mail for the batch, not one per address";
    EXPECT_EQ(only({"garp "}),
              (std::vector<std::string>{"garp request " + ip(0), "garp request " + ip(2), "garp request " + ip(4)}))
        << "an address we could not add is not announced: its clients would come to us for nothing";
}

TEST_F(ManyAddresses, ReleaseRemovesInOneBatchInConfigOrder) {
    make(4);
    ASSERT_TRUE(acquire());
    journal_.clear();
    std::optional<bool> released;
    controller_->release("primary back", true, {}, [&released](bool done) { released = done; });
    ASSERT_TRUE(released.value_or(false));
    EXPECT_EQ(addresses_.batches_, 2) << "acquire and release: one batch each";
    EXPECT_EQ(only({"remove "}), (std::vector<std::string>{"remove " + ip(0) + "/32", "remove " + ip(1) + "/32",
                                                           "remove " + ip(2) + "/32", "remove " + ip(3) + "/32"}));
}

TEST_F(ManyAddresses, GratuitousArpsArePacedAcrossAddresses) {
    make(10, 1000);  // one frame per ms: a bucket of one frame
    ASSERT_TRUE(acquire());
    EXPECT_EQ(count("garp "), 1) << "only the first address at once";
    EXPECT_EQ(only({"garp "}).front(), "garp request " + ip(0));
    for (long sent = 2; sent <= 10; ++sent) {
        scheduler_.advance_ns(kMsNs - 1);
        EXPECT_EQ(count("garp "), sent - 1) << "not before its turn";
        scheduler_.advance_ns(1);
        EXPECT_EQ(count("garp "), sent) << "one more each millisecond";
    }
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < 10; ++i) {
        expected.push_back("garp request " + ip(i));
    }
    EXPECT_EQ(only({"garp "}), expected) << "in config order";
}

TEST_F(ManyAddresses, RepeatedBurstsArePacedToo) {
    make(3, 1000, 1);
    ASSERT_TRUE(acquire());
    scheduler_.advance_ns(2 * kMsNs);
    ASSERT_EQ(count("garp "), 3);
    scheduler_.advance_ns(100 * kMsNs - 2 * kMsNs);  // the repeat, at garp.interval_ms
    EXPECT_EQ(count("garp "), 4) << "the repeat's first frame at once";
    scheduler_.advance_ns(2 * kMsNs);
    EXPECT_EQ(count("garp "), 6) << "then paced";
    scheduler_.advance_ns(1000 * kMsNs);
    EXPECT_EQ(count("garp "), 6) << "repeat = 1: two rounds";
}

TEST_F(ManyAddresses, DefaultRateAnnouncesAThousandAddressesWithinFourMilliseconds) {
    make(1000);
    ASSERT_TRUE(acquire());
    EXPECT_LT(count("garp "), 1000) << "paced, not one burst of 1000";
    EXPECT_GE(count("garp "), 1) << "the first at once";
    scheduler_.advance_ns(4 * kMsNs);
    EXPECT_EQ(count("garp "), 1000) << "the default rate (250000/s) announces 1000 addresses within 4 ms";
}

TEST_F(ManyAddresses, ReleaseDropsQueuedAnnouncements) {
    make(10, 1000);
    ASSERT_TRUE(acquire());
    ASSERT_EQ(count("garp "), 1);
    std::optional<bool> released;
    controller_->release("primary back", true, {}, [&released](bool done) { released = done; });
    ASSERT_TRUE(released.value_or(false));
    scheduler_.advance_ns(100 * kMsNs);
    EXPECT_EQ(count("garp "), 1) << "nothing announced after the release";
}

TEST_F(ManyAddresses, ProbesPerPeriodAreBoundedAndCoverEveryAddress) {
    make(1000, GarpSchedule{}.frames_per_second, 0, 16);
    std::map<std::string, int> probed;
    const std::size_t periods = (999 + 14) / 15;  // ceil((n - 1) / (k - 1))
    for (std::size_t period = 0; period < periods; ++period) {
        journal_.clear();
        controller_->send_probes();
        const auto probes = only({"probe "});
        ASSERT_EQ(probes.size(), 16U) << "period " << period;
        EXPECT_EQ(probes.front(), "probe " + ip(0)) << "the first address every period";
        for (const auto& line : probes) {
            ++probed[line];
        }
    }
    EXPECT_EQ(probed.size(), 1000U) << "every address probed within ceil((n-1)/(k-1)) periods";
    EXPECT_EQ(controller_->counters().probes_sent, periods * 16);
}

TEST_F(ManyAddresses, ASampleAsLargeAsTheListProbesEveryAddressEachPeriod) {
    make(5, GarpSchedule{}.frames_per_second, 0, 100);
    controller_->send_probes();
    EXPECT_EQ(only({"probe "}), (std::vector<std::string>{"probe " + ip(0), "probe " + ip(1), "probe " + ip(2),
                                                          "probe " + ip(3), "probe " + ip(4)}));
}

}  // namespace
}  // namespace fo::takeover
