// The echo of fo-probe's UDP probe over IPv6 (decode_udp6_echo_reply_frame):
// `fo-probe outage --udp PORT -t IPV6` reads replies with it.
#include <gtest/gtest.h>

#include "fo/wire/icmp_echo.hpp"
#include "fo/wire/ipv6.hpp"
#include "fo/wire/ndp.hpp"

namespace fo::wire {
namespace {

using Frame = std::vector<std::uint8_t>;
const MacAddress kServerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x07}};
constexpr std::size_t kNextHeaderAt = kEthernetHeaderSize + 6;
constexpr std::size_t kUdpAt = kEthernetHeaderSize + kIpv6HeaderSize;
constexpr std::uint16_t kEchoPort = 7;
constexpr std::uint16_t kLocalPort = 40000;

void put_u16(Frame& frame, std::size_t at, std::size_t value) {
    frame[at] = static_cast<std::uint8_t>(value >> 8U);
    frame[at + 1] = static_cast<std::uint8_t>(value & 0xFFU);
}

/// The echo server's answer as the client captures it: an IPv6 frame from
/// the service address, UDP from port 7 to the probe's port, the probe's
/// payload back (hand-built; the checksum is left zero, not checked).
Frame echo_frame(const Ipv6Address& source, const std::vector<std::uint8_t>& payload) {
    Frame frame = encode_neighbor_advert(make_unsolicited_advert(kServerMac, source));
    frame.resize(kUdpAt + kUdpHeaderSize);
    frame[kNextHeaderAt] = kIpProtocolUdp;
    put_u16(frame, kUdpAt, kEchoPort);
    put_u16(frame, kUdpAt + 2, kLocalPort);
    put_u16(frame, kUdpAt + 4, kUdpHeaderSize + payload.size());
    put_u16(frame, kUdpAt + 6, 0);
    frame.insert(frame.end(), payload.begin(), payload.end());
    put_u16(frame, kEthernetHeaderSize + 4, kUdpHeaderSize + payload.size());
    return frame;
}

const Ipv6Address kService = Ipv6Address::parse("2001:db8::100").value();

TEST(Udp6Echo, ReplyCarriesTheProbe) {
    const Frame frame = echo_frame(kService, encode_udp_probe(0x1234, 0x0102030405060708ULL));
    auto reply = decode_udp6_echo_reply_frame(frame, kLocalPort);
    ASSERT_TRUE(reply) << to_string(reply.reason());
    EXPECT_EQ(reply->identifier, 0x1234);
    EXPECT_EQ(reply->probe_index, 0x0102030405060708ULL);
    EXPECT_EQ(reply->source, kService);
    EXPECT_EQ(reply->source_mac, kServerMac);
}

TEST(Udp6Echo, EthernetPaddingAfterThePacketIsIgnored) {
    Frame frame = echo_frame(kService, encode_udp_probe(1, 2));
    frame.resize(frame.size() + 6, 0);
    auto reply = decode_udp6_echo_reply_frame(frame, kLocalPort);
    ASSERT_TRUE(reply) << to_string(reply.reason());
    EXPECT_EQ(reply->probe_index, 2U);
}

TEST(Udp6Echo, DropsEveryMalformedForm) {
    const Frame good = echo_frame(kService, encode_udp_probe(1, 2));
    const auto reason = [](const Frame& frame) { return decode_udp6_echo_reply_frame(frame, kLocalPort).reason(); };

    EXPECT_EQ(decode_udp6_echo_reply_frame(good, kLocalPort + 1).reason(), DropReason::wrong_port);

    Frame icmp = good;
    icmp[kNextHeaderAt] = kIpProtocolIcmpv6;
    EXPECT_EQ(reason(icmp), DropReason::not_udp);

    Frame truncated_header(good.begin(), good.begin() + kUdpAt + 4);  // half a UDP header
    put_u16(truncated_header, kEthernetHeaderSize + 4, 4);
    EXPECT_EQ(reason(truncated_header), DropReason::bad_udp_length);

    Frame length_below_header = good;
    put_u16(length_below_header, kUdpAt + 4, kUdpHeaderSize - 1);
    EXPECT_EQ(reason(length_below_header), DropReason::bad_udp_length);

    Frame length_past_packet = good;
    put_u16(length_past_packet, kUdpAt + 4, good.size() - kUdpAt + 1);
    EXPECT_EQ(reason(length_past_packet), DropReason::bad_udp_length);

    // A consistent datagram too short for the probe.
    const std::vector<std::uint8_t> probe = encode_udp_probe(1, 2);
    const Frame short_payload = echo_frame(kService, {probe.begin(), probe.end() - 1});
    EXPECT_EQ(reason(short_payload), DropReason::payload_too_short);

    Frame foreign = good;
    foreign[kUdpAt + kUdpHeaderSize] ^= 0xFFU;  // not our marker
    EXPECT_EQ(reason(foreign), DropReason::bad_magic);

    Frame ipv6_past_frame = good;  // the IPv6 checks come first
    put_u16(ipv6_past_frame, kEthernetHeaderSize + 4, good.size());
    EXPECT_EQ(reason(ipv6_past_frame), DropReason::bad_ipv6_header);

    Frame cut(good.begin(), good.begin() + kEthernetHeaderSize + 10);
    EXPECT_EQ(reason(cut), DropReason::too_short);

    for (std::size_t size = 0; size < good.size(); ++size) {  // every prefix: dropped, never read past
        EXPECT_FALSE(decode_udp6_echo_reply_frame({good.data(), size}, kLocalPort)) << size;
    }
}

}  // namespace
}  // namespace fo::wire
