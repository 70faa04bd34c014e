// IPv6 service addresses through a whole Node (role machine -> takeover),
// mixed with an IPv4 one: DAD probes before the claim (RFC 4862 5.4.2), a
// neighbor advertisement or another node's DAD probe for the address
// vetoes it as an ARP reply does the RFC 5227 probe, unsolicited
// advertisements announce the claim (RFC 4861 7.2.6), paced and repeated
// as gratuitous ARPs are.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "fake_takeover_edges.hpp"
#include "fake_transmitters.hpp"
#include "fo/daemon/node.hpp"
#include "fo/wire/ndp.hpp"

namespace fo::daemon {
namespace {

constexpr std::int64_t kMsNs = 1'000'000;
constexpr std::int64_t kIntervalNs = 10 * kMsNs;
const wire::MacAddress kOurMac{{0x02, 0, 0, 0, 0, 1}};
const wire::MacAddress kHolderMac{{0x02, 0, 0, 0, 0, 2}};
const wire::Ipv6Address kService6 = wire::Ipv6Address::parse("2001:db8::100").value();

class Ipv6Node : public ::testing::Test {
  protected:
    void SetUp() override {
        Config config;
        config.role = wire::Role::primary;
        config.node_id = 1;
        config.interval_ns = kIntervalNs;
        config.miss_count = 3;
        config.initial_dead_time_ns = 100 * kMsNs;
        config.no_auth = true;
        config.links = {LinkConfig{"lan0", wire::Ipv4Address{0xC6336402}, false}};
        config.addresses = {takeover::ServiceAddress{"lan0", kService6, 64},
                            takeover::ServiceAddress{"lan0", wire::Ipv4Address{0xC6336464}, 24}};
        config.garp.repeat = 2;
        config.garp.interval_ns = 50 * kMsNs;
        NodeEdges edges;
        edges.transmitters = {&beats_};
        edges.link_macs = {kOurMac};
        edges.arp_for = [this](const std::string&) -> inject::ArpTransmitter* { return &arp_; };
        edges.ndp_for = [this](const std::string&) -> inject::NdpTransmitter* { return &ndp_; };
        edges.addresses = &addresses_;
        edges.hooks = &hooks_;
        edges.notifier = &notifier_;
        edges.scheduler = &scheduler_;
        edges.wall_clock = [] { return std::int64_t{0}; };
        edges.monotonic_clock = [this] { return now_; };
        node_ = std::make_unique<Node>(config, NodeIdentity{1, 1, nullptr}, std::move(edges), now_);
    }
    [[nodiscard]] long count(const std::string& line) const {
        return std::count(journal_.begin(), journal_.end(), line);
    }
    /// One decision a millisecond; `each` after each.
    template <typename Each>
    void run_until(std::int64_t end_ns, Each each) {
        for (; now_ <= end_ns; now_ += kMsNs) {
            scheduler_.advance_ns(kMsNs);
            node_->decide(now_);
            each();
        }
    }
    /// Another host answers every DAD probe for the IPv6 address with `frame`.
    void answer_probes_with(const std::vector<std::uint8_t>& frame) {
        run_until(400 * kMsNs, [&] {
            if (count("probe 2001:db8::100") > 0) {
                journal_.clear();
                node_->on_frame(0, frame, now_);
            }
        });
    }

    testing::Journal journal_;
    testing::FakeHeartbeatTransmitter beats_;
    testing::FakeArpTransmitter arp_{journal_};
    testing::FakeNdpTransmitter ndp_{journal_};
    testing::FakeAddressManager addresses_{journal_};
    testing::FakeHookRunner hooks_{journal_};
    testing::FakeNotifier notifier_{journal_};
    testing::FakeScheduler scheduler_;
    std::unique_ptr<Node> node_;
    std::int64_t now_ = kMsNs;
};

TEST_F(Ipv6Node, ProbesBothFamiliesThenClaimsAndAnnouncesEach) {
    bool probed6 = false;
    bool probed4 = false;
    run_until(400 * kMsNs, [&] {
        probed6 = probed6 || count("probe 2001:db8::100") > 0;
        probed4 = probed4 || count("probe 198.51.100.100") > 0;
    });
    EXPECT_TRUE(probed6) << "a DAD probe before the claim";
    EXPECT_TRUE(probed4) << "an ARP probe before the claim";
    ASSERT_TRUE(node_->takeover().holding());
    EXPECT_EQ(count("add 2001:db8::100/64 lan0:fo"), 1);
    EXPECT_EQ(count("add 198.51.100.100/24 lan0:fo"), 1);
    // The first announcement and garp.repeat = 2 repeats, for each family.
    EXPECT_EQ(count("na 2001:db8::100"), 3);
    EXPECT_EQ(count("garp request 198.51.100.100"), 3);
    // Hooks get both addresses, the IPv6 one in RFC 5952 text.
    EXPECT_EQ(count("hook Test acquire 2001:db8::100 state=standby"), 1);
    EXPECT_EQ(count("hook PreAcq acquire 2001:db8::100 198.51.100.100 state=standby"), 1);
}

TEST_F(Ipv6Node, ReleaseRemovesBothFamilies) {
    run_until(400 * kMsNs, [] {});
    ASSERT_TRUE(node_->takeover().holding());
    journal_.clear();
    bool released = false;
    node_->takeover().release("test", true, {}, [&](bool ok) { released = ok; });
    EXPECT_TRUE(released);
    EXPECT_EQ(count("remove 2001:db8::100/64"), 1);
    EXPECT_EQ(count("remove 198.51.100.100/24"), 1);
    EXPECT_EQ(count("hook PostRel release 2001:db8::100 198.51.100.100 state=standby"), 1);
    const auto present = node_->takeover().addresses_present();
    EXPECT_TRUE(present.empty());
}

TEST_F(Ipv6Node, AnAdvertisementForTheAddressVetoesTheClaim) {
    answer_probes_with(wire::encode_neighbor_advert(wire::make_unsolicited_advert(kHolderMac, kService6)));
    EXPECT_FALSE(node_->takeover().holding()) << "an IPv6 address in use is never claimed";
    EXPECT_EQ(node_->takeover().counters().acquisitions, 0U);
}

TEST_F(Ipv6Node, AnotherNodesDadProbeVetoesTheClaim) {
    answer_probes_with(wire::encode_neighbor_solicit(wire::make_dad_probe(kHolderMac, kService6)));
    EXPECT_FALSE(node_->takeover().holding()) << "RFC 4862 5.4.3: another node claims it too";
}

TEST_F(Ipv6Node, OurOwnFramesAndOtherTargetsAreNoClaim) {
    const wire::Ipv6Address other = wire::Ipv6Address::parse("2001:db8::200").value();
    run_until(400 * kMsNs, [&] {
        if (count("probe 2001:db8::100") > 0) {
            journal_.clear();
            node_->on_frame(0, wire::encode_neighbor_advert(wire::make_unsolicited_advert(kOurMac, kService6)), now_);
            node_->on_frame(0, wire::encode_neighbor_advert(wire::make_unsolicited_advert(kHolderMac, other)), now_);
            // A resolution solicitation is not a claim: only DAD probes are.
            node_->on_frame(0, wire::encode_neighbor_solicit(wire::make_neighbor_solicit(kHolderMac, other, kService6)),
                            now_);
        }
    });
    EXPECT_TRUE(node_->takeover().holding());
}

}  // namespace
}  // namespace fo::daemon
