#pragma once

#include <cstdint>
#include <span>

#include "fo/wire/addresses.hpp"
#include "fo/wire/byte_reader.hpp"
#include "fo/wire/drop_reason.hpp"

namespace fo::wire {

inline constexpr std::size_t kEthernetHeaderSize = 14;
inline constexpr std::size_t kIpv4HeaderSize = 20;  // RFC 791 section 3.1, without options
inline constexpr std::size_t kUdpHeaderSize = 8;    // RFC 768
inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint8_t kIpProtocolUdp = 17;
/// Heartbeats are link-local; like BFD (RFC 5881 section 5) we send TTL 255.
inline constexpr std::uint8_t kHeartbeatTtl = 255;
/// DSCP CS6 (network control, RFC 4594 section 3.2) so queues favour beats.
inline constexpr std::uint8_t kHeartbeatTos = 0xC0;

struct EthernetHeader {
    MacAddress destination;
    MacAddress source;
    std::uint16_t ether_type = 0;
};

bool read_ethernet(ByteReader& reader, EthernetHeader& out);
void write_ethernet(ByteWriter& writer, const EthernetHeader& header);

/// Who a UDP-over-Ethernet frame goes from and to.
struct UdpEndpoints {
    MacAddress source_mac;
    MacAddress destination_mac;
    Ipv4Address source_ip;
    Ipv4Address destination_ip;
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
};

/// An IPv4 packet in an Ethernet frame, after the IPv4 checks.
struct Ipv4Packet {
    EthernetHeader ethernet;
    Ipv4Address source;
    Ipv4Address destination;
    std::uint8_t protocol = 0;
    std::uint8_t ttl = 0;
    std::span<const std::uint8_t> payload;  // points into the frame, padding excluded
};

/// Ethernet and IPv4 checks, in the documented order (too_short .. ip_fragment).
DecodeResult<Ipv4Packet> decode_ipv4_frame(std::span<const std::uint8_t> frame);

struct UdpDatagram {
    UdpEndpoints endpoints;
    std::uint8_t ttl = 0;
    std::span<const std::uint8_t> payload;  // points into the decoded frame
};

/// Checks Ethernet, IPv4 and UDP in the documented order and returns the UDP
/// payload, or the first failing check. `verify_udp_checksum` = false for
/// frames a local stack sent with checksum offload (captured before the NIC
/// fills the checksum in); never for heartbeats.
DecodeResult<UdpDatagram> decode_udp_frame(std::span<const std::uint8_t> frame, std::uint16_t port,
                                           bool verify_udp_checksum = true);

/// Writes Ethernet + IPv4 + UDP + payload with both checksums; returns the
/// frame length, or 0 when `out` is too small.
std::size_t encode_udp_frame(const UdpEndpoints& endpoints, std::span<const std::uint8_t> payload,
                             std::span<std::uint8_t> out);

}  // namespace fo::wire
