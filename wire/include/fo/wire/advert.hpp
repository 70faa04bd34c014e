#pragma once

// Foreign failover adverts that fo-probe understands (docs/protocol.md,
// "Foreign formats"): VRRP version 2 (RFC 3768) and version 3 for IPv4 and
// IPv6 (RFC 5798), and CARP as ucarp and the BSDs send it. All three are IP
// protocol 112. Pure decoders like the heartbeat's: a frame or one drop reason.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "fo/wire/drop_reason.hpp"
#include "fo/wire/ipv6.hpp"

namespace fo::wire {

/// IANA protocol number of VRRP (RFC 5798 section 5.1.1.4, RFC 3768 5.2.4), which CARP reuses.
inline constexpr std::uint8_t kIpProtocolVrrp = 112;
/// TTL / hop limit of every advert (RFC 5798 5.1.1.3 and 5.1.2.3, RFC 3768 5.2.3); CARP sends the same.
inline constexpr std::uint8_t kVrrpTtl = 255;
inline constexpr std::uint8_t kVrrpVersion2 = 2;      // RFC 3768 section 5.3.1
inline constexpr std::uint8_t kVrrpVersion3 = 3;      // RFC 5798 section 5.2.1
inline constexpr std::uint8_t kVrrpTypeAdvert = 1;    // RFC 5798 5.2.2, RFC 3768 5.3.2: the only type
inline constexpr std::size_t kVrrpFixedSize = 8;      // RFC 5798 5.2 / RFC 3768 5.3: up to the addresses
inline constexpr std::size_t kVrrp2AuthDataSize = 8;  // RFC 3768 section 5.3.10
/// CARP (OpenBSD ip_carp.h, ucarp's ip_carp.h): version 2, type 1 (advertisement),
/// a 36-byte header whose authlen is 7 32-bit words (counter and digest).
inline constexpr std::uint8_t kCarpVersion = 2;
inline constexpr std::uint8_t kCarpTypeAdvert = 1;
inline constexpr std::size_t kCarpHeaderSize = 36;
inline constexpr std::uint8_t kCarpAuthLength = 7;
inline constexpr std::size_t kCarpDigestSize = 20;  // HMAC-SHA1

/// The link and IP layers an advert came in.
struct AdvertEnvelope {
    MacAddress source_mac;
    MacAddress destination_mac;
    IpAddress source;
    IpAddress destination;
    std::uint8_t ttl = 0;  // IPv4 TTL or IPv6 hop limit
};

/// A VRRP advertisement, version 2 or 3, IPv4 or IPv6 (v3 only).
struct VrrpAdvertisement {
    AdvertEnvelope envelope;
    std::uint8_t version = kVrrpVersion3;
    std::uint8_t type = kVrrpTypeAdvert;
    std::uint8_t vrid = 0;
    std::uint8_t priority = 0;
    std::uint8_t address_count = 0;
    std::uint8_t auth_type = 0;  // v2 only (RFC 3768 5.3.6); 0 in v3
    /// v3: Max Adver Int in centiseconds (RFC 5798 5.2.7); v2: Adver Int in seconds (RFC 3768 5.3.7).
    std::uint16_t advert_interval = 0;
    std::uint16_t checksum = 0;
    std::vector<IpAddress> addresses;

    [[nodiscard]] std::uint32_t advert_interval_us() const;
};

/// A CARP advertisement: the digest is shown, not verified (that needs the password).
struct CarpAdvertisement {
    AdvertEnvelope envelope;
    std::uint8_t version = kCarpVersion;
    std::uint8_t type = kCarpTypeAdvert;
    std::uint8_t vhid = 0;
    std::uint8_t advskew = 0;
    std::uint8_t auth_length = kCarpAuthLength;
    std::uint8_t demotion = 0;  // pad1 in ucarp
    std::uint8_t advbase = 0;   // seconds
    std::uint16_t checksum = 0;
    std::uint64_t counter = 0;
    std::array<std::uint8_t, kCarpDigestSize> digest{};

    /// advbase + advskew/256 seconds (ip_carp.c carp_send_ad).
    [[nodiscard]] std::uint32_t advert_interval_us() const;
};

using Advertisement = std::variant<VrrpAdvertisement, CarpAdvertisement>;

/// Decodes any protocol-112 frame, checks in RFC 5798 / 3768 section 7.1
/// order: Ethernet and IP (the IPv4 checks of decode_ipv4_frame, or
/// decode_ipv6_frame), not_vrrp, bad_vrrp_ttl, then the version nibble:
/// 3 is VRRPv3; 2 on IPv4 or IPv6 with a 36-byte payload whose fourth byte is
/// CARP's authlen 7 is CARP (a VRRPv2 packet of that length would announce 7
/// addresses and need 44 bytes), else VRRPv2 (IPv4 only); then length,
/// checksum, type.
DecodeResult<Advertisement> decode_advert_frame(std::span<const std::uint8_t> frame);

/// The same, but only VRRP (a CARP frame is unknown_vrrp_version).
DecodeResult<VrrpAdvertisement> decode_vrrp_frame(std::span<const std::uint8_t> frame);
/// The same, but only CARP (a VRRP frame is unknown_vrrp_version).
DecodeResult<CarpAdvertisement> decode_carp_frame(std::span<const std::uint8_t> frame);

/// A drop of a frame known to be protocol 112 with a valid IP layer (bad_vrrp_ttl
/// onwards): callers that look for other frames too report these, and treat the
/// rest (not_ip, not_vrrp, IP-layer drops) as "not an advert".
bool is_advert_drop(DropReason reason);

/// "vrrp2", "vrrp3" or "carp".
std::string_view protocol_name(const Advertisement& advert);
const AdvertEnvelope& envelope_of(const Advertisement& advert);
/// VRID or VHID.
std::uint8_t router_id_of(const Advertisement& advert);
/// VRRP priority; for CARP 255 - advskew (lower skew wins, like higher priority).
std::uint8_t priority_of(const Advertisement& advert);
std::uint32_t advert_interval_us_of(const Advertisement& advert);

}  // namespace fo::wire
