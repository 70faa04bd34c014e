// The RFC 5227 probes of a whole Node (role machine -> takeover) with 1000
// service addresses: bounded per probe period, and still the claim's
// safety: an answer for a probed address vetoes it.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "fake_takeover_edges.hpp"
#include "fake_transmitters.hpp"
#include "fo/daemon/node.hpp"
#include "fo/wire/arp.hpp"
#include "frames.hpp"

namespace fo::daemon {
namespace {

constexpr std::uint32_t kFirstAddress = 0xC6120001;  // 198.18.0.1
constexpr std::size_t kAddresses = 1000;
constexpr std::int64_t kMsNs = 1'000'000;
constexpr std::int64_t kIntervalNs = 10 * kMsNs;
const wire::MacAddress kOurMac{{0x02, 0, 0, 0, 0, 1}};
const wire::MacAddress kHolderMac{{0x02, 0, 0, 0, 0, 2}};

class ProbeBoundNode : public ::testing::Test {
  protected:
    void start(std::int64_t sample) {
        Config config;
        config.role = wire::Role::primary;
        config.node_id = 1;
        config.interval_ns = kIntervalNs;
        config.miss_count = 3;
        config.initial_dead_time_ns = 100 * kMsNs;
        config.no_auth = true;
        config.links = {LinkConfig{"lan0", wire::Ipv4Address{0xC6336402}, false}};
        for (std::size_t i = 0; i < kAddresses; ++i) {
            config.addresses.push_back(
                takeover::ServiceAddress{"lan0", wire::Ipv4Address{kFirstAddress + static_cast<std::uint32_t>(i)}, 32});
        }
        config.probe.addresses_per_period = sample;
        NodeEdges edges;
        edges.transmitters = {&beats_};
        edges.link_macs = {kOurMac};
        edges.arp_for = [this](const std::string&) -> inject::ArpTransmitter* { return &arp_; };
        edges.addresses = &addresses_;
        edges.hooks = &hooks_;
        edges.notifier = &notifier_;
        edges.scheduler = &scheduler_;
        edges.wall_clock = [] { return std::int64_t{0}; };
        edges.monotonic_clock = [this] { return now_; };
        node_ = std::make_unique<Node>(config, NodeIdentity{1, 1, nullptr}, std::move(edges), now_);
    }
    [[nodiscard]] long probes() const {
        return std::count_if(journal_.begin(), journal_.end(),
                             [](const std::string& line) { return line.rfind("probe ", 0) == 0; });
    }
    /// Runs the node's loop, one decision a millisecond; `each` after each.
    template <typename Each>
    void run_until(std::int64_t end_ns, Each each) {
        for (; now_ <= end_ns; now_ += kMsNs) {
            node_->decide(now_);
            each();
        }
    }

    testing::Journal journal_;
    testing::FakeHeartbeatTransmitter beats_;
    testing::FakeArpTransmitter arp_{journal_};
    testing::FakeAddressManager addresses_{journal_};
    testing::FakeHookRunner hooks_{journal_};
    testing::FakeNotifier notifier_{journal_};
    testing::FakeScheduler scheduler_;
    std::unique_ptr<Node> node_;
    std::int64_t now_ = kMsNs;
};

TEST_F(ProbeBoundNode, ProbesPerPeriodAreBoundedAndTheClaimStillComes) {
    start(16);
    long most_in_one_decision = 0;
    run_until(400 * kMsNs, [&] {
        most_in_one_decision = std::max(most_in_one_decision, probes());
        journal_.erase(std::remove_if(journal_.begin(), journal_.end(),
                                      [](const std::string& line) { return line.rfind("probe ", 0) == 0; }),
                       journal_.end());
    });
    EXPECT_GT(most_in_one_decision, 0) << "it probed before claiming";
    EXPECT_EQ(most_in_one_decision, 16) << "16 addresses a probe period, not all 1000";
    EXPECT_TRUE(node_->takeover().holding()) << "the probes passed: the claim came";
    EXPECT_LE(node_->takeover().counters().probes_sent, 16U * (400 / 10 + 1));
}

TEST_F(ProbeBoundNode, AnAnswerForTheFirstAddressStillVetoesTheClaim) {
    start(16);
    // Another holder answers every probe for the first address.
    run_until(400 * kMsNs, [&] {
        const std::string first = "probe " + wire::Ipv4Address{kFirstAddress}.to_string();
        if (std::find(journal_.begin(), journal_.end(), first) != journal_.end()) {
            journal_.clear();
            wire::ArpFrame reply;
            reply.ethernet_destination = kOurMac;
            reply.ethernet_source = kHolderMac;
            reply.operation = wire::kArpReply;
            reply.sender_mac = kHolderMac;
            reply.sender_ip = wire::Ipv4Address{kFirstAddress};
            reply.target_mac = kOurMac;
            const auto frame = testing::arp_frame(reply);
            node_->on_frame(0, frame, now_);
        }
    });
    EXPECT_FALSE(node_->takeover().holding()) << "an address in use is never claimed";
    EXPECT_EQ(node_->takeover().counters().acquisitions, 0U);
}

}  // namespace
}  // namespace fo::daemon
