#include "fo/detector/beat_intake.hpp"

namespace fo::detector {

void BeatIntake::on_frame(std::size_t link, std::span<const std::uint8_t> frame, std::int64_t timestamp_ns) {
    auto decoded = wire::decode_heartbeat_frame(frame, options_);
    if (!decoded) {
        drops_.count(decoded.reason());
        return;
    }
    const wire::HeartbeatFrame& heartbeat = decoded.value();
    if (heartbeat.beat.node_id == own_node_id_) {
        ++own_frames_;  // looped back or a bridge echo: never evidence of the peer
        return;
    }
    const auto verdict = replay_guard_.check(heartbeat.beat);
    if (!verdict.accepted()) {
        drops_.count(verdict.reason);
        return;
    }
    ++accepted_;
    // Every authentic frame from the peer is proof of life, whatever its type.
    detector_.on_beat(link, heartbeat.beat, timestamp_ns);
    if (heartbeat.beat.type != wire::MessageType::beat && message_handler_) {
        message_handler_(link, heartbeat, timestamp_ns);
    }
}

}  // namespace fo::detector
