#pragma once

#include <optional>
#include <span>
#include <string>

#include "fo/wire/addresses.hpp"

// The IPv6 rules every holder of a service address shares: the pair
// daemons (daemon/) and fo-address (tools/fo-address, Pacemaker's agent).

namespace fo::takeover {

/// Why `address` cannot move between hosts (RFC 4291 2.5 and 2.7:
/// unspecified, loopback, multicast, link-local, IPv4-mapped), or nothing.
std::optional<std::string> ipv6_service_address_problem(const wire::Ipv6Address& address);

/// Another node saying it holds or takes an IPv6 address: IPv6's ARP claim.
struct NeighborClaim {
    wire::Ipv6Address address;
    wire::MacAddress sender;  // the frame's Ethernet source
};

/// A neighbor advertisement for its target (an answer to a DAD probe, or a
/// holder's announcement), or a duplicate address detection probe (RFC 4862
/// 5.4.3: another node is claiming its target too); nothing for any other
/// frame. Whether the sender is this host is the caller's to check.
std::optional<NeighborClaim> neighbor_discovery_claim(std::span<const std::uint8_t> frame);

}  // namespace fo::takeover
