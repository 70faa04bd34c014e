// VRRP v2/v3 and CARP decoders over the captures of real keepalived and
// ucarp runs (tests/data/make_vrrp_carp_capture.sh), every drop reason in
// check order, and AdvertWatch's figures.
#include "fo/wire/advert.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "fo/capture/pcap_source.hpp"
#include "fo/probe/advert_watch.hpp"
#include "fo/probe/beat_watch.hpp"
#include "fo/wire/checksum.hpp"
#include "frames.hpp"

namespace fo::wire {
namespace {

const std::filesystem::path kDataDir = FO_TEST_DATA_DIR;
constexpr std::size_t kIpStart = kEthernetHeaderSize;
constexpr std::size_t kVrrpStart4 = kEthernetHeaderSize + kIpv4HeaderSize;  // keepalived sends no IP options
constexpr std::size_t kVrrpStart6 = kEthernetHeaderSize + kIpv6HeaderSize;

struct Captured {
    std::vector<testing::Frame> frames;
    std::vector<std::int64_t> timestamps;
};

Captured read_capture(const std::string& name) {
    auto source = capture::open_capture_file((kDataDir / name).string());
    struct Handler final : capture::PacketHandler {
        Captured captured;
        void on_packet(const capture::CapturedPacket& packet) override {
            captured.frames.emplace_back(packet.data.begin(), packet.data.end());
            captured.timestamps.push_back(packet.timestamp_ns);
        }
    } handler;
    int count = 0;
    for (int round = 0; round < 1000; ++round) {
        if (source->read_waiting(handler, 64, count) != capture::PacketSource::ReadStatus::ok) {
            break;
        }
    }
    return handler.captured;
}

/// The capture's protocol-112 frames only (ARP and neighbor advertisements left out).
std::vector<testing::Frame> adverts_of(const std::string& name) {
    std::vector<testing::Frame> out;
    for (auto& frame : read_capture(name).frames) {
        const auto advert = decode_advert_frame(frame);
        if (advert.ok() || is_advert_drop(advert.reason())) {
            out.push_back(frame);
        }
    }
    return out;
}

std::vector<testing::Frame> neighbor_adverts_of(const std::string& name) {
    std::vector<testing::Frame> out;
    for (auto& frame : read_capture(name).frames) {
        if (decode_neighbor_advert_frame(frame).reason() != DropReason::not_neighbor_advert &&
            decode_neighbor_advert_frame(frame).reason() != DropReason::not_ip) {
            out.push_back(frame);
        }
    }
    return out;
}

void store_u16(testing::Frame& frame, std::size_t at, std::uint16_t value) {
    frame[at] = static_cast<std::uint8_t>(value >> 8U);
    frame[at + 1] = static_cast<std::uint8_t>(value & 0xFFU);
}

void refresh_ipv4_header_checksum(testing::Frame& frame) {
    store_u16(frame, kIpStart + 10, 0);
    store_u16(frame, kIpStart + 10, internet_checksum(std::span(frame).subspan(kIpStart, kIpv4HeaderSize)));
}

/// Recomputes a VRRPv3-over-IPv4 checksum (RFC 5798 5.2.8) after an edit.
void refresh_vrrp3_ipv4_checksum(testing::Frame& frame) {
    store_u16(frame, kVrrpStart4 + 6, 0);
    const std::span<const std::uint8_t> vrrp = std::span(frame).subspan(kVrrpStart4);
    std::uint32_t sum = 0;
    for (std::size_t i = kIpStart + 12; i < kIpStart + 20; i += 2) {
        sum += (std::uint32_t{frame[i]} << 8U) | frame[i + 1];
    }
    sum += kIpProtocolVrrp + static_cast<std::uint32_t>(vrrp.size());
    store_u16(frame, kVrrpStart4 + 6, checksum_finish(checksum_partial(vrrp, sum)));
}

/// CARP and VRRPv2 sum their own header only.
void refresh_own_checksum(testing::Frame& frame, std::size_t start, std::size_t checksum_at, std::size_t length) {
    store_u16(frame, start + checksum_at, 0);
    store_u16(frame, start + checksum_at, internet_checksum(std::span(frame).subspan(start, length)));
}

TEST(AdvertFixtures, KeepalivedVrrp3Ipv4) {
    const auto frames = adverts_of("vrrp3-ipv4.pcap");
    ASSERT_EQ(frames.size(), 27U);
    for (const auto& frame : frames) {
        auto advert = decode_vrrp_frame(frame);
        ASSERT_TRUE(advert) << to_string(advert.reason());
        EXPECT_EQ(advert->version, kVrrpVersion3);
        EXPECT_EQ(advert->vrid, 51);
        EXPECT_EQ(advert->advert_interval, 5);  // advert_int 0.05 s = 5 cs
        EXPECT_EQ(advert->advert_interval_us(), 50'000U);
        EXPECT_EQ(advert->envelope.ttl, kVrrpTtl);
        EXPECT_EQ(advert->envelope.destination.to_string(), "224.0.0.18");
        ASSERT_EQ(advert->addresses.size(), 1U);
        EXPECT_EQ(advert->addresses[0].to_string(), "198.51.100.100");
        EXPECT_TRUE(advert->priority == 150 || advert->priority == 100) << int{advert->priority};
    }
}

TEST(AdvertFixtures, KeepalivedVrrp2) {
    const auto frames = adverts_of("vrrp2-ipv4.pcap");
    ASSERT_EQ(frames.size(), 2U);
    for (const auto& frame : frames) {
        auto advert = decode_vrrp_frame(frame);
        ASSERT_TRUE(advert) << to_string(advert.reason());
        EXPECT_EQ(advert->version, kVrrpVersion2);
        EXPECT_EQ(advert->vrid, 52);
        EXPECT_EQ(advert->priority, 150);
        EXPECT_EQ(advert->auth_type, 0);
        EXPECT_EQ(advert->advert_interval_us(), 1'000'000U);
        ASSERT_EQ(advert->addresses.size(), 1U);
        EXPECT_EQ(advert->addresses[0].to_string(), "198.51.100.100");
    }
}

TEST(AdvertFixtures, KeepalivedVrrp3Ipv6) {
    const auto frames = adverts_of("vrrp3-ipv6.pcap");
    ASSERT_EQ(frames.size(), 16U);
    for (const auto& frame : frames) {
        auto advert = decode_vrrp_frame(frame);
        ASSERT_TRUE(advert) << to_string(advert.reason());
        EXPECT_TRUE(advert->envelope.source.v6);
        EXPECT_EQ(advert->envelope.source.to_string().rfind("fe80::", 0), 0U);  // RFC 5798 5.1.2.1: link-local
        EXPECT_EQ(advert->envelope.destination.to_string(), "ff02::12");
        EXPECT_EQ(advert->vrid, 53);
        EXPECT_EQ(advert->advert_interval_us(), 100'000U);
        ASSERT_EQ(advert->addresses.size(), 1U);
        EXPECT_EQ(advert->addresses[0].to_string(), "2001:db8::100");
    }
}

TEST(AdvertFixtures, Ucarp) {
    const auto frames = adverts_of("carp.pcap");
    ASSERT_EQ(frames.size(), 4U);
    for (const auto& frame : frames) {
        auto advert = decode_carp_frame(frame);
        ASSERT_TRUE(advert) << to_string(advert.reason());
        EXPECT_EQ(advert->vhid, 54);
        EXPECT_EQ(advert->advbase, 1);
        EXPECT_TRUE(advert->advskew == 0 || advert->advskew == 100);
        EXPECT_EQ(advert->auth_length, kCarpAuthLength);
        EXPECT_EQ(advert->envelope.ttl, kVrrpTtl);
        EXPECT_EQ(decode_vrrp_frame(frame).reason(), DropReason::unknown_vrrp_version);
    }
    EXPECT_EQ(decode_carp_frame(adverts_of("vrrp2-ipv4.pcap")[0]).reason(), DropReason::unknown_vrrp_version);
}

TEST(AdvertDrops, Ipv4InRfc5798Order) {
    const testing::Frame good = adverts_of("vrrp3-ipv4.pcap")[0];
    auto expect = [](const testing::Frame& frame, DropReason reason) {
        EXPECT_EQ(decode_advert_frame(frame).reason(), reason) << to_string(reason);
    };
    expect(testing::Frame(good.begin(), good.begin() + 10), DropReason::too_short);
    testing::Frame frame = good;
    store_u16(frame, 12, 0x1234);
    expect(frame, DropReason::not_ip);
    frame = good;
    frame[kIpStart + 9] = 113;
    refresh_ipv4_header_checksum(frame);
    expect(frame, DropReason::not_vrrp);
    frame = good;
    frame[kIpStart + 8] = 254;  // TTL
    refresh_ipv4_header_checksum(frame);
    expect(frame, DropReason::bad_vrrp_ttl);
    frame = good;
    frame[kVrrpStart4] = 0x41;  // version 4
    expect(frame, DropReason::unknown_vrrp_version);
    frame = good;
    frame[kVrrpStart4 + 3] = 5;  // five addresses announced, one present
    expect(frame, DropReason::bad_vrrp_length);
    frame = good;
    frame[kVrrpStart4 + 2] ^= 0x01U;  // priority, checksum not refreshed
    expect(frame, DropReason::bad_vrrp_checksum);
    frame = good;
    frame[kVrrpStart4] = 0x32;  // type 2
    refresh_vrrp3_ipv4_checksum(frame);
    expect(frame, DropReason::unknown_vrrp_type);
    frame = good;
    refresh_vrrp3_ipv4_checksum(frame);
    EXPECT_TRUE(decode_advert_frame(frame).ok());  // the helper itself is right
}

TEST(AdvertDrops, Ipv6) {
    const testing::Frame good = adverts_of("vrrp3-ipv6.pcap")[0];
    auto expect = [](const testing::Frame& frame, DropReason reason) {
        EXPECT_EQ(decode_advert_frame(frame).reason(), reason) << to_string(reason);
    };
    testing::Frame frame = good;
    frame[kIpStart] = 0x50;  // version 5
    expect(frame, DropReason::bad_ipv6_header);
    frame = good;
    store_u16(frame, kIpStart + 4, 1000);  // payload length past the frame
    expect(frame, DropReason::bad_ipv6_header);
    frame = good;
    frame[kIpStart + 6] = 0;  // next header: hop-by-hop options, not walked
    expect(frame, DropReason::not_vrrp);
    frame = good;
    frame[kIpStart + 7] = 1;  // hop limit (RFC 5798 5.1.2.3)
    expect(frame, DropReason::bad_vrrp_ttl);
    frame = good;
    frame[kVrrpStart6] = 0x21;  // VRRPv2 is IPv4 only
    expect(frame, DropReason::unknown_vrrp_version);
    frame = good;
    frame[kIpStart + 8 + 15] ^= 0x01U;  // source address: the pseudo-header no longer sums
    expect(frame, DropReason::bad_vrrp_checksum);
}

TEST(NeighborAdvertFixtures, KeepalivedAnnouncesTheIpv6Takeover) {
    const auto frames = neighbor_adverts_of("vrrp3-ipv6.pcap");
    ASSERT_EQ(frames.size(), 5U);  // keepalived's default: 5 unsolicited NAs
    for (const auto& frame : frames) {
        auto advert = decode_neighbor_advert_frame(frame);
        ASSERT_TRUE(advert) << to_string(advert.reason());
        EXPECT_EQ(advert->target.to_string(), "2001:db8::100");
        EXPECT_FALSE(advert->solicited);  // RFC 4861 7.2.6: unsolicited
        EXPECT_TRUE(advert->has_target_mac);
        EXPECT_EQ(advert->target_mac, advert->ethernet.source);
    }
    EXPECT_EQ(decode_neighbor_advert_frame(adverts_of("vrrp3-ipv6.pcap")[0]).reason(), DropReason::not_neighbor_advert);
    EXPECT_EQ(decode_neighbor_advert_frame(adverts_of("vrrp3-ipv4.pcap")[0]).reason(), DropReason::not_ip);
}

TEST(NeighborAdvertDrops, Rfc4861Order) {
    const testing::Frame good = neighbor_adverts_of("vrrp3-ipv6.pcap")[0];
    testing::Frame frame = good;
    frame[kIpStart + 7] = 64;  // hop limit: may have crossed a router
    EXPECT_EQ(decode_neighbor_advert_frame(frame).reason(), DropReason::bad_neighbor_advert);
    frame = good;
    frame[kVrrpStart6 + 8] ^= 0x01U;  // target address, checksum not refreshed
    EXPECT_EQ(decode_neighbor_advert_frame(frame).reason(), DropReason::bad_icmpv6_checksum);
    for (std::size_t length = 0; length < good.size(); ++length) {
        EXPECT_FALSE(decode_neighbor_advert_frame(
                         testing::Frame(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(length)))
                         .ok());
    }
}

TEST(AdvertDrops, Vrrp2AndCarp) {
    testing::Frame frame = adverts_of("vrrp2-ipv4.pcap")[0];
    const std::size_t length = frame.size() - kVrrpStart4;
    frame[kVrrpStart4 + 5] ^= 0x01U;  // adver int
    EXPECT_EQ(decode_advert_frame(frame).reason(), DropReason::bad_vrrp_checksum);
    frame[kVrrpStart4] = 0x22;  // type 2
    refresh_own_checksum(frame, kVrrpStart4, 6, length);
    EXPECT_EQ(decode_advert_frame(frame).reason(), DropReason::unknown_vrrp_type);

    frame = adverts_of("carp.pcap")[0];
    frame[kVrrpStart4 + 5] ^= 0x01U;  // advbase
    EXPECT_EQ(decode_advert_frame(frame).reason(), DropReason::bad_carp_checksum);
    frame[kVrrpStart4] = 0x22;  // type 2
    refresh_own_checksum(frame, kVrrpStart4, 6, kCarpHeaderSize);
    EXPECT_EQ(decode_advert_frame(frame).reason(), DropReason::unknown_carp_type);
}

TEST(AdvertDrops, EveryTruncationIsADropNeverACrash) {
    for (const char* name : {"vrrp3-ipv4.pcap", "vrrp2-ipv4.pcap", "vrrp3-ipv6.pcap", "carp.pcap"}) {
        const testing::Frame good = adverts_of(name)[0];
        for (std::size_t length = 0; length < good.size(); ++length) {
            const testing::Frame cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(length));
            EXPECT_FALSE(decode_advert_frame(cut).ok()) << name << " cut at " << length;
        }
    }
}

}  // namespace
}  // namespace fo::wire

namespace fo::probe {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(AdvertWatchTest, KeepalivedCaptureMasterChange) {
    const wire::Captured capture = wire::read_capture("vrrp3-ipv4.pcap");
    BeatWatch watch(wire::kDefaultHeartbeatPort, nullptr);
    for (std::size_t i = 0; i < capture.frames.size(); ++i) {
        watch.on_frame(capture.frames[i], capture.timestamps[i]);
    }
    ASSERT_EQ(watch.adverts().routers().size(), 1U);
    const auto& [key, router] = *watch.adverts().routers().begin();
    EXPECT_EQ(key.protocol, "vrrp3");
    EXPECT_EQ(key.router_id, 51);
    EXPECT_EQ(router.adverts_received, 27U);
    EXPECT_EQ(router.lost, 0U);
    EXPECT_EQ(router.master_changes, 1U);
    EXPECT_NEAR(router.intervals.percentile_us(0.5), 50'000.0, 5'000.0);
    ASSERT_EQ(router.master_change_list.size(), 1U);
    const MasterChange& change = router.master_change_list[0];
    EXPECT_EQ(change.from.to_string(), "198.51.100.1");
    EXPECT_EQ(change.to.to_string(), "198.51.100.2");
    // keepalived: Master_Down_Interval = 3 x 50 ms + skew (RFC 5798 6.1): 150 .. 200 ms
    EXPECT_GT(change.at_ns - change.from_last_ns, 150 * kMs);
    EXPECT_LT(change.at_ns - change.from_last_ns, 250 * kMs);
    EXPECT_EQ(watch.drops().total(), 0U);
}

TEST(AdvertWatchTest, LossPriorityAndMasterChanges) {
    wire::VrrpAdvertisement advert;
    advert.vrid = 7;
    advert.priority = 100;
    advert.advert_interval = 1;  // 10 ms
    advert.envelope.source = wire::IpAddress::from(wire::Ipv4Address{0xC6336401});
    AdvertWatch watch;
    std::int64_t now = 0;
    for (int i = 0; i < 10; ++i) {
        watch.on_advert(advert, now += 10 * kMs);
    }
    watch.on_advert(advert, now += 14 * kMs);  // late, not lost (< 1.5 x)
    watch.on_advert(advert, now += 40 * kMs);  // three lost
    advert.priority = 90;
    watch.on_advert(advert, now += 10 * kMs);
    advert.envelope.source = wire::IpAddress::from(wire::Ipv4Address{0xC6336402});
    watch.on_advert(advert, now += 35 * kMs);
    const RouterStatistics& router = watch.routers().begin()->second;
    EXPECT_EQ(router.adverts_received, 14U);
    EXPECT_EQ(router.late_intervals, 1U);
    EXPECT_EQ(router.lost, 3U);
    EXPECT_EQ(router.priority_changes, 1U);
    EXPECT_EQ(router.master_changes, 1U);
    EXPECT_EQ(router.intervals.count(), 12U);  // the change is no interval
    ASSERT_EQ(router.senders.size(), 2U);
    EXPECT_EQ(router.senders[0].adverts, 13U);
    const auto silent = watch.silent_before(now - 1);
    ASSERT_TRUE(silent.has_value());
    EXPECT_EQ(silent->sender->ip.to_string(), "198.51.100.1");
}

}  // namespace
}  // namespace fo::probe
