#pragma once

// Frames for tests, fixtures and benchmarks, built with the wire encoder.

#include <cstdint>
#include <string>
#include <vector>

#include "fo/wire/arp.hpp"
#include "fo/wire/heartbeat.hpp"

namespace fo::testing {

using Frame = std::vector<std::uint8_t>;

inline constexpr char kTestKeyText[] = "fastfailover-test-key-0123456789";  // tests/data/test.key
inline constexpr char kOtherKeyText[] = "an-entirely-different-secret-key";

wire::AuthKey test_key();
wire::AuthKey other_key();

/// 198.51.100.1 (02:00:00:00:00:01) -> 198.51.100.2 (02:00:00:00:00:02), port 1694.
wire::UdpEndpoints primary_to_secondary();
wire::UdpEndpoints secondary_to_primary();

/// A beat from node 1, link 0, 1 ms interval.
wire::Heartbeat sample_beat(std::uint64_t sequence = 1);

Frame beat_frame(const wire::Heartbeat& beat, const wire::AuthKey* key,
                 const wire::UdpEndpoints& endpoints = primary_to_secondary());
Frame arp_frame(const wire::ArpFrame& arp);

/// After editing bytes in a frame, make the checksums right again so the
/// decoder reaches the check under test.
void refresh_ip_checksum(Frame& frame);
void refresh_udp_checksum(Frame& frame);

struct MalformedCase {
    wire::DropReason expected;
    Frame frame;
};
/// One frame per heartbeat drop reason that a frame alone can cause, in the
/// documented check order; decoded with test_key().
std::vector<MalformedCase> malformed_cases();

struct UnrelatedCase {
    std::string what;
    Frame frame;
};
std::vector<UnrelatedCase> unrelated_frames();

}  // namespace fo::testing
