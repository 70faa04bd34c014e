#include "fo/inject/beat_emitter.hpp"

#include <gtest/gtest.h>

#include "fake_clock.hpp"
#include "fake_transmitters.hpp"

namespace fo::inject {
namespace {

class BeatEmitterTest : public ::testing::Test {
  protected:
    BeatEmitterTest() {
        emitter_.add_link("eth0", lan_);
        emitter_.add_link("eth1", private_link_);
        emitter_.set_state(wire::SenderState::active);
    }

    testing::FakeClock clock_{1'700'000'000'000'000'000};
    testing::FakeHeartbeatTransmitter lan_;
    testing::FakeHeartbeatTransmitter private_link_;
    BeatEmitter emitter_{BeatEmitter::Identity{7, 0xABCDEF, wire::Role::primary, 1000},
                         [this] { return clock_.now_ns(); }};
};

TEST_F(BeatEmitterTest, EachLinkHasItsOwnIdAndSequence) {
    for (int tick = 0; tick < 3; ++tick) {
        emitter_.emit();
        clock_.advance_us(1000);
    }
    ASSERT_EQ(lan_.sent.size(), 3U);
    ASSERT_EQ(private_link_.sent.size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(lan_.sent[i].sequence, i + 1);
        EXPECT_EQ(private_link_.sent[i].sequence, i + 1);
        EXPECT_EQ(lan_.sent[i].link_id, 0);
        EXPECT_EQ(private_link_.sent[i].link_id, 1);
    }
    const wire::Heartbeat& beat = lan_.sent[2];
    EXPECT_EQ(beat.node_id, 7U);
    EXPECT_EQ(beat.boot_epoch, 0xABCDEFU);
    EXPECT_EQ(beat.interval_us, 1000U);
    EXPECT_EQ(beat.state, wire::SenderState::active);
    EXPECT_EQ(beat.tx_time_ns, 1'700'000'000'002'000'000U);
}

TEST_F(BeatEmitterTest, AFailedSendUsesNoSequenceNumberAndIsCounted) {
    emitter_.emit();
    lan_.fail_next(1);
    EXPECT_EQ(emitter_.emit(), 1U);
    emitter_.emit();
    ASSERT_EQ(lan_.sent.size(), 2U);
    EXPECT_EQ(lan_.sent[1].sequence, 2U) << "no gap on the wire for a beat that never left";
    EXPECT_EQ(emitter_.links()[0].send_errors, 1U);
    EXPECT_EQ(emitter_.links()[0].sent, 2U);
    EXPECT_EQ(emitter_.links()[0].last_error, "fake send failure");
    EXPECT_EQ(emitter_.links()[1].sent, 3U);
}

}  // namespace
}  // namespace fo::inject
