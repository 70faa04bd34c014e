#pragma once

#include <cstdint>
#include <string>

namespace fo::capture {

/// A doorbell on one interface: a plain AF_PACKET socket (no ring) whose
/// kernel BPF filter passes only the rare frames that need an answer at
/// once (`urgent_filter_expression`). The daemon reads its captures on its
/// own beat tick; this descriptor makes the loop read them as soon as such
/// a frame arrives. Its frames are only counted and discarded: the frame
/// itself is read from the link's capture, which the kernel hands it first
/// when the capture was opened after this socket.
class WakeSocket {
  public:
    /// Throws std::runtime_error (bad filter, no such interface, no CAP_NET_RAW).
    WakeSocket(const std::string& interface, const std::string& filter);
    ~WakeSocket();
    WakeSocket(const WakeSocket&) = delete;
    WakeSocket& operator=(const WakeSocket&) = delete;

    [[nodiscard]] int fd() const { return fd_; }
    /// Reads and discards every waiting frame; returns how many there were.
    [[nodiscard]] int drain() const;

  private:
    int fd_ = -1;
};

/// Holds the heartbeat's UDP port on one link with a socket that drops
/// everything in the kernel: our beats are read at the link layer, and
/// without a socket on the port the IP stack answers every beat with an ICMP
/// port unreachable (a route lookup and a rate-limit check per frame).
/// Connected to the peer, so the kernel's early demultiplexing finds it and
/// reuses its cached input route (no route lookup per beat either).
class DiscardingUdpPort {
  public:
    /// Addresses in host order. Throws std::runtime_error when the port
    /// cannot be bound or connected.
    DiscardingUdpPort(std::uint16_t port, std::uint32_t local_address, std::uint32_t peer_address);
    ~DiscardingUdpPort();
    DiscardingUdpPort(const DiscardingUdpPort&) = delete;
    DiscardingUdpPort& operator=(const DiscardingUdpPort&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace fo::capture
