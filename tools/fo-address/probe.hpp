#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fo/takeover/edges.hpp"
#include "fo/wire/addresses.hpp"

namespace fo::address {

struct ProbeResult {
    std::optional<wire::MacAddress> holder;  // another host that answers for the address
    int probes_sent = 0;
    std::string error;  // capture or send failure: nothing can be said
};

/// RFC 5227 probes for `address` on its interface during `window_ns`, and
/// the first other host that answers for it (conflicting_sender); for an
/// IPv6 address, DAD solicitations (RFC 4862 5.4.2) and the first other
/// node that advertises it or probes for it too (conflicting_ndp_sender).
/// Throws std::runtime_error when the interface cannot be opened (libnet,
/// libpcap).
ProbeResult probe_for_holder(const takeover::ServiceAddress& address, std::int64_t window_ns);

}  // namespace fo::address
