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

}  // namespace fo::address
