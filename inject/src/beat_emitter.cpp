#include "fo/inject/beat_emitter.hpp"

namespace fo::inject {

BeatEmitter::BeatEmitter(const Identity& identity, WallClock wall_clock)
    : identity_(identity), wall_clock_(std::move(wall_clock)) {}

void BeatEmitter::add_link(const std::string& interface, HeartbeatTransmitter& transmitter) {
    EmitterLinkStatistics link;
    link.interface = interface;
    link.link_id = static_cast<std::uint8_t>(links_.size());
    links_.push_back(link);
    transmitters_.push_back(&transmitter);
}

std::size_t BeatEmitter::emit(wire::MessageType type) {
    std::size_t failures = 0;
    for (std::size_t i = 0; i < links_.size(); ++i) {
        EmitterLinkStatistics& link = links_[i];
        wire::Heartbeat beat;
        beat.type = type;
        beat.role = identity_.role;
        beat.state = state_;
        beat.link_id = link.link_id;
        beat.node_id = identity_.node_id;
        beat.boot_epoch = identity_.boot_epoch;
        beat.sequence = link.next_sequence;
        if (echo_source_) {
            const Echo echo = echo_source_(i);
            beat.echo_epoch = echo.epoch;
            beat.echo_sequence = echo.sequence;
            beat.echo_generation = echo.generation;
        }
        beat.term = term_;
        beat.generation = generation_;
        beat.tx_time_ns = static_cast<std::uint64_t>(wall_clock_());
        beat.interval_us = identity_.interval_us;
        if (transmitters_[i]->send(beat)) {
            ++link.sent;
            ++link.next_sequence;  // only sent beats use a number, so gaps mean loss on the wire
        } else {
            ++link.send_errors;
            link.last_error = transmitters_[i]->last_error();
            ++failures;
        }
    }
    return failures;
}

}  // namespace fo::inject
