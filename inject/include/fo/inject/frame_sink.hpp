#pragma once

#include <netpacket/packet.h>

#include <cstdint>
#include <span>
#include <string>

#include "fo/wire/addresses.hpp"

namespace fo::inject {

/// Where a finished Ethernet frame goes: a link (PacketSocketSink) or, in
/// benchmarks and tests, any other descriptor.
class FrameSink {
  public:
    virtual ~FrameSink() = default;
    /// Sends one whole frame; false with the reason in `error` on failure.
    virtual bool send(std::span<const std::uint8_t> frame, std::string& error) = 0;
};

/// An AF_PACKET socket opened once for one interface: each frame is one
/// sendto to the cached interface index. (libnet_write looks the index up
/// with an ioctl per frame, and its ETH_P_ALL socket is handed a copy of
/// every frame on every interface.) Bound to no protocol, it receives nothing.
class PacketSocketSink final : public FrameSink {
  public:
    /// Throws std::runtime_error when the socket cannot be opened (no
    /// CAP_NET_RAW) or the interface does not exist.
    explicit PacketSocketSink(const std::string& interface);
    ~PacketSocketSink() override;
    PacketSocketSink(const PacketSocketSink&) = delete;
    PacketSocketSink& operator=(const PacketSocketSink&) = delete;

    bool send(std::span<const std::uint8_t> frame, std::string& error) override;

  private:
    int fd_ = -1;
    sockaddr_ll address_{};
    std::string interface_;
};

/// A descriptor that takes datagrams (one end of a socketpair, for
/// benchmarks and tests): each frame is one send().
class DescriptorSink final : public FrameSink {
  public:
    explicit DescriptorSink(int fd) : fd_(fd) {}
    bool send(std::span<const std::uint8_t> frame, std::string& error) override;

  private:
    int fd_;
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
