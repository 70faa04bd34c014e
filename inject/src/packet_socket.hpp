#pragma once

#include <linux/if_packet.h>

#include <cstdint>
#include <span>
#include <string>

#include "fo/wire/addresses.hpp"

namespace fo::inject::detail {

/// A send-only AF_PACKET socket on one interface, with its index cached:
/// announcing thousands of addresses back to back needs no ioctl per frame
/// (libnet_write asks for the index every time).
class PacketSocket {
  public:
    /// Throws std::runtime_error when the interface or the socket cannot be had.
    PacketSocket(const std::string& interface, std::uint16_t ether_type);
    ~PacketSocket();
    PacketSocket(const PacketSocket&) = delete;
    PacketSocket& operator=(const PacketSocket&) = delete;
    PacketSocket(PacketSocket&&) = delete;
    PacketSocket& operator=(PacketSocket&&) = delete;

    /// The whole Ethernet frame; false with `error` set on failure. An
    /// interface re-created under the same name is found again (new index).
    bool send(std::span<const std::uint8_t> frame, const wire::MacAddress& destination, std::string& error);
    /// The interface's MAC (SIOCGIFHWADDR).
    [[nodiscard]] wire::MacAddress hardware_address() const;

  private:
    int fd_ = -1;
    sockaddr_ll link_address_{};
    std::string interface_;
};

}  // namespace fo::inject::detail
