#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fixtures.hpp"
#include "fo/capture/bpf_filter.hpp"
#include "fo/capture/pcap_source.hpp"
#include "fo/capture/pcap_writer.hpp"
#include "fo/probe/beat_watch.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/ipv6.hpp"

namespace fo::capture {
namespace {

const std::filesystem::path kDataDir = FO_TEST_DATA_DIR;

struct Collected {
    std::vector<std::vector<std::uint8_t>> frames;
    std::vector<std::int64_t> timestamps;
};

Collected read_all(const std::string& path, const std::string& filter = "") {
    auto source = open_capture_file(path, filter);
    struct Handler final : PacketHandler {
        Collected collected;
        void on_packet(const CapturedPacket& packet) override {
            collected.frames.emplace_back(packet.data.begin(), packet.data.end());
            collected.timestamps.push_back(packet.timestamp_ns);
        }
    } handler;
    int count = 0;
    for (int round = 0; round < 1000; ++round) {
        if (source->read_waiting(handler, 64, count) != PacketSource::ReadStatus::ok) {
            break;
        }
    }
    return handler.collected;
}

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Fixtures, CommittedFilesMatchTheGenerator) {
    const auto scratch = std::filesystem::temp_directory_path() / ("fo-fixtures-" + std::to_string(getpid()));
    std::filesystem::create_directories(scratch);
    for (const auto& fixture : testing::all_fixtures()) {
        {
            PcapWriter writer((scratch / fixture.file_name).string());
            for (std::size_t i = 0; i < fixture.frames.size(); ++i) {
                writer.write(CapturedPacket{fixture.frames[i], static_cast<std::uint32_t>(fixture.frames[i].size()),
                                            testing::fixture_timestamp_ns(i)});
            }
        }
        EXPECT_EQ(file_bytes(scratch / fixture.file_name), file_bytes(kDataDir / fixture.file_name))
            << fixture.file_name << " is stale: rebuild and run make_fixtures tests/data tests/fuzz/corpus";
    }
    std::filesystem::remove_all(scratch);
}

TEST(PcapFile, ReadsEveryFrameWithNanosecondTimestamps) {
    const Collected beats = read_all(kDataDir / "beats.pcap");
    ASSERT_EQ(beats.frames.size(), 25U);
    for (std::size_t i = 0; i < beats.timestamps.size(); ++i) {
        EXPECT_EQ(beats.timestamps[i], testing::fixture_timestamp_ns(i));
    }
}

TEST(PcapFile, MissingFileIsAClearError) {
    try {
        open_capture_file("/nonexistent/capture.pcap");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("/nonexistent/capture.pcap"), std::string::npos);
    }
}

TEST(BpfFilter, ExpressionNamesPortAndOwnMac) {
    EXPECT_EQ(build_filter_expression(FilterSpec{1694, std::nullopt, false}), "(ip and udp dst port 1694)");
    EXPECT_EQ(build_filter_expression(FilterSpec{1694, testing::kOwnMac, true}),
              "(ip and udp dst port 1694 and not ether src 02:00:00:00:00:0a) or (arp and not ether src "
              "02:00:00:00:00:0a)");
    EXPECT_THROW(OfflineFilter("udp dst port banana"), std::invalid_argument);
}

class FilterOverFixtures : public ::testing::Test {
  protected:
    static std::size_t matches(const OfflineFilter& filter, const std::string& file) {
        std::size_t count = 0;
        for (const auto& frame : read_all(kDataDir / file).frames) {
            count += filter.matches(frame) ? 1 : 0;
        }
        return count;
    }
    OfflineFilter beats_only_{build_filter_expression(FilterSpec{1694, testing::kOwnMac, false})};
    OfflineFilter beats_and_arp_{build_filter_expression(FilterSpec{1694, testing::kOwnMac, true})};
};

TEST_F(FilterOverFixtures, PassesBeatsAndDropsOurOwn) {
    EXPECT_EQ(matches(beats_only_, "beats.pcap"), 25U);
    EXPECT_EQ(matches(beats_only_, "own-beats.pcap"), 0U);
    EXPECT_EQ(matches(beats_and_arp_, "own-beats.pcap"), 0U);
}

TEST_F(FilterOverFixtures, PassesArpOnlyOnRequest) {
    EXPECT_EQ(matches(beats_only_, "arp.pcap"), 0U);
    EXPECT_EQ(matches(beats_and_arp_, "arp.pcap"), 5U);
}

