#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fo/capture/packet_source.hpp"
#include "fo/wire/addresses.hpp"

namespace fo::capture {

/// Snap length: enough for our heartbeat (106 bytes), ARP and headroom for
/// VLAN tags, without copying whole jumbo frames.
inline constexpr int kDefaultSnapLength = 256;

struct LiveCaptureOptions {
    std::string interface;
    std::string filter;  // pcap-filter(7); compiled into the kernel
    int snap_length = kDefaultSnapLength;
    /// Kernel buffer; large enough for a burst of 1 ms beats during a stall.
    int buffer_bytes = 4 * 1024 * 1024;
    /// Needed to see frames sent to a MAC that is not the interface's.
    bool promiscuous = false;
    /// Frames this host sends are not handed to the capture at all
    /// (PACKET_IGNORE_OUTGOING, Linux 4.20; ignored where unknown): the
    /// daemon's own beats then cost no filter run in its own capture.
    bool ignore_outgoing = false;
    /// Link-layer multicast groups the interface must accept while the
    /// capture is open (PACKET_ADD_MEMBERSHIP): a NIC drops multicast
    /// frames of groups nobody joined, before any packet socket sees them.
    /// Another node's DAD probe for an IPv6 service address goes to the
    /// address's solicited-node group, which the kernel joins only once the
    /// address is ours (RFC 4861 7.2.1; RFC 4862 5.4.2).
    std::vector<wire::MacAddress> multicast_groups{};
};

/// Opens `interface` with immediate mode (no buffer timeout: ucarp's 1 s trap),
/// nanosecond timestamps, the filter in the kernel, non-blocking.
/// Throws std::runtime_error with libpcap's message on failure.
std::unique_ptr<PacketSource> open_live_capture(const LiveCaptureOptions& options);

/// Opens a pcap or pcapng file behind the same interface; an optional filter
/// is applied as when live. Throws std::runtime_error on failure.
std::unique_ptr<PacketSource> open_capture_file(const std::string& path, const std::string& filter = "");

}  // namespace fo::capture
