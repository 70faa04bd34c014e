#include "fo/wire/heartbeat.hpp"

#include <gtest/gtest.h>

#include "frames.hpp"

namespace fo::wire {
namespace {

using testing::beat_frame;
using testing::sample_beat;

TEST(HeartbeatPayload, GoldenBytesWithoutKey) {
    HeartbeatPayload payload{};
    Heartbeat beat = sample_beat(1);
    beat.echo_epoch = 0xA1A2A3A4A5A6A7A8ULL;
    beat.echo_sequence = 258;
    beat.term = 7;
    beat.key_id = 0x01020304;
    beat.echo_generation = 0x0A0B0C0D;
    encode_heartbeat_payload(beat, nullptr, payload);
    const HeartbeatPayload expected{
        0x46, 0x4F, 0x48, 0x42,                          // magic "FOHB"
        0x02, 0x01, 0x01, 0x02,                          // version 2, type beat, role primary, state active
        0x00, 0x00, 0x00, 0x60,                          // auth none, link 0, length 96
        0x00, 0x00, 0x00, 0x01,                          // node id 1
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,  // boot epoch
        0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8,  // echoed epoch
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // sequence 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02,  // echoed sequence 258
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  // term 7
        0x17, 0x97, 0x9C, 0xFE, 0x36, 0x39, 0x42, 0x40,  // tx time ns
        0x00, 0x00, 0x03, 0xE8,                          // interval 1000 us
        0x00, 0x00, 0x00, 0x00,                          // generation 0
        0x01, 0x02, 0x03, 0x04,                          // key id
        0x0A, 0x0B, 0x0C, 0x0D,                          // echoed generation
        0,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0,  // no MAC
    };
    EXPECT_EQ(payload, expected);
}

TEST(HeartbeatPayload, KeyedTrailerIsHmacOfTheFieldsBeforeIt) {
    const AuthKey key = testing::test_key();
    HeartbeatPayload payload{};
    encode_heartbeat_payload(sample_beat(7), &key, payload);
    EXPECT_EQ(payload[8], static_cast<std::uint8_t>(AuthType::hmac_sha256_128));
    const MacTag tag = key.compute(std::span<const std::uint8_t>(payload).first(kHeartbeatAuthenticatedSize));
    EXPECT_TRUE(std::equal(tag.begin(), tag.end(), payload.begin() + kHeartbeatAuthenticatedSize));
}

TEST(HeartbeatFrame, RoundTripsEveryField) {
    const AuthKey key = testing::test_key();
    Heartbeat beat = sample_beat(0xFFFFFFFFFFFFFFF0ULL);
    beat.type = MessageType::release_request;
    beat.role = Role::secondary;
    beat.state = SenderState::releasing;
    beat.link_id = 1;
    beat.node_id = 0xCAFEBABE;
    beat.echo_epoch = 0x0102030405060708ULL;
    beat.echo_sequence = 0xFFFFFFFFFFFFFFFEULL;
    beat.term = 0x8000000000000001ULL;
    beat.generation = 0xFEEDF00DU;
    beat.key_id = 0xFFFFFFFEU;
    beat.echo_generation = 0xDEADBEEFU;
    const auto frame = beat_frame(beat, &key);
    ASSERT_EQ(frame.size(), kHeartbeatFrameSize);
    auto decoded = decode_heartbeat_frame(frame, HeartbeatDecodeOptions{kDefaultHeartbeatPort, &key});
    ASSERT_TRUE(decoded) << to_string(decoded.reason());
    Heartbeat expected = beat;
    expected.auth = AuthType::hmac_sha256_128;
    EXPECT_EQ(decoded->beat, expected);
    EXPECT_TRUE(decoded->mac_verified);
    EXPECT_EQ(decoded->ttl, kHeartbeatTtl);
    EXPECT_EQ(decoded->endpoints.source_mac, testing::primary_to_secondary().source_mac);
    EXPECT_EQ(decoded->endpoints.destination_ip, testing::primary_to_secondary().destination_ip);
}

TEST(HeartbeatFrame, AcceptsEthernetPaddingAfterTheIpPacket) {
    auto frame = beat_frame(sample_beat(1), nullptr);
    frame.resize(frame.size() + 18, 0);
    auto decoded = decode_heartbeat_frame(frame, HeartbeatDecodeOptions{});
    EXPECT_TRUE(decoded) << to_string(decoded.reason());
}

TEST(HeartbeatFrame, WithoutKeyFramesPassUnverified) {
    const AuthKey key = testing::test_key();
    for (const auto& frame : {beat_frame(sample_beat(1), &key), beat_frame(sample_beat(1), nullptr)}) {
        auto decoded = decode_heartbeat_frame(frame, HeartbeatDecodeOptions{});
        ASSERT_TRUE(decoded);
        EXPECT_FALSE(decoded->mac_verified);
    }
}

TEST(HeartbeatFrame, EachMalformedFrameGivesItsOwnDropReason) {
    const AuthKey key = testing::test_key();
    const auto cases = testing::malformed_cases();
    for (const auto& item : cases) {
        auto decoded = decode_heartbeat_frame(item.frame, HeartbeatDecodeOptions{kDefaultHeartbeatPort, &key});
        ASSERT_FALSE(decoded) << "expected " << to_string(item.expected);
        EXPECT_EQ(decoded.reason(), item.expected)
            << "expected " << to_string(item.expected) << ", got " << to_string(decoded.reason());
    }
    // Every reason a single frame can cause has a case, so the order is tested end to end.
    EXPECT_EQ(cases.size(), static_cast<std::size_t>(DropReason::bad_mac) + 1);
}

TEST(HeartbeatFrame, EveryTruncationIsDroppedNeverRead) {
    const AuthKey key = testing::test_key();
    const auto frame = beat_frame(sample_beat(1), &key);
    for (std::size_t length = 0; length < frame.size(); ++length) {
        std::vector<std::uint8_t> truncated(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(length));
        EXPECT_FALSE(decode_heartbeat_frame(truncated, HeartbeatDecodeOptions{kDefaultHeartbeatPort, &key}))
            << "length " << length;
    }
}

TEST(HeartbeatFrame, AnySingleBitFlipFailsTheMacOrAnEarlierCheck) {
    const AuthKey key = testing::test_key();
    const auto frame = beat_frame(sample_beat(1), &key);
    const std::size_t payload_start = kEthernetHeaderSize + kIpv4HeaderSize + kUdpHeaderSize;
    for (std::size_t byte = payload_start; byte < frame.size(); ++byte) {
        auto flipped = frame;
        flipped[byte] ^= 0x10U;
        testing::refresh_udp_checksum(flipped);
        auto decoded = decode_heartbeat_frame(flipped, HeartbeatDecodeOptions{kDefaultHeartbeatPort, &key});
        EXPECT_FALSE(decoded) << "payload byte " << byte - payload_start;
    }
}

TEST(DropCounters, CountsPerReason) {
    DropCounters counters;
    counters.count(DropReason::bad_mac);
    counters.count(DropReason::bad_mac);
    counters.count(DropReason::too_short);
    EXPECT_EQ(counters.get(DropReason::bad_mac), 2U);
    EXPECT_EQ(counters.total(), 3U);
    int visited = 0;
    counters.for_each_nonzero([&](DropReason, std::uint64_t) { ++visited; });
    EXPECT_EQ(visited, 2);
    for (std::size_t i = 0; i < kDropReasonCount; ++i) {
        EXPECT_NE(to_string(static_cast<DropReason>(i)), "unknown");
    }
}

}  // namespace
}  // namespace fo::wire
