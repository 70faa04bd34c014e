#pragma once

#include <string>

#include "fo/wire/addresses.hpp"
#include "fo/wire/heartbeat.hpp"

namespace fo::inject {

/// Sends heartbeat frames on one link. Tests use tests/fakes instead.
class HeartbeatTransmitter {
  public:
    virtual ~HeartbeatTransmitter() = default;
    /// Encodes (and signs) `beat` and sends it; false on a send error, whose
    /// text last_error() holds. Never throws.
    virtual bool send(const wire::Heartbeat& beat) = 0;
    /// Re-targets the frame after the peer's MAC was (re)resolved.
    virtual bool set_destination_mac(wire::MacAddress mac) = 0;
    [[nodiscard]] virtual std::string last_error() const = 0;
};

enum class GratuitousArpForm : std::uint8_t { request, reply };

/// Sends ARP announcements and RFC 5227 probes on one interface.
class ArpTransmitter {
  public:
    virtual ~ArpTransmitter() = default;
    virtual bool send_gratuitous(wire::Ipv4Address address, GratuitousArpForm form) = 0;
    virtual bool send_probe(wire::Ipv4Address address) = 0;
    [[nodiscard]] virtual std::string last_error() const = 0;
};

/// IPv6's counterpart of ArpTransmitter on one interface: unsolicited
/// neighbor advertisements (RFC 4861 7.2.6) and duplicate address detection
/// probes (RFC 4862 5.4.2).
class NdpTransmitter {
  public:
    virtual ~NdpTransmitter() = default;
    virtual bool send_unsolicited_advert(const wire::Ipv6Address& address) = 0;
    virtual bool send_dad_probe(const wire::Ipv6Address& address) = 0;
    [[nodiscard]] virtual std::string last_error() const = 0;
};

}  // namespace fo::inject