TEST_F(FilterOverFixtures, DropsUnrelatedTraffic) {
    EXPECT_EQ(matches(beats_and_arp_, "unrelated.pcap"), 0U);
}

TEST(BpfFilter, AdvertsAddProtocol112ForBothFamilies) {
    EXPECT_EQ(build_filter_expression(FilterSpec{1694, std::nullopt, false, true}),
              "(ip and udp dst port 1694) or (ip proto 112) or (ip6 proto 112)");
    EXPECT_EQ(build_filter_expression(FilterSpec{1694, std::nullopt, true, true}),
              "(ip and udp dst port 1694) or (arp) or (ip proto 112) or (ip6 proto 112) or (icmp6 and ip6[40] == 136)");
}

// A service link with an IPv6 address: the other holders' advertisements and
// DAD probes pass (not our own), ICMPv6 echo does not.
TEST(BpfFilter, NdpPassesSolicitationsAndAdvertisementsButNotOurs) {
    const wire::MacAddress own{{0x02, 0, 0, 0, 0, 1}};
    const wire::MacAddress other{{0x02, 0, 0, 0, 0, 2}};
    const auto target = wire::Ipv6Address::parse("2001:db8::100").value();
    FilterSpec spec{1694, own, true};
    spec.include_ndp = true;
    const OfflineFilter filter(build_filter_expression(spec));
    EXPECT_TRUE(filter.matches(wire::encode_neighbor_advert(wire::make_unsolicited_advert(other, target))));
    EXPECT_TRUE(filter.matches(wire::encode_neighbor_solicit(wire::make_dad_probe(other, target))));
    EXPECT_FALSE(filter.matches(wire::encode_neighbor_solicit(wire::make_dad_probe(own, target))));
    auto echo = wire::encode_neighbor_solicit(wire::make_dad_probe(other, target));
    echo[wire::kEthernetHeaderSize + wire::kIpv6HeaderSize] = wire::kIcmpv6EchoRequest;
    EXPECT_FALSE(filter.matches(echo));
    spec.include_ndp = false;
    EXPECT_FALSE(OfflineFilter(build_filter_expression(spec))
                     .matches(wire::encode_neighbor_solicit(wire::make_dad_probe(other, target))));
}

// The captures of real keepalived and ucarp runs (make_vrrp_carp_capture.sh):
// every advert passes with include_adverts, none without; the ARPs only with --arp.
TEST(FilterOverAdvertFixtures, PassesVrrpAndCarpOfBothFamilies) {
    const OfflineFilter beats_only(build_filter_expression(FilterSpec{1694, testing::kOwnMac, false, false}));
    const OfflineFilter adverts(build_filter_expression(FilterSpec{1694, testing::kOwnMac, false, true}));
    const OfflineFilter adverts_and_arp(build_filter_expression(FilterSpec{1694, testing::kOwnMac, true, true}));
    struct Expected {
        const char* file;
        std::size_t adverts;
        std::size_t frames;
    };
    for (const Expected& expected : {Expected{"vrrp3-ipv4.pcap", 27, 32}, Expected{"vrrp2-ipv4.pcap", 2, 2},
                                     Expected{"vrrp3-ipv6.pcap", 16, 21}, Expected{"carp.pcap", 4, 6}}) {
        std::size_t beats = 0;
        std::size_t advert_matches = 0;
        std::size_t all = 0;
        const Collected collected = read_all(kDataDir / expected.file);
        ASSERT_EQ(collected.frames.size(), expected.frames) << expected.file;
        for (const auto& frame : collected.frames) {
            beats += beats_only.matches(frame) ? 1 : 0;
            advert_matches += adverts.matches(frame) ? 1 : 0;
            all += adverts_and_arp.matches(frame) ? 1 : 0;
        }
        EXPECT_EQ(beats, 0U) << expected.file;
        EXPECT_EQ(advert_matches, expected.adverts) << expected.file;
        EXPECT_EQ(all, expected.frames) << expected.file;
    }
}

TEST(FilterOverAdvertFixtures, OwnAdvertsAreFilteredOut) {
    const Collected collected = read_all(kDataDir / "vrrp3-ipv6.pcap");
    wire::MacAddress sender;
    std::copy_n(collected.frames.at(0).begin() + 6, 6, sender.octets.begin());
    const OfflineFilter not_ours(build_filter_expression(FilterSpec{1694, sender, true, true}));
    std::size_t from_sender = 0;
    for (const auto& frame : collected.frames) {
        const bool ours = std::equal(sender.octets.begin(), sender.octets.end(), frame.begin() + 6);
        from_sender += ours ? 1 : 0;
        EXPECT_EQ(not_ours.matches(frame), !ours);
    }
    EXPECT_GT(from_sender, 0U);
    EXPECT_LT(from_sender, collected.frames.size());  // the other router's adverts and NAs pass
}

