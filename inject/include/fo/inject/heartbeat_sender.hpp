#pragma once

#include <memory>
#include <string>

#include "fo/inject/transmitters.hpp"
#include "fo/wire/auth.hpp"
#include "fo/wire/keyring.hpp"

namespace fo::inject {

struct HeartbeatSenderOptions {
    std::string interface;
    wire::Ipv4Address destination_ip;  // the peer, or a broadcast address
    wire::MacAddress destination_mac;  // the peer's, or ff:ff:ff:ff:ff:ff
    std::uint16_t port = wire::kDefaultHeartbeatPort;
    /// Must outlive the sender; read at every frame (a reload takes effect at
    /// the next one). nullptr: unsigned (logged by the caller).
    const wire::Keyring* keyring = nullptr;
};

/// libnet on one interface. The context and the Ethernet, IPv4 and UDP
/// headers are built once; each beat rewrites only the UDP payload (and libnet
/// the UDP checksum that depends on it).
class LibnetHeartbeatSender final : public HeartbeatTransmitter {
  public:
    /// Throws std::runtime_error when the interface cannot be opened.
    explicit LibnetHeartbeatSender(const HeartbeatSenderOptions& options);
    ~LibnetHeartbeatSender() override;

    bool send(const wire::Heartbeat& beat) override;
    bool set_destination_mac(wire::MacAddress mac) override;
    [[nodiscard]] std::string last_error() const override { return last_error_; }

    [[nodiscard]] wire::MacAddress source_mac() const;
    [[nodiscard]] wire::Ipv4Address source_ip() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
    std::string last_error_;
};

}  // namespace fo::inject
