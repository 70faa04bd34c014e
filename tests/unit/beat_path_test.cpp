// The per-beat path's OS-edge pieces that run without root: the heartbeat
// sender into a socketpair sink (the frame it sends must decode, checksums
// and MAC included), the wake filter (only messages that need an answer
// pass), and the event loop's timers (re-armed and cancelled from their own
// callbacks, late periodic timers counted).
#include <gtest/gtest.h>

#include <ctime>

#include "fake_frame_sink.hpp"
#include "fo/capture/bpf_filter.hpp"
#include "fo/inject/heartbeat_sender.hpp"
#include "fo/runtime/event_loop.hpp"
#include "frames.hpp"

namespace fo {
namespace {

class SenderIntoSocketpair : public ::testing::Test {
  protected:
    void SetUp() override {
        const wire::UdpEndpoints endpoints = testing::primary_to_secondary();
        inject::HeartbeatSenderOptions options;
        options.interface = "test0";
        options.destination_ip = endpoints.destination_ip;
        options.destination_mac = wire::MacAddress::broadcast();
        options.keyring = &keyring_;
        options.source_mac = endpoints.source_mac;
        options.source_ip = endpoints.source_ip;
        auto sink = std::make_unique<testing::SocketpairFrameSink>();
        sink_ = sink.get();
        sender_ = std::make_unique<inject::LibnetHeartbeatSender>(options, std::move(sink));
    }
    testing::Frame receive() {
        testing::Frame frame(512);
        frame.resize(sink_->receive(frame).size());
        return frame;
    }

