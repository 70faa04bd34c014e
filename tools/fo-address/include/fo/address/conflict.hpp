#pragma once

#include <optional>
#include <span>

#include "fo/wire/addresses.hpp"

namespace fo::address {

/// RFC 5227 section 2.1.1: while probing for `address`, an ARP frame from
/// another host whose sender IP is the address (a reply to our probe, or the
/// holder's own request or announcement) is a conflict. Returns that host's
/// MAC; frames we sent ourselves (`own_mac`) and any other frame give
/// nothing. Unlike RFC 5227's SHOULD, another host's probe for the address
/// is not a conflict: instruments probe addresses they never claim
/// (`fo-probe outage`, `arping -D`), and the daemons' claim detection counts
/// only senders too; in a Pacemaker cluster only one node starts the
/// resource at a time.
std::optional<wire::MacAddress> conflicting_sender(std::span<const std::uint8_t> frame, wire::Ipv4Address address,
                                                   wire::MacAddress own_mac);

/// IPv6's counterpart, the daemons' rule (takeover::neighbor_discovery_claim):
/// while probing for `address` with DAD solicitations, a neighbor
/// advertisement for it (an answer, or the holder's announcement) or another
/// node's DAD probe for it (RFC 4862 5.4.3: it claims the address too) is a
/// conflict. Returns that node's MAC; our own frames and others give nothing.
std::optional<wire::MacAddress> conflicting_ndp_sender(std::span<const std::uint8_t> frame,
                                                       const wire::Ipv6Address& address, wire::MacAddress own_mac);

}  // namespace fo::address
