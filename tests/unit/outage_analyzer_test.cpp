#include "fo/probe/outage_analyzer.hpp"

#include <gtest/gtest.h>

namespace fo::probe {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kStart = 1'000'000 * kMs;
const wire::MacAddress kA{{0x02, 0, 0, 0, 0, 0x0A}};
const wire::MacAddress kB{{0x02, 0, 0, 0, 0, 0x0B}};

/// 1000 probes per second; the owner answers each probe within 0.1 ms.
class OutageAnalyzerTest : public ::testing::Test {
  protected:
    void probe(std::uint64_t index, std::optional<wire::MacAddress> echo_from,
               const std::vector<wire::MacAddress>& arp_from = {}) {
        const std::int64_t sent = kStart + static_cast<std::int64_t>(index) * kMs;
        analyzer_.on_probe_sent(index, sent);
        if (echo_from) {
            analyzer_.on_echo_reply(index, *echo_from, sent + kMs / 10);
        }
        for (const auto& mac : arp_from) {
            analyzer_.on_arp_reply(mac, sent + kMs / 10);
        }
    }
    [[nodiscard]] OutageReport report() const { return analyzer_.report(kStart + 100'000 * kMs); }

    OutageAnalyzer analyzer_{kMs};
};

TEST_F(OutageAnalyzerTest, CleanFailoverGivesOneOutageAndOneOwnerChange) {
    for (std::uint64_t i = 1; i <= 1000; ++i) {
        if (i <= 400) {
            probe(i, kA, {kA});
        } else if (i >= 550) {
            probe(i, kB, {kB});
        } else {
            probe(i, std::nullopt);
        }
    }
    const OutageReport r = report();
    EXPECT_EQ(r.probes_sent, 1000U);
    EXPECT_EQ(r.probes_answered, 851U);
    ASSERT_TRUE(r.outage);
    EXPECT_EQ(r.outage->length_ns(), 149 * kMs);
    EXPECT_EQ(r.outage->probes(), 149U);
    ASSERT_EQ(r.owner_changes.size(), 2U);
    EXPECT_FALSE(r.owner_changes[0].from);
    EXPECT_EQ(r.owner_changes[1].from, kA);
    EXPECT_EQ(r.owner_changes[1].to, kB);
    EXPECT_EQ(r.owner_changes[1].probe, 550U);
    EXPECT_TRUE(r.dual_owner_windows.empty());
    EXPECT_EQ(r.replies_per_mac.at(kA), 400U);
    EXPECT_TRUE(analyzer_.recovered(200, kStart + 100'000 * kMs));
    EXPECT_FALSE(analyzer_.recovered(500, kStart + 100'000 * kMs));
}

TEST_F(OutageAnalyzerTest, UnansweredBeforeTheFirstReplyIsNotAnOutage) {
    for (std::uint64_t i = 1; i <= 100; ++i) {
        probe(i, i > 5 ? std::optional(kA) : std::nullopt);
    }
    const OutageReport r = report();
    EXPECT_FALSE(r.outage);
    EXPECT_EQ(r.unanswered_before_first_reply, 5U);
    EXPECT_FALSE(analyzer_.recovered(10, kStart + 100'000 * kMs)) << "no outage happened yet";
}

TEST_F(OutageAnalyzerTest, AMoveWithoutALostProbeCountsAsRecovered) {
    for (std::uint64_t i = 1; i <= 400; ++i) {
        probe(i, i <= 100 ? kA : kB);
    }
    EXPECT_FALSE(report().outage);
    EXPECT_TRUE(analyzer_.recovered(200, kStart + 100'000 * kMs));
    EXPECT_FALSE(analyzer_.recovered(301, kStart + 100'000 * kMs));
}

TEST_F(OutageAnalyzerTest, LongestOfSeveralGapsIsTheOutage) {
    for (std::uint64_t i = 1; i <= 300; ++i) {
        const bool lost = (i > 50 && i <= 60) || (i > 100 && i <= 130) || i == 200;
        probe(i, lost ? std::nullopt : std::optional(kA));
    }
    const OutageReport r = report();
    ASSERT_EQ(r.gaps.size(), 3U);
    EXPECT_EQ(r.outage->length_ns(), 30 * kMs);
    EXPECT_EQ(r.outage->first_unanswered, 101U);
}

TEST_F(OutageAnalyzerTest, OverlappingArpClaimsAreADualOwnerWindow) {
    for (std::uint64_t i = 1; i <= 1000; ++i) {
        std::vector<wire::MacAddress> owners;
        if (i <= 600) {
            owners.push_back(kA);
        }
        if (i >= 300) {
            owners.push_back(kB);
        }
        if (i % 7 == 0 && owners.size() == 2) {
            owners.pop_back();  // a lost reply does not end a claim
        }
        probe(i, i <= 600 ? kA : kB, owners);
    }
    const OutageReport r = report();
    ASSERT_EQ(r.dual_owner_windows.size(), 1U);
    EXPECT_EQ(r.dual_owner_windows[0].start_ns, kStart + 300 * kMs);
    EXPECT_EQ(r.dual_owner_total_ns, 301 * kMs);
    EXPECT_EQ(r.dual_owner_windows[0].macs.size(), 2U);
}

TEST_F(OutageAnalyzerTest, AHandoverBetweenTwoProbesIsNotADualOwner) {
    // The old owner answers probe 10 and stops; the new one answers probe 10
    // late (after the old one's reply but before probe 11) and then on.
    for (std::uint64_t i = 1; i <= 20; ++i) {
        probe(i, i <= 10 ? kA : kB, {i <= 10 ? kA : kB});
    }
    analyzer_.on_arp_reply(kB, kStart + 10 * kMs + kMs / 2);
    EXPECT_EQ(report().dual_owner_windows.size(), 1U) << "both answered probe 10: that is a dual owner";
    OutageAnalyzer clean(kMs);
    for (std::uint64_t i = 1; i <= 20; ++i) {
        clean.on_probe_sent(i, kStart + static_cast<std::int64_t>(i) * kMs);
        clean.on_arp_reply(i <= 10 ? kA : kB, kStart + static_cast<std::int64_t>(i) * kMs + (i <= 10 ? 900'000 : 100));
    }
    EXPECT_TRUE(clean.report(kStart + 100 * kMs).dual_owner_windows.empty())
        << "a reply late in one period and the next owner's early in the next are not simultaneous";
}

TEST_F(OutageAnalyzerTest, DuplicateAndForeignRepliesAreIgnored) {
    probe(1, kA);
    analyzer_.on_echo_reply(1, kB, kStart + 2 * kMs);  // a second reply to probe 1
    analyzer_.on_echo_reply(99, kA, kStart);           // never sent
    const OutageReport r = report();
    EXPECT_EQ(r.probes_answered, 1U);
    EXPECT_EQ(r.replies_per_mac.at(kB), 1U);
    ASSERT_EQ(r.owner_changes.size(), 1U);
}

}  // namespace
}  // namespace fo::probe
