// IPv6 neighbor discovery frames (wire/ndp.hpp): the unsolicited
// advertisement (RFC 4861 7.2.6) and the DAD probe (RFC 4862 5.4.2) that
// IPv6 service addresses use where IPv4 ones use gratuitous ARP and the
// RFC 5227 probe. Checked against keepalived's advertisements in a capture
// and a vector computed by hand (tests/unit/ndp_test.cpp's comments).
#include "fo/wire/ndp.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "fo/capture/pcap_source.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/checksum.hpp"
#include "fo/wire/ipv6.hpp"

namespace fo::wire {
namespace {

using Frame = std::vector<std::uint8_t>;
const MacAddress kOwnMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
constexpr std::size_t kHopLimitAt = kEthernetHeaderSize + 7;
constexpr std::size_t kIcmpAt = kEthernetHeaderSize + kIpv6HeaderSize;

Ipv6Address address(const char* text) {
    return Ipv6Address::parse(text).value();
}

std::vector<Frame> capture_frames(const std::string& name) {
    auto source = capture::open_capture_file((std::filesystem::path(FO_TEST_DATA_DIR) / name).string());
    struct Handler final : capture::PacketHandler {
        std::vector<Frame> frames;
        void on_packet(const capture::CapturedPacket& packet) override {
            frames.emplace_back(packet.data.begin(), packet.data.end());
        }
    } handler;
    int count = 0;
    for (int round = 0; round < 1000; ++round) {
        if (source->read_waiting(handler, 64, count) != capture::PacketSource::ReadStatus::ok) {
            break;
        }
    }
    return handler.frames;
}

/// Recomputes the ICMPv6 checksum after a test changed the message.
void refresh_icmpv6_checksum(Frame& frame) {
    auto ip = decode_ipv6_frame(frame);
    ASSERT_TRUE(ip);
    frame[kIcmpAt + 2] = 0;
    frame[kIcmpAt + 3] = 0;
    const std::span<const std::uint8_t> icmp(frame.data() + kIcmpAt, ip->payload.size());
    const std::uint16_t sum = checksum_finish(
        checksum_partial(icmp, ipv6_pseudo_header_sum(ip->source, ip->destination,
                                                      static_cast<std::uint32_t>(icmp.size()), kIpProtocolIcmpv6)));
    frame[kIcmpAt + 2] = static_cast<std::uint8_t>(sum >> 8U);
    frame[kIcmpAt + 3] = static_cast<std::uint8_t>(sum & 0xFFU);
}

Frame testing_arp() {
    const auto arp = encode_arp_frame(make_arp_probe(kOwnMac, Ipv4Address{0xC6336464}));
    return {arp.begin(), arp.end()};
}

TEST(NdpAddresses, SolicitedNodeGroupAndItsMac) {
    // RFC 4291 2.7.1: ff02::1:ff and the address's low 24 bits; RFC 2464 7: 33:33 and the low 32.
    EXPECT_EQ(solicited_node_address(address("2001:db8::100")).to_string(), "ff02::1:ff00:100");
    EXPECT_EQ(solicited_node_address(address("2001:db8::abcd:ef12")).to_string(), "ff02::1:ffcd:ef12");
    EXPECT_EQ(ipv6_multicast_mac(solicited_node_address(address("2001:db8::100"))).to_string(), "33:33:ff:00:01:00");
    EXPECT_EQ(solicited_node_mac(address("2001:db8::abcd:ef12")).to_string(), "33:33:ff:cd:ef:12");
    EXPECT_EQ(ipv6_multicast_mac(all_nodes_address()).to_string(), "33:33:00:00:00:01");
    EXPECT_FALSE(Ipv6Address::parse("2001:db8:::1"));
    EXPECT_FALSE(Ipv6Address::parse("198.51.100.1"));
    EXPECT_FALSE(Ipv6Address::parse("2001:db8::1/64"));
}

TEST(UnsolicitedAdvert, MatchesKeepalivedsOnTheWireByteForByte) {
    // keepalived's VRRPv3 IPv6 takeover (tests/data/vrrp3-ipv6.pcap)
    // announces with unsolicited advertisements; rebuilt from the decoded
    // fields, ours must be the same bytes, checksum included.
    int compared = 0;
    for (const Frame& frame : capture_frames("vrrp3-ipv6.pcap")) {
        auto captured = decode_neighbor_advert_frame(frame);
        if (!captured) {
            continue;
        }
        ++compared;
        const Frame ours = encode_neighbor_advert(captured.value());
        ASSERT_LE(ours.size(), frame.size());
        EXPECT_EQ(ours, Frame(frame.begin(), frame.begin() + static_cast<long>(ours.size())));
    }
    EXPECT_GT(compared, 0);
}

TEST(UnsolicitedAdvert, Rfc4861Section726) {
    const Frame frame = encode_neighbor_advert(make_unsolicited_advert(kOwnMac, address("2001:db8::100")));
    ASSERT_EQ(frame.size(), kUnsolicitedAdvertFrameSize);
    // Hand-computed (RFC 1071 sum over the pseudo-header 2001:db8::100,
    // ff02::1, length 32, next header 58, and the message): 0xf72c.
    EXPECT_EQ(frame[kIcmpAt + 2], 0xF7);
    EXPECT_EQ(frame[kIcmpAt + 3], 0x2C);
    EXPECT_EQ(frame[kHopLimitAt], 255);
    auto advert = decode_neighbor_advert_frame(frame);
    ASSERT_TRUE(advert) << to_string(advert.reason());
    EXPECT_EQ(advert->ethernet.destination.to_string(), "33:33:00:00:00:01");
    EXPECT_EQ(advert->ethernet.source, kOwnMac);
    EXPECT_EQ(advert->destination.to_string(), "ff02::1");
    EXPECT_EQ(advert->source.to_string(), "2001:db8::100");
    EXPECT_EQ(advert->target.to_string(), "2001:db8::100");
    EXPECT_TRUE(advert->override_flag);
    EXPECT_FALSE(advert->solicited);
    EXPECT_FALSE(advert->router);
    ASSERT_TRUE(advert->has_target_mac);
    EXPECT_EQ(advert->target_mac, kOwnMac);
}

TEST(DadProbe, HandComputedVector) {
    const Frame frame = encode_neighbor_solicit(make_dad_probe(kOwnMac, address("2001:db8::100")));
    // Ethernet to 33:33:ff:00:01:00; IPv6 from :: to ff02::1:ff00:100, hop
    // limit 255; NS type 135, checksum 0x4aef (RFC 1071 by hand over the
    // pseudo-header, length 24, and the message), target, no option.
    const Frame expected = {
        0x33, 0x33, 0xff, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd,  // Ethernet
        0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0xff,                                      // IPv6
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
        0,    0,  // ::
        0xff, 0x02, 0,    0,    0,    0,    0,    0,    0,    0,    0,    0x01, 0xff, 0x00,
        0x01, 0x00,                                   // ff02::1:ff00:100
        0x87, 0x00, 0x4a, 0xef, 0,    0,    0,    0,  // NS
        0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
        0x01, 0x00};  // target
    EXPECT_EQ(frame, expected);
    auto probe = decode_neighbor_solicit_frame(frame);
    ASSERT_TRUE(probe) << to_string(probe.reason());
    EXPECT_TRUE(probe->is_dad_probe());
    EXPECT_FALSE(probe->has_source_mac);
    EXPECT_EQ(probe->target.to_string(), "2001:db8::100");
    EXPECT_EQ(probe->destination.to_string(), "ff02::1:ff00:100");
}

TEST(NeighborSolicit, ResolutionCarriesTheSourceLinkLayerOption) {
    const Frame frame =
        encode_neighbor_solicit(make_neighbor_solicit(kOwnMac, address("2001:db8::1"), address("2001:db8::100")));
    ASSERT_EQ(frame.size(), kDadProbeFrameSize + kLinkLayerOptionSize);
    auto solicit = decode_neighbor_solicit_frame(frame);
    ASSERT_TRUE(solicit) << to_string(solicit.reason());
    EXPECT_FALSE(solicit->is_dad_probe());
    ASSERT_TRUE(solicit->has_source_mac);
    EXPECT_EQ(solicit->source_mac, kOwnMac);
    EXPECT_EQ(decode_neighbor_advert_frame(frame).reason(), DropReason::not_neighbor_advert);
    EXPECT_EQ(decode_neighbor_solicit_frame(
                  encode_neighbor_advert(make_unsolicited_advert(kOwnMac, address("2001:db8::100"))))
                  .reason(),
              DropReason::not_neighbor_solicit);
}

TEST(NeighborSolicitDrops, MalformedInputNamesItsReason) {
    const Frame good = encode_neighbor_solicit(make_dad_probe(kOwnMac, address("2001:db8::100")));
    const auto reason = [](const Frame& frame) { return decode_neighbor_solicit_frame(frame).reason(); };

    EXPECT_EQ(reason(Frame(good.begin(), good.begin() + 10)), DropReason::too_short);
    EXPECT_EQ(reason(testing_arp()), DropReason::not_ip);
    Frame truncated(good.begin(), good.end() - 1);  // the payload length now runs past the frame
    EXPECT_EQ(reason(truncated), DropReason::bad_ipv6_header);

    Frame checksum = good;
    checksum[kIcmpAt + 3] ^= 0x01U;
    EXPECT_EQ(reason(checksum), DropReason::bad_icmpv6_checksum);

    Frame hop_limit = good;
    hop_limit[kHopLimitAt] = 254;  // routed from elsewhere: RFC 4861 7.1.1
    refresh_icmpv6_checksum(hop_limit);
    EXPECT_EQ(reason(hop_limit), DropReason::bad_neighbor_solicit);

    Frame code = good;
    code[kIcmpAt + 1] = 1;
    refresh_icmpv6_checksum(code);
    EXPECT_EQ(reason(code), DropReason::bad_neighbor_solicit);

    Frame multicast_target = good;
    multicast_target[kIcmpAt + 8] = 0xFF;
    refresh_icmpv6_checksum(multicast_target);
    EXPECT_EQ(reason(multicast_target), DropReason::bad_neighbor_solicit);

    // A source link-layer option from :: (RFC 4861 7.1.1).
    NeighborSolicit with_option = make_dad_probe(kOwnMac, address("2001:db8::100"));
    with_option.has_source_mac = true;
    with_option.source_mac = kOwnMac;
    EXPECT_EQ(reason(encode_neighbor_solicit(with_option)), DropReason::bad_neighbor_solicit);

    // An option of length 0 (RFC 4861 4.6: would loop forever).
    Frame zero_option =
        encode_neighbor_solicit(make_neighbor_solicit(kOwnMac, address("2001:db8::1"), address("2001:db8::100")));
    zero_option[kIcmpAt + 25] = 0;
    refresh_icmpv6_checksum(zero_option);
    EXPECT_EQ(reason(zero_option), DropReason::bad_neighbor_solicit);

    // An option running past the message.
    Frame long_option = zero_option;
    long_option[kIcmpAt + 25] = 2;
    refresh_icmpv6_checksum(long_option);
    EXPECT_EQ(reason(long_option), DropReason::bad_neighbor_solicit);

    Frame short_message = good;  // 20 bytes of ICMPv6: below RFC 4861's 24
    short_message.resize(good.size() - 4);
    short_message[kEthernetHeaderSize + 5] = 20;
    refresh_icmpv6_checksum(short_message);
    EXPECT_EQ(reason(short_message), DropReason::bad_neighbor_solicit);
}

TEST(Echo6, RequestAndReplyCarryTheProbeIndex) {
    const auto request = encode_echo6_request(0x1234, 0x0102030405060708ULL);
    ASSERT_EQ(request.size(), 16U);
    EXPECT_EQ(request[0], kIcmpv6EchoRequest);
    // The reply the target's kernel sends: the request's body with type 129,
    // in an IPv6 frame from the target (hand-built: the kernel fills the
    // checksum, which the decoder does not need).
    const Ipv6Address target = address("2001:db8::100");
    Frame frame = encode_neighbor_advert(make_unsolicited_advert(kOwnMac, target));
    frame.resize(kIcmpAt);
    frame.insert(frame.end(), request.begin(), request.end());
    frame[kIcmpAt] = kIcmpv6EchoReply;
    frame[kEthernetHeaderSize + 5] = static_cast<std::uint8_t>(request.size());
    auto reply = decode_echo6_reply_frame(frame);
    ASSERT_TRUE(reply) << to_string(reply.reason());
    EXPECT_EQ(reply->identifier, 0x1234);
    EXPECT_EQ(reply->probe_index, 0x0102030405060708ULL);
    EXPECT_EQ(reply->source, target);
    EXPECT_EQ(reply->source_mac, kOwnMac);
    Frame short_reply(frame.begin(), frame.end() - 4);
    short_reply[kEthernetHeaderSize + 5] = static_cast<std::uint8_t>(request.size() - 4);
    EXPECT_EQ(decode_echo6_reply_frame(short_reply).reason(), DropReason::payload_too_short);
    frame[kIcmpAt] = kIcmpv6EchoRequest;
    EXPECT_EQ(decode_echo6_reply_frame(frame).reason(), DropReason::not_ip);
}

TEST(NeighborAdvertDrops, OptionOfLengthZeroAndChecksum) {
    const Frame good = encode_neighbor_advert(make_unsolicited_advert(kOwnMac, address("2001:db8::100")));
    Frame zero_option = good;
    zero_option[kIcmpAt + 25] = 0;
    refresh_icmpv6_checksum(zero_option);
    EXPECT_EQ(decode_neighbor_advert_frame(zero_option).reason(), DropReason::bad_neighbor_advert);
    Frame checksum = good;
    checksum[kIcmpAt + 2] ^= 0x80U;
    EXPECT_EQ(decode_neighbor_advert_frame(checksum).reason(), DropReason::bad_icmpv6_checksum);
}

}  // namespace
}  // namespace fo::wire
