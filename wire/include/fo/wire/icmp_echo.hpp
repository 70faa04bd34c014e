#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fo/wire/addresses.hpp"
#include "fo/wire/drop_reason.hpp"
#include "fo/wire/ipv6.hpp"

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

namespace fo::wire {

/// The payload fo-probe sends to a UDP echo service (RFC 862): a marker, the
/// probe identifier and the probe index, echoed back unchanged.
inline constexpr std::size_t kUdpProbePayloadSize = 18;
std::vector<std::uint8_t> encode_udp_probe(std::uint16_t identifier, std::uint64_t probe_index);

/// An Ethernet frame holding the echo of our UDP probe, sent to `local_port`.
DecodeResult<EchoReply> decode_udp_echo_reply_frame(std::span<const std::uint8_t> frame, std::uint16_t local_port);

/// The same over IPv6: the IPv6 checks (decode_ipv6_frame), then not_udp
/// (next header not UDP, RFC 8200 section 4: extension headers are not
/// walked), bad_udp_length, wrong_port, payload_too_short, bad_magic. The
/// checksum is not checked, as for IPv4 echo replies (offload).
DecodeResult<Echo6Reply> decode_udp6_echo_reply_frame(std::span<const std::uint8_t> frame, std::uint16_t local_port);

}  // namespace fo::wire
