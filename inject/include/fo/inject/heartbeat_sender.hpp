#pragma once

#include <memory>
#include <optional>
#include <string>

#include "fo/inject/packet_socket.hpp"
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
    /// Stand-ins for the interface's own addresses when the frames go to a
    /// sink of the caller's (benchmarks, tests): then `interface` is not read.
    std::optional<wire::MacAddress> source_mac;
    std::optional<wire::Ipv4Address> source_ip;
};

/// Heartbeat frames for one link. libnet builds the Ethernet, IPv4 and UDP
/// headers once into a frame template; each beat writes only the signed
/// payload and the UDP checksum into it and hands the bytes to the sink (an
/// AF_PACKET socket opened once: one sendto per beat, no per-frame
/// allocation or interface lookup).
class LibnetHeartbeatSender final : public HeartbeatTransmitter {
  public:
    /// Sends on `options.interface`. Throws std::runtime_error when the
    /// interface cannot be opened.
    explicit LibnetHeartbeatSender(const HeartbeatSenderOptions& options);
    /// Sends into `sink`; the source addresses come from the options when
    /// given, else from the interface.
    LibnetHeartbeatSender(const HeartbeatSenderOptions& options, std::unique_ptr<FrameSink> sink);
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
