#include "fo/wire/advert.hpp"

#include "fo/wire/byte_reader.hpp"
#include "fo/wire/checksum.hpp"

namespace fo::wire {

namespace {

constexpr std::uint16_t kVrrp3IntervalMask = 0x0FFF;  // RFC 5798 5.2.7: 12 bits after 4 reserved
constexpr std::uint32_t kMicrosecondsPerCentisecond = 10'000;
constexpr std::uint32_t kMicrosecondsPerSecond = 1'000'000;
constexpr std::size_t kIpv4AddressSize = 4;
constexpr std::size_t kIpv6AddressSize = 16;

/// The IP layer of a protocol-112 packet, either family.
struct IpLayer {
    AdvertEnvelope envelope;
    std::uint8_t protocol = 0;
    std::span<const std::uint8_t> payload;
    Ipv4Address source4;
    Ipv4Address destination4;
    Ipv6Address source6;
    Ipv6Address destination6;
};

DecodeResult<IpLayer> decode_ip_layer(std::span<const std::uint8_t> frame) {
    IpLayer layer;
    auto ipv4 = decode_ipv4_frame(frame);
    if (ipv4) {
        layer.envelope = AdvertEnvelope{ipv4->ethernet.source, ipv4->ethernet.destination,
                                        IpAddress::from(ipv4->source), IpAddress::from(ipv4->destination), ipv4->ttl};
        layer.protocol = ipv4->protocol;
        layer.payload = ipv4->payload;
        layer.source4 = ipv4->source;
        layer.destination4 = ipv4->destination;
        return layer;
    }
    if (ipv4.reason() != DropReason::not_ipv4) {
        return ipv4.reason();
    }
    auto ipv6 = decode_ipv6_frame(frame);
    if (!ipv6) {
        return ipv6.reason();
    }
    layer.envelope = AdvertEnvelope{ipv6->ethernet.source, ipv6->ethernet.destination, IpAddress::from(ipv6->source),
                                    IpAddress::from(ipv6->destination), ipv6->hop_limit};
    layer.protocol = ipv6->next_header;
    layer.payload = ipv6->payload;
    layer.source6 = ipv6->source;
    layer.destination6 = ipv6->destination;
    return layer;
}

std::uint32_t ipv4_pseudo_header_sum(Ipv4Address source, Ipv4Address destination, std::size_t length) {
    return (source.value >> 16U) + (source.value & 0xFFFFU) + (destination.value >> 16U) +
           (destination.value & 0xFFFFU) + kIpProtocolVrrp + static_cast<std::uint32_t>(length);
}

DecodeResult<Advertisement> decode_vrrp(const IpLayer& ip, std::uint8_t version) {
    const bool v6 = ip.envelope.source.v6;
    ByteReader reader(ip.payload);
    VrrpAdvertisement advert;
    advert.envelope = ip.envelope;
    advert.version = version;
    std::uint8_t version_type = 0;
    std::uint8_t count_or_auth = 0;
    if (!reader.read_u8(version_type) || !reader.read_u8(advert.vrid) || !reader.read_u8(advert.priority) ||
        !reader.read_u8(advert.address_count)) {
        return DropReason::bad_vrrp_length;
    }
    advert.type = version_type & 0x0FU;
    if (version == kVrrpVersion3) {
        std::uint16_t interval = 0;
        if (!reader.read_u16(interval) || !reader.read_u16(advert.checksum)) {
            return DropReason::bad_vrrp_length;
        }
        advert.advert_interval = interval & kVrrp3IntervalMask;
    } else {
        std::uint8_t interval = 0;
        if (!reader.read_u8(count_or_auth) || !reader.read_u8(interval) || !reader.read_u16(advert.checksum)) {
            return DropReason::bad_vrrp_length;
        }
        advert.auth_type = count_or_auth;
        advert.advert_interval = interval;
    }
    // RFC 5798 7.1 / RFC 3768 7.1: the complete packet, fixed fields, addresses (and v2 auth data).
    const std::size_t address_size = v6 ? kIpv6AddressSize : kIpv4AddressSize;
    const std::size_t needed =
        kVrrpFixedSize + advert.address_count * address_size + (version == kVrrpVersion2 ? kVrrp2AuthDataSize : 0);
    if (ip.payload.size() < needed) {
        return DropReason::bad_vrrp_length;
    }
    // RFC 5798 5.2.8: v3 sums the pseudo-header (RFC 8200 8.1 for IPv6) and the whole
    // VRRP message; RFC 3768 5.3.8: v2 the VRRP message only.
    std::uint32_t sum = 0;
    if (version == kVrrpVersion3) {
        sum = v6 ? ipv6_pseudo_header_sum(ip.source6, ip.destination6, static_cast<std::uint32_t>(ip.payload.size()),
                                          kIpProtocolVrrp)
                 : ipv4_pseudo_header_sum(ip.source4, ip.destination4, ip.payload.size());
    }
    if (checksum_finish(checksum_partial(ip.payload, sum)) != 0) {
        return DropReason::bad_vrrp_checksum;
    }
    if (advert.type != kVrrpTypeAdvert) {
        return DropReason::unknown_vrrp_type;
    }
    advert.addresses.reserve(advert.address_count);
    for (std::size_t i = 0; i < advert.address_count; ++i) {
        IpAddress address;
        address.v6 = v6;
        reader.read_bytes(std::span<std::uint8_t>(address.octets).first(address_size));
        advert.addresses.push_back(address);
    }
    return Advertisement{std::move(advert)};
}

DecodeResult<Advertisement> decode_carp(const IpLayer& ip) {
    ByteReader reader(ip.payload);
    CarpAdvertisement advert;
    advert.envelope = ip.envelope;
    std::uint8_t version_type = 0;
    // The caller checked the length (kCarpHeaderSize): every read below succeeds.
    reader.read_u8(version_type);
    reader.read_u8(advert.vhid);
    reader.read_u8(advert.advskew);
    reader.read_u8(advert.auth_length);
    reader.read_u8(advert.demotion);
    reader.read_u8(advert.advbase);
    reader.read_u16(advert.checksum);
    reader.read_u64(advert.counter);
    if (!reader.read_bytes(advert.digest)) {
        return DropReason::bad_vrrp_length;
    }
    advert.type = version_type & 0x0FU;
    if (internet_checksum(ip.payload.first(kCarpHeaderSize)) != 0) {
        return DropReason::bad_carp_checksum;
    }
    if (advert.type != kCarpTypeAdvert) {
        return DropReason::unknown_carp_type;
    }
    return Advertisement{advert};
}

}  // namespace

std::uint32_t VrrpAdvertisement::advert_interval_us() const {
    return version == kVrrpVersion3 ? advert_interval * kMicrosecondsPerCentisecond
                                    : advert_interval * kMicrosecondsPerSecond;
}

std::uint32_t CarpAdvertisement::advert_interval_us() const {
    return advbase * kMicrosecondsPerSecond + advskew * kMicrosecondsPerSecond / 256;
}

DecodeResult<Advertisement> decode_advert_frame(std::span<const std::uint8_t> frame) {
    auto ip = decode_ip_layer(frame);
    if (!ip) {
        return ip.reason() == DropReason::not_ipv4 ? DropReason::not_ip : ip.reason();
    }
    if (ip->protocol != kIpProtocolVrrp) {
        return DropReason::not_vrrp;
    }
    if (ip->envelope.ttl != kVrrpTtl) {
        return DropReason::bad_vrrp_ttl;
    }
    if (ip->payload.empty()) {
        return DropReason::bad_vrrp_length;
    }
    const std::uint8_t version = ip->payload[0] >> 4U;
    if (version == kVrrpVersion3) {
        return decode_vrrp(ip.value(), version);
    }
    if (version == kCarpVersion && ip->payload.size() == kCarpHeaderSize && ip->payload[3] == kCarpAuthLength) {
        return decode_carp(ip.value());
    }
    if (version == kVrrpVersion2 && !ip->envelope.source.v6) {  // RFC 3768 is IPv4 only
        return decode_vrrp(ip.value(), version);
    }
    return DropReason::unknown_vrrp_version;
}

DecodeResult<VrrpAdvertisement> decode_vrrp_frame(std::span<const std::uint8_t> frame) {
    auto advert = decode_advert_frame(frame);
    if (!advert) {
        return advert.reason();
    }
    if (const auto* vrrp = std::get_if<VrrpAdvertisement>(&advert.value())) {
        return *vrrp;
    }
    return DropReason::unknown_vrrp_version;
}

DecodeResult<CarpAdvertisement> decode_carp_frame(std::span<const std::uint8_t> frame) {
    auto advert = decode_advert_frame(frame);
    if (!advert) {
        return advert.reason();
    }
    if (const auto* carp = std::get_if<CarpAdvertisement>(&advert.value())) {
        return *carp;
    }
    return DropReason::unknown_vrrp_version;
}

bool is_advert_drop(DropReason reason) {
    // Appended in check order (drop_reason.hpp): bad_vrrp_ttl .. unknown_carp_type.
    return reason >= DropReason::bad_vrrp_ttl && reason <= DropReason::unknown_carp_type;
}

std::string_view protocol_name(const Advertisement& advert) {
    if (const auto* vrrp = std::get_if<VrrpAdvertisement>(&advert)) {
        return vrrp->version == kVrrpVersion2 ? "vrrp2" : "vrrp3";
    }
    return "carp";
}

const AdvertEnvelope& envelope_of(const Advertisement& advert) {
    return std::visit([](const auto& value) -> const AdvertEnvelope& { return value.envelope; }, advert);
}

std::uint8_t router_id_of(const Advertisement& advert) {
    if (const auto* vrrp = std::get_if<VrrpAdvertisement>(&advert)) {
        return vrrp->vrid;
    }
    return std::get<CarpAdvertisement>(advert).vhid;
}

std::uint8_t priority_of(const Advertisement& advert) {
    if (const auto* vrrp = std::get_if<VrrpAdvertisement>(&advert)) {
        return vrrp->priority;
    }
    return static_cast<std::uint8_t>(255U - std::get<CarpAdvertisement>(advert).advskew);
}

std::uint32_t advert_interval_us_of(const Advertisement& advert) {
    return std::visit([](const auto& value) { return value.advert_interval_us(); }, advert);
}

}  // namespace fo::wire