TEST_F(FilterOverFixtures, FileSourceAppliesTheFilterLikeLive) {
    const auto filter = build_filter_expression(FilterSpec{1694, std::nullopt, true});
    EXPECT_EQ(read_all(kDataDir / "arp.pcap", filter).frames.size(), 5U);
    EXPECT_EQ(read_all(kDataDir / "unrelated.pcap", filter).frames.size(), 0U);
}

TEST(DecoderOverFixtures, BeatsDecodeAndVerify) {
    const wire::AuthKey key = testing::test_key();
    for (const auto& frame : read_all(kDataDir / "beats.pcap").frames) {
        auto decoded = wire::decode_heartbeat_frame(frame, wire::HeartbeatDecodeOptions{1694, &key});
        ASSERT_TRUE(decoded) << wire::to_string(decoded.reason());
        EXPECT_TRUE(decoded->mac_verified);
    }
}

TEST(DecoderOverFixtures, MalformedFramesGiveTheirReasons) {
    const wire::AuthKey key = testing::test_key();
    const auto frames = read_all(kDataDir / "malformed.pcap").frames;
    const auto cases = testing::malformed_cases();
    ASSERT_EQ(frames.size(), cases.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
        auto decoded = wire::decode_heartbeat_frame(frames[i], wire::HeartbeatDecodeOptions{1694, &key});
        ASSERT_FALSE(decoded);
        EXPECT_EQ(decoded.reason(), cases[i].expected) << "frame " << i;
    }
}

TEST(DecoderOverFixtures, ArpKindsFromTheCapture) {
    const auto frames = read_all(kDataDir / "arp.pcap").frames;
    ASSERT_EQ(frames.size(), 5U);
    const wire::ArpKind expected[] = {wire::ArpKind::gratuitous_request, wire::ArpKind::gratuitous_reply,
                                      wire::ArpKind::probe, wire::ArpKind::request, wire::ArpKind::reply};
    for (std::size_t i = 0; i < frames.size(); ++i) {
        auto decoded = wire::decode_arp_frame(frames[i]);
        ASSERT_TRUE(decoded);
        EXPECT_EQ(decoded->kind(), expected[i]) << "frame " << i;
    }
}

TEST(DecoderOverFixtures, LiveCaptureFromANetnsRun) {
    // Recorded by tests/data/make_live_capture.sh: `fo-probe watch --arp -w` of heartbeatd at 10 ms with
    // tests/data/test.key, plus two gratuitous ARPs and a probe from arp_send.
    const wire::AuthKey key = testing::test_key();
    probe::BeatWatch watch(wire::kDefaultHeartbeatPort, &key);
    const Collected live = read_all(kDataDir / "live-10ms.pcap");
    for (std::size_t i = 0; i < live.frames.size(); ++i) {
        watch.on_frame(live.frames[i], live.timestamps[i]);
    }
    ASSERT_EQ(watch.senders().size(), 1U);
    const probe::SenderStatistics& sender = watch.senders().begin()->second;
    EXPECT_EQ(sender.beats_received, 114U);  // as tests/data/make_live_capture.sh recorded it
    EXPECT_EQ(sender.lost, 0U);
    EXPECT_TRUE(sender.mac_verified);
    EXPECT_NEAR(sender.intervals.percentile_us(0.5), 10'000, 500);
    EXPECT_EQ(watch.drops().total(), 0U);
    std::size_t gratuitous = 0;
    std::size_t probes = 0;
    for (const auto& event : watch.arp_events()) {
        gratuitous += event.frame.kind() == wire::ArpKind::gratuitous_request ? 1 : 0;
        probes += event.frame.kind() == wire::ArpKind::probe ? 1 : 0;
    }
    EXPECT_EQ(gratuitous, 2U);
    EXPECT_EQ(probes, 1U);
}

TEST(DecoderOverFixtures, UnrelatedFramesAreNeverHeartbeats) {
    for (const auto& frame : read_all(kDataDir / "unrelated.pcap").frames) {
        EXPECT_FALSE(wire::decode_heartbeat_frame(frame, wire::HeartbeatDecodeOptions{}));
    }
}

}  // namespace
}  // namespace fo::capture
