#pragma once

#include <netpacket/packet.h>

#include <cstdint>
#include <span>
#include <string>

#include "fo/wire/addresses.hpp"

namespace fo::inject {

/// Where a finished Ethernet frame goes: a link (PacketSocket) or, in tests
/// and benchmarks, tests/fakes/fake_frame_sink.hpp.
class FrameSink {
  public:
    virtual ~FrameSink() = default;
    /// Sends one whole frame; false with the reason in `error` on failure.
    virtual bool send(std::span<const std::uint8_t> frame, std::string& error) = 0;
};

/// The one way this project sends frames it built itself (heartbeats, ARP,
/// NDP): an AF_PACKET socket opened once for one interface, one sendto per
/// frame to the cached interface index. libnet_write looks the index up
/// with an ioctl per frame, and its ETH_P_ALL socket is handed a copy of
/// every frame on every interface; this socket is bound to no protocol and
/// receives nothing.
class PacketSocket final : public FrameSink {
  public:
    /// `ether_type` becomes the kernel's skb->protocol (the frame carries its
    /// own). Throws std::runtime_error when the interface does not exist or
    /// the socket cannot be opened (no CAP_NET_RAW).
    PacketSocket(const std::string& interface, std::uint16_t ether_type);
    ~PacketSocket() override;
    PacketSocket(const PacketSocket&) = delete;
    PacketSocket& operator=(const PacketSocket&) = delete;
    PacketSocket(PacketSocket&&) = delete;
    PacketSocket& operator=(PacketSocket&&) = delete;

    /// An interface re-created under the same name is found again (its new
    /// index) and the frame sent once more.
    bool send(std::span<const std::uint8_t> frame, std::string& error) override;

  private:
    int fd_ = -1;
    sockaddr_ll address_{};
    std::string interface_;
};

struct InterfaceAddresses {
    int index = 0;
    wire::MacAddress mac;
    wire::Ipv4Address ipv4;  // 0.0.0.0 when the interface has none
};

/// The interface's index, MAC and first IPv4 address (ioctl, once).
/// Throws std::runtime_error when it does not exist.
InterfaceAddresses interface_addresses(const std::string& interface);

}  // namespace fo::inject
