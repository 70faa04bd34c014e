#include "fo/wire/drop_reason.hpp"

#include <numeric>

namespace fo::wire {

std::string_view to_string(DropReason reason) {
    switch (reason) {
        case DropReason::too_short: return "too_short";
        case DropReason::not_ipv4: return "not_ipv4";
        case DropReason::bad_ip_header: return "bad_ip_header";
        case DropReason::bad_ip_length: return "bad_ip_length";
        case DropReason::bad_ip_checksum: return "bad_ip_checksum";
        case DropReason::ip_fragment: return "ip_fragment";
        case DropReason::not_udp: return "not_udp";
        case DropReason::wrong_port: return "wrong_port";
        case DropReason::bad_udp_length: return "bad_udp_length";
        case DropReason::bad_udp_checksum: return "bad_udp_checksum";
        case DropReason::payload_too_short: return "payload_too_short";
        case DropReason::bad_magic: return "bad_magic";
        case DropReason::unknown_version: return "unknown_version";
        case DropReason::bad_length: return "bad_length";
        case DropReason::unknown_message_type: return "unknown_message_type";
        case DropReason::auth_missing: return "auth_missing";
        case DropReason::bad_mac: return "bad_mac";
        case DropReason::duplicate_sequence: return "duplicate_sequence";
        case DropReason::stale_sequence: return "stale_sequence";
        case DropReason::stale_epoch: return "stale_epoch";
        case DropReason::unechoed_epoch: return "unechoed_epoch";
        case DropReason::stale_session: return "stale_session";
        case DropReason::foreign_node: return "foreign_node";
        case DropReason::not_arp: return "not_arp";
        case DropReason::bad_arp_header: return "bad_arp_header";
        case DropReason::unknown_arp_operation: return "unknown_arp_operation";
        case DropReason::not_ip: return "not_ip";
        case DropReason::bad_ipv6_header: return "bad_ipv6_header";
        case DropReason::not_vrrp: return "not_vrrp";
        case DropReason::bad_vrrp_ttl: return "bad_vrrp_ttl";
        case DropReason::unknown_vrrp_version: return "unknown_vrrp_version";
        case DropReason::bad_vrrp_length: return "bad_vrrp_length";
        case DropReason::bad_vrrp_checksum: return "bad_vrrp_checksum";
        case DropReason::unknown_vrrp_type: return "unknown_vrrp_type";
        case DropReason::bad_carp_checksum: return "bad_carp_checksum";
        case DropReason::unknown_carp_type: return "unknown_carp_type";
        case DropReason::not_neighbor_advert: return "not_neighbor_advert";
        case DropReason::bad_neighbor_advert: return "bad_neighbor_advert";
        case DropReason::bad_icmpv6_checksum: return "bad_icmpv6_checksum";
        case DropReason::unknown_key_id: return "unknown_key_id";
        case DropReason::not_neighbor_solicit: return "not_neighbor_solicit";
        case DropReason::bad_neighbor_solicit: return "bad_neighbor_solicit";
    }
    return "unknown";
}

std::uint64_t DropCounters::total() const {
    return std::accumulate(counts_.begin(), counts_.end(), std::uint64_t{0});
}

}  // namespace fo::wire
