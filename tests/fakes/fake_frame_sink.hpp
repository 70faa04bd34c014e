#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "fo/inject/packet_socket.hpp"

namespace fo::testing {

/// The link for tests and benchmarks: each frame is one send() into one end
/// of an AF_UNIX datagram socketpair (a system call per frame, as on a link)
/// and comes out of receive() whole.
class SocketpairFrameSink final : public inject::FrameSink {
  public:
    SocketpairFrameSink() {
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds_.data()) != 0) {
            throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
        }
    }
    ~SocketpairFrameSink() override {
        close(fds_[0]);
        close(fds_[1]);
    }
    SocketpairFrameSink(const SocketpairFrameSink&) = delete;
    SocketpairFrameSink& operator=(const SocketpairFrameSink&) = delete;
    SocketpairFrameSink(SocketpairFrameSink&&) = delete;
    SocketpairFrameSink& operator=(SocketpairFrameSink&&) = delete;

    bool send(std::span<const std::uint8_t> frame, std::string& error) override {
        if (::send(fds_[0], frame.data(), frame.size(), MSG_DONTWAIT) != static_cast<ssize_t>(frame.size())) {
            error = std::string("send: ") + std::strerror(errno);
            return false;
        }
        return true;
    }

    /// The oldest frame sent, copied into `buffer`; empty when none waits.
    std::span<const std::uint8_t> receive(std::span<std::uint8_t> buffer) {
        const ssize_t size = recv(fds_[1], buffer.data(), buffer.size(), MSG_DONTWAIT);
        return size > 0 ? std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(size))
                        : std::span<const std::uint8_t>{};
    }

  private:
    std::array<int, 2> fds_{};
};

}  // namespace fo::testing
