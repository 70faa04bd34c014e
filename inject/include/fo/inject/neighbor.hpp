#pragma once

#include <optional>
#include <string>

#include "fo/wire/addresses.hpp"

namespace fo::inject {

/// The kernel's ARP entry for `address` on `interface` (/proc/net/arp), if
/// complete.
std::optional<wire::MacAddress> lookup_neighbor(const std::string& interface, wire::Ipv4Address address);

/// Makes the kernel resolve `address`: one UDP datagram to the discard port
/// (RFC 863), bound to `interface`. Returns false with errno-text on failure.
bool solicit_neighbor(const std::string& interface, wire::Ipv4Address address, std::string& error);

}  // namespace fo::inject