    wire::Keyring keyring_ = wire::Keyring::single(testing::test_key());
    testing::SocketpairFrameSink* sink_ = nullptr;  // owned by the sender
    std::unique_ptr<inject::LibnetHeartbeatSender> sender_;
};

TEST_F(SenderIntoSocketpair, EveryFrameDecodesWithItsChecksumsAndMac) {
    const wire::HeartbeatDecodeOptions options{wire::kDefaultHeartbeatPort, nullptr, &keyring_};
    // Many sequences and times: the UDP checksum is recomputed per payload.
    for (std::uint64_t sequence = 1; sequence <= 300; ++sequence) {
        wire::Heartbeat beat = testing::sample_beat(sequence);
        beat.tx_time_ns = sequence * 7'919'000'013ULL;
        beat.type = sequence % 3 == 0 ? wire::MessageType::released : wire::MessageType::beat;
        ASSERT_TRUE(sender_->send(beat)) << sender_->last_error();
        const testing::Frame frame = receive();
        ASSERT_EQ(frame.size(), 14U + 20U + 8U + wire::kHeartbeatPayloadSize);
        auto decoded = wire::decode_heartbeat_frame(frame, options);
        ASSERT_TRUE(decoded) << "sequence " << sequence << ": " << wire::to_string(decoded.reason());
        EXPECT_EQ(decoded.value().beat.sequence, sequence);
        EXPECT_EQ(decoded.value().beat.type, beat.type);
        EXPECT_TRUE(decoded.value().mac_verified);
        EXPECT_EQ(decoded.value().endpoints.source_ip, testing::primary_to_secondary().source_ip);
    }
}

TEST_F(SenderIntoSocketpair, FollowsTheDestinationMac) {
    const wire::MacAddress peer{{0x02, 0, 0, 0, 0, 0x42}};
    ASSERT_TRUE(sender_->set_destination_mac(peer));
    ASSERT_TRUE(sender_->send(testing::sample_beat()));
    const testing::Frame frame = receive();
    auto decoded = wire::decode_heartbeat_frame(frame, {wire::kDefaultHeartbeatPort, nullptr, &keyring_});
    ASSERT_TRUE(decoded) << wire::to_string(decoded.reason());
    EXPECT_EQ(decoded.value().endpoints.destination_mac, peer);
}

TEST(WakeFilter, PassesOnlyMessagesThatNeedAnAnswer) {
    const wire::UdpEndpoints from_peer = testing::primary_to_secondary();
    const capture::FilterSpec spec{wire::kDefaultHeartbeatPort, testing::secondary_to_primary().source_mac, false};
    const capture::OfflineFilter wake(capture::build_wake_filter_expression(spec));
    const capture::OfflineFilter everything(capture::build_filter_expression(spec));
    const wire::AuthKey key = testing::test_key();
    const auto frame = [&](wire::MessageType type, wire::SenderState state, const wire::UdpEndpoints& endpoints) {
        wire::Heartbeat beat = testing::sample_beat();
        beat.type = type;
        beat.state = state;
        return testing::beat_frame(beat, &key, endpoints);
    };
    using wire::MessageType;
    using wire::SenderState;
    for (const SenderState state : {SenderState::starting, SenderState::standby, SenderState::active}) {
        const auto beat = frame(MessageType::beat, state, from_peer);
        EXPECT_FALSE(wake.matches(beat)) << "an ordinary beat in state " << wire::to_string(state);
        EXPECT_TRUE(everything.matches(beat));
    }
    for (const auto& [type, state] :
         {std::pair{MessageType::release_request, SenderState::starting},
          std::pair{MessageType::released, SenderState::standby},
          std::pair{MessageType::released, SenderState::stopping}, std::pair{MessageType::beat, SenderState::releasing},
          std::pair{MessageType::beat, SenderState::stopping}}) {
        EXPECT_TRUE(wake.matches(frame(type, state, from_peer)))
            << wire::to_string(type) << " in state " << wire::to_string(state);
    }
    // Our own frames (our MAC) never ring, nor frames for another port.
    EXPECT_FALSE(wake.matches(frame(MessageType::released, SenderState::stopping, testing::secondary_to_primary())));
    wire::UdpEndpoints other_port = from_peer;
    other_port.destination_port = 9;
    EXPECT_FALSE(wake.matches(frame(MessageType::released, SenderState::stopping, other_port)));
}

std::int64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

TEST(EventLoopTimers, RearmedAndCancelledFromTheirOwnCallbacks) {
    runtime::EventLoop loop;
    int one_shot_runs = 0;
    runtime::EventLoop::TimerId one_shot = 0;
    one_shot = loop.add_timer(1'000'000, 0, [&](std::uint64_t) {
        if (++one_shot_runs < 3) {
            loop.rearm_timer(one_shot, 1'000'000, 0);  // a fired one-shot timer stays valid
        }
    });
    int self_cancelling_runs = 0;
    runtime::EventLoop::TimerId self_cancelling = 0;
    self_cancelling = loop.add_timer(1'000'000, 1'000'000, [&](std::uint64_t) {
        ++self_cancelling_runs;
        loop.cancel_timer(self_cancelling);  // destroys this callback's timer while it runs
    });
    const runtime::EventLoop::TimerId never = loop.add_timer(2'000'000, 0, [&](std::uint64_t) { ADD_FAILURE(); });
    loop.rearm_timer(never, 60'000'000'000, 0);  // moved far away: must not fire at its first deadline
    loop.add_timer(50'000'000, 0, [&](std::uint64_t) { loop.stop(); });
    loop.run();
    EXPECT_EQ(one_shot_runs, 3);
    EXPECT_EQ(self_cancelling_runs, 1);
}

TEST(EventLoopTimers, ALatePeriodicTimerFiresOnceAndCountsTheMissedPeriods) {
    runtime::EventLoop loop;
    std::vector<std::uint64_t> expirations;
    loop.add_timer(1'000'000, 1'000'000, [&](std::uint64_t count) {
        expirations.push_back(count);
        if (expirations.size() == 1) {
            const std::int64_t until = monotonic_ns() + 10'500'000;  // a 10.5 ms stall
            while (monotonic_ns() < until) {
            }
        } else {
            loop.stop();
        }
    });
    const std::int64_t start = monotonic_ns();
    loop.add_timer(5'000'000'000, 0, [&](std::uint64_t) { loop.stop(); });
    loop.run();
    ASSERT_EQ(expirations.size(), 2U) << "stopped by the 5 s guard after " << (monotonic_ns() - start) << " ns";
    EXPECT_GE(expirations[1], 10U);  // one call for the ten (or more, on a busy machine) periods missed
}

}  // namespace
}  // namespace fo
