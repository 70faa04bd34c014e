#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fo/inject/transmitters.hpp"
#include "fo/wire/heartbeat.hpp"

namespace fo::heartbeatd {

struct EmitterLinkStatistics {
    std::string interface;
    std::uint8_t link_id = 0;
    std::uint64_t next_sequence = 1;
    std::uint64_t sent = 0;
    std::uint64_t send_errors = 0;
    std::string last_error;
};

/// Builds one beat per link per tick: own sequence per link, the boot epoch
/// and the sender's state; hands each to that link's transmitter.
class BeatEmitter {
  public:
    struct Identity {
        std::uint32_t node_id = 0;
        std::uint64_t boot_epoch = 0;
        wire::Role role = wire::Role::primary;
        std::uint32_t interval_us = 0;
    };
    using WallClock = std::function<std::int64_t()>;

    BeatEmitter(const Identity& identity, WallClock wall_clock);

    /// The transmitter must outlive the emitter. Link ids follow the order.
    void add_link(const std::string& interface, inject::HeartbeatTransmitter& transmitter);
    void set_state(wire::SenderState state) { state_ = state; }

    /// Sends one beat on every link; returns how many sends failed.
    std::size_t emit(wire::MessageType type = wire::MessageType::beat);

    [[nodiscard]] const std::vector<EmitterLinkStatistics>& links() const { return links_; }

  private:
    Identity identity_;
    WallClock wall_clock_;
    wire::SenderState state_ = wire::SenderState::starting;
    std::vector<EmitterLinkStatistics> links_;
    std::vector<inject::HeartbeatTransmitter*> transmitters_;
};

}  // namespace fo::heartbeatd
