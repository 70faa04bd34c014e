#pragma once

#include <optional>
#include <span>

#include "fo/wire/addresses.hpp"

namespace fo::address {

/// RFC 5227 section 2.1.1: while probing for `address`, an ARP frame from
/// another host is a conflict when its sender IP is the address (a reply to
/// our probe, or the holder's own request or announcement), or when it is
/// another host's probe for the same address (it is claiming too). Returns
/// that host's MAC; frames we sent ourselves (`own_mac`) and any other frame
/// give nothing.
std::optional<wire::MacAddress> conflicting_sender(std::span<const std::uint8_t> frame, wire::Ipv4Address address,
                                                   wire::MacAddress own_mac);

}  // namespace fo::address
