#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace fo::wire {

/// Why an inbound frame was dropped. The heartbeat checks run in this order
/// (see docs/protocol.md, "Inbound checks"); the first failing check names
/// the drop.
enum class DropReason : std::uint8_t {
    too_short,              // shorter than an Ethernet header
    not_ipv4,               // EtherType is neither IPv4 nor (for ARP decoding) ARP
    bad_ip_header,          // IP version not 4, IHL < 5, or options beyond the capture
    bad_ip_length,          // IP total length beyond the frame or below the header
    bad_ip_checksum,        // RFC 791 header checksum
    ip_fragment,            // MF set or non-zero fragment offset: beats are never fragmented
    not_udp,                // IP protocol is not UDP
    wrong_port,             // UDP destination port is not the configured heartbeat port
    bad_udp_length,         // UDP length disagrees with the IP payload
    bad_udp_checksum,       // RFC 768 checksum over the pseudo-header (zero = not computed is accepted)
    payload_too_short,      // fewer bytes than the fixed heartbeat payload
    bad_magic,              // not "FOHB"
    unknown_version,        // a protocol version this build does not speak
    bad_length,             // the payload's own length field disagrees with the UDP payload
    unknown_message_type,   // type, role or state outside the known values
    auth_missing,           // we hold a key, the frame carries no MAC
    bad_mac,                // HMAC-SHA256-128 does not verify
    duplicate_sequence,     // inside the reorder window, already accepted
    stale_sequence,         // older than the reorder window
    stale_epoch,            // a boot epoch this sender already left behind
    unechoed_epoch,         // does not echo our current boot epoch: made before this session, never proof of life
    stale_session,          // echoes us, but from a peer epoch older than the session's (RFC 5880 6.8.6 model)
    foreign_node,           // another node id than the session's peer on this link
    not_arp,                // EtherType is not ARP (ARP decoder)
    bad_arp_header,         // not Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6, plen 4)
    unknown_arp_operation,  // neither request (1) nor reply (2)
    // Foreign adverts (VRRP, CARP: IP protocol 112, wire/advert.hpp), in the order they are checked.
    not_ip,                // EtherType is neither IPv4 nor IPv6
    bad_ipv6_header,       // IPv6: version not 6, or the payload length runs past the frame
    not_vrrp,              // IP protocol / IPv6 next header is not 112 (no extension headers are walked)
    bad_vrrp_ttl,          // TTL / hop limit not 255 (RFC 3768 7.1, RFC 5798 7.1 and 5.1.1.3 / 5.1.2.3)
    unknown_vrrp_version,  // neither VRRP 2 (IPv4 only) nor 3, nor CARP 2
    bad_vrrp_length,       // shorter than the fixed fields, the addresses and (v2) the auth data announced
    bad_vrrp_checksum,     // v3: over the IPv4/IPv6 pseudo-header (RFC 5798 5.2.8); v2: the message (RFC 3768 5.3.8)
    unknown_vrrp_type,     // not an advertisement (1): RFC 5798 5.2.2, RFC 3768 5.3.2
    bad_carp_checksum,     // CARP: over the CARP header only (ip_carp.c carp_input)
    unknown_carp_type,     // CARP: not an advertisement (1)
    // IPv6 neighbor advertisements (wire/ipv6.hpp), the IPv6 counterpart of gratuitous ARP.
    not_neighbor_advert,  // not ICMPv6 (next header 58) type 136
    bad_neighbor_advert,  // RFC 4861 7.1.2: hop limit not 255, code not 0, shorter than 24 bytes
    bad_icmpv6_checksum,  // RFC 4443 2.3: over the IPv6 pseudo-header and the message
    unknown_key_id,       // heartbeat: signed with a key id we do not hold (wire/keyring.hpp)
    // IPv6 neighbor solicitations (wire/ndp.hpp), the IPv6 counterpart of the RFC 5227 ARP probe.
    not_neighbor_solicit,  // not ICMPv6 (next header 58) type 135
    bad_neighbor_solicit,  // RFC 4861 7.1.1: hop limit, code, length, multicast target, options
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::bad_neighbor_solicit) + 1;

std::string_view to_string(DropReason reason);

/// Either a decoded value or exactly one drop reason. Never throws.
template <typename T>
class DecodeResult {
  public:
    DecodeResult(T value) : value_(std::move(value)) {}   // NOLINT(google-explicit-constructor)
    DecodeResult(DropReason reason) : reason_(reason) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const T& value() const { return *value_; }
    [[nodiscard]] T& value() { return *value_; }
    const T* operator->() const { return &*value_; }
    /// Only meaningful when !ok().
    [[nodiscard]] DropReason reason() const { return reason_; }

  private:
    std::optional<T> value_;
    DropReason reason_ = DropReason::too_short;
};

/// One counter per drop reason.
class DropCounters {
  public:
    void count(DropReason reason) { ++counts_[static_cast<std::size_t>(reason)]; }
    [[nodiscard]] std::uint64_t get(DropReason reason) const { return counts_[static_cast<std::size_t>(reason)]; }
    [[nodiscard]] std::uint64_t total() const;

    template <typename Visitor>
    void for_each_nonzero(Visitor&& visit) const {
        for (std::size_t i = 0; i < kDropReasonCount; ++i) {
            if (counts_[i] != 0) {
                visit(static_cast<DropReason>(i), counts_[i]);
            }
        }
    }

  private:
    std::array<std::uint64_t, kDropReasonCount> counts_{};
};

}  // namespace fo::wire
