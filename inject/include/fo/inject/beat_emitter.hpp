#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fo/inject/transmitters.hpp"
#include "fo/wire/heartbeat.hpp"

namespace fo::inject {

struct EmitterLinkStatistics {
    std::string interface;
    std::uint8_t link_id = 0;
    std::uint64_t next_sequence = 1;
    std::uint64_t sent = 0;
    std::uint64_t send_errors = 0;
    std::string last_error;
};

/// What a frame on one link echoes back to the peer (its session's epoch
/// and newest sequence, docs/protocol.md "Sessions").
struct Echo {
    std::uint64_t epoch = 0;
    std::uint64_t sequence = 0;
    std::uint32_t generation = 0;  // the peer's generation heard in that epoch (0: none)
};

/// Builds one frame per link per call: own sequence per link, the boot epoch,
/// the echo of the peer's session on that link, our state and term; hands
/// each to that link's transmitter.
class BeatEmitter {
  public:
    struct Identity {
        std::uint32_t node_id = 0;
        std::uint64_t boot_epoch = 0;
        wire::Role role = wire::Role::primary;
        std::uint32_t interval_us = 0;
    };
    using WallClock = std::function<std::int64_t()>;
    using EchoSource = std::function<Echo(std::size_t link)>;

    BeatEmitter(const Identity& identity, WallClock wall_clock);

    /// The transmitter must outlive the emitter. Link ids follow the order.
    void add_link(const std::string& interface, HeartbeatTransmitter& transmitter);
    void set_state(wire::SenderState state) { state_ = state; }
    void set_term(std::uint64_t term) { term_ = term; }
    void set_generation(std::uint32_t generation) { generation_ = generation; }
    void set_echo_source(EchoSource source) { echo_source_ = std::move(source); }

    /// Sends one frame on every link; returns how many sends failed.
    std::size_t emit(wire::MessageType type = wire::MessageType::beat);

    [[nodiscard]] const std::vector<EmitterLinkStatistics>& links() const { return links_; }
    [[nodiscard]] const Identity& identity() const { return identity_; }

  private:
    Identity identity_;
    WallClock wall_clock_;
    EchoSource echo_source_;
    wire::SenderState state_ = wire::SenderState::starting;
    std::uint64_t term_ = 0;
    std::uint32_t generation_ = 0;
    std::vector<EmitterLinkStatistics> links_;
    std::vector<HeartbeatTransmitter*> transmitters_;
};

}  // namespace fo::inject
