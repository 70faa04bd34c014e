#include "fo/detector/beat_intake.hpp"

namespace fo::detector {

BeatIntake::BeatIntake(PeerDetector& detector, std::uint32_t own_node_id, std::uint64_t own_epoch, std::size_t links,
                       std::uint16_t port, const wire::Keyring* keyring)
    : detector_(detector),
      own_node_id_(own_node_id),
      options_{port, nullptr, keyring},
      sessions_(links, wire::LinkSession(own_epoch)) {}

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
    if (link >= sessions_.size()) {
        return;
    }
    const auto verdict = sessions_[link].receive(heartbeat.beat);
    if (!verdict.accepted) {
        drops_.count(verdict.reason);
        return;
    }
    ++accepted_;
    if (heartbeat.mac_verified) {
        peer_key_id_ = heartbeat.beat.key_id;
    }
    // Every frame of the session is proof of life, whatever its type.
    detector_.on_beat(link, heartbeat.beat, timestamp_ns);
    if (frame_handler_) {
        frame_handler_(link, heartbeat, timestamp_ns);
    }
}

}  // namespace fo::detector
