#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "fo/wire/addresses.hpp"

namespace fo::capture {

struct FilterSpec {
    std::uint16_t port = 0;
    /// Our own MAC: frames we sent ourselves are filtered in the kernel.
    std::optional<wire::MacAddress> exclude_source_mac;
    bool include_arp = false;
    /// Foreign adverts, IP protocol 112: VRRP v2/v3 and CARP over IPv4 and
    /// IPv6 (only with 112 as the fixed header's next header, like wire::decode_advert_frame).
    /// With include_arp too: IPv6 neighbor advertisements (ICMPv6 type 136
    /// right after the fixed header), which announce VRRPv3 IPv6 takeovers.
    bool include_adverts = false;
    /// IPv6 neighbor discovery (ICMPv6 right after the fixed header, type
    /// 135 or 136): another holder's advertisements and DAD probes, the
    /// IPv6 side of include_arp (service links with IPv6 addresses).
    bool include_ndp = false;
};

/// The pcap-filter(7) expression for our frames.
std::string build_filter_expression(const FilterSpec& spec);

/// The heartbeats of `spec` that need an answer at once (for a WakeSocket):
/// a message type other than beat (release-request, released) or a sender
/// state of releasing or stopping (a handover). Ordinary beats do not pass.
std::string build_wake_filter_expression(const FilterSpec& spec);

/// Compiles a filter once (for Ethernet) and matches packets offline
/// (pcap_offline_filter), for tests and for filtering pcap files.
class OfflineFilter {
  public:
    /// Throws std::invalid_argument with libpcap's message on a bad expression.
    explicit OfflineFilter(const std::string& expression);
    ~OfflineFilter();
    OfflineFilter(const OfflineFilter&) = delete;
    OfflineFilter& operator=(const OfflineFilter&) = delete;

    [[nodiscard]] bool matches(std::span<const std::uint8_t> frame) const;

  private:
    struct Program;
    Program* program_;
};

}  // namespace fo::capture
