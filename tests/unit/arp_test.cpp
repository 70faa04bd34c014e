#include "fo/wire/arp.hpp"

#include <gtest/gtest.h>

#include "frames.hpp"

namespace fo::wire {
namespace {

const MacAddress kMac{{0x02, 0, 0, 0, 0, 0x01}};
const Ipv4Address kService{0xC6336464};

TEST(Arp, GratuitousRequestGoldenBytes) {
    const auto bytes = encode_arp_frame(make_gratuitous_request(kMac, kService));
    const std::array<std::uint8_t, kArpFrameSize> expected{
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0,    0,   0,   0, 0x01, 0x08, 0x06,  // Ethernet
        0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01,                                 // Ethernet/IPv4, request
        0x02, 0,    0,    0,    0,    0x01, 198,  51,   100, 100,                       // sender
        0,    0,    0,    0,    0,    0,    198,  51,   100, 100,                       // target
    };
    EXPECT_EQ(bytes, expected);
}

TEST(Arp, TellsTheKindsApart) {
    const Ipv4Address other{0xC6336402};
    EXPECT_EQ(make_gratuitous_request(kMac, kService).kind(), ArpKind::gratuitous_request);
    EXPECT_EQ(make_gratuitous_reply(kMac, kService).kind(), ArpKind::gratuitous_reply);
    EXPECT_EQ(make_arp_probe(kMac, kService).kind(), ArpKind::probe);
    const ArpFrame request{MacAddress::broadcast(), kMac, kArpRequest, kMac, kService, MacAddress::zero(), other};
    EXPECT_EQ(request.kind(), ArpKind::request);
    ArpFrame reply = request;
    reply.operation = kArpReply;
    EXPECT_EQ(reply.kind(), ArpKind::reply);
    // A reply from 0.0.0.0 is not a probe: probes are requests (RFC 5227 section 2.1.1).
    ArpFrame odd = make_arp_probe(kMac, kService);
    odd.operation = kArpReply;
    EXPECT_EQ(odd.kind(), ArpKind::reply);
}

TEST(Arp, GratuitousReplyCarriesOwnMacAsTarget) {
    const ArpFrame reply = make_gratuitous_reply(kMac, kService);
    EXPECT_EQ(reply.target_mac, kMac);
    EXPECT_EQ(reply.ethernet_destination, MacAddress::broadcast());
}

TEST(Arp, RoundTripsAndAcceptsPadding) {
    const ArpFrame probe = make_arp_probe(kMac, kService);
    auto bytes = testing::arp_frame(probe);
    bytes.resize(60, 0);  // minimum Ethernet frame
    auto decoded = decode_arp_frame(bytes);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded.value(), probe);
}

TEST(Arp, DropsWhatIsNotEthernetIpv4Arp) {
    auto frame = testing::arp_frame(make_gratuitous_request(kMac, kService));
    EXPECT_EQ(decode_arp_frame(std::span(frame).first(13)).reason(), DropReason::too_short);
    EXPECT_EQ(decode_arp_frame(std::span(frame).first(41)).reason(), DropReason::too_short);
    auto ipv4 = testing::beat_frame(testing::sample_beat(1), nullptr);
    EXPECT_EQ(decode_arp_frame(ipv4).reason(), DropReason::not_arp);
    auto bad_hardware = frame;
    bad_hardware[15] = 6;  // IEEE 802
    EXPECT_EQ(decode_arp_frame(bad_hardware).reason(), DropReason::bad_arp_header);
    auto bad_length = frame;
    bad_length[19] = 16;  // protocol length of IPv6
    EXPECT_EQ(decode_arp_frame(bad_length).reason(), DropReason::bad_arp_header);
    auto bad_operation = frame;
    bad_operation[21] = 3;  // RARP request
    EXPECT_EQ(decode_arp_frame(bad_operation).reason(), DropReason::unknown_arp_operation);
}

}  // namespace
}  // namespace fo::wire
