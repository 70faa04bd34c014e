#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "fo/capture/packet_source.hpp"
#include "fo/probe/outage_analyzer.hpp"
#include "fo/wire/addresses.hpp"
#include "outage_command.hpp"

namespace fo::probe {

/// The measurement loop of `fo-probe outage`, whatever the target's family:
/// every period `send(index)` sends probe `index` (and the owner probe),
/// replies are read from `source` into `handler`; it stops after
/// --duration, when recovered (--until-recovered), or on SIGINT/SIGTERM,
/// each after a grace period for replies in flight.
void run_probe_loop(capture::PacketSource& source, capture::PacketHandler& handler, const OutageOptions& options,
                    std::int64_t period_ns, OutageAnalyzer& analyzer, const std::function<void(std::uint64_t)>& send);

/// A socket bound to `interface` (SO_BINDTODEVICE), close-on-exec; throws
/// std::runtime_error starting with `what` when it cannot be had.
int open_probe_socket(int family, int type, int protocol, const std::string& interface, const std::string& what);

/// Binds the UDP socket `fd` of `family` to the wildcard address and a port
/// the kernel picks, and returns that port; closes `fd` and throws
/// std::runtime_error when it cannot.
std::uint16_t bind_ephemeral_port(int fd, int family);

/// `fo-probe outage` for an IPv6 target (outage_ipv6.cpp).
int run_outage_ipv6(const OutageOptions& options, const wire::Ipv6Address& target);

/// The end of every `fo-probe outage`: the report (JSON or text) on stdout
/// and the --plot picture; the exit status (1: the picture not written).
int print_outage_report(const OutageAnalyzer& analyzer, const OutageOptions& options);

/// Replies sent after this long before the end are not judged (in flight when we stopped).
inline constexpr std::int64_t kReplyGraceNs = 100'000'000;

}  // namespace fo::probe
