#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fo/wire/addresses.hpp"
#include "fo/wire/drop_reason.hpp"

namespace fo::wire {

inline constexpr std::uint8_t kIcmpEchoReply = 0;    // RFC 792
inline constexpr std::uint8_t kIcmpEchoRequest = 8;  // RFC 792
inline constexpr std::uint8_t kIpProtocolIcmp = 1;

/// An ICMP echo request (header and data) for a raw ICMP socket: the data
/// carries the probe index so that replies can be matched to probes.
std::vector<std::uint8_t> encode_echo_request(std::uint16_t identifier, std::uint64_t probe_index,
                                              std::size_t data_size = 16);

struct EchoReply {
    MacAddress source_mac;
    Ipv4Address source_ip;
    std::uint16_t identifier = 0;
    std::uint64_t probe_index = 0;
};

/// Decodes an Ethernet frame holding an ICMP echo reply whose data starts
/// with a probe index. Drop reasons as for heartbeats (not_ipv4,
/// bad_ip_header, ..., not_udp stands for "not ICMP echo reply").
DecodeResult<EchoReply> decode_echo_reply_frame(std::span<const std::uint8_t> frame);

}  // namespace fo::wire
