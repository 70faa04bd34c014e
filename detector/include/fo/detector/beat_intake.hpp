#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "fo/detector/peer_detector.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/replay_guard.hpp"

namespace fo::detector {

/// The receive path of a daemon, pure: captured frame -> decode and MAC check
/// -> our own frames ignored -> replay guard -> the detector (beats) or the
/// message handler (release-request, released). Every drop is counted.
class BeatIntake {
  public:
    using MessageHandler = std::function<void(std::size_t link, const wire::HeartbeatFrame&, std::int64_t)>;

    BeatIntake(PeerDetector& detector, std::uint32_t own_node_id, std::uint16_t port, const wire::AuthKey* key)
        : detector_(detector), own_node_id_(own_node_id), options_{port, key} {}

    void on_message(MessageHandler handler) { message_handler_ = std::move(handler); }

    void on_frame(std::size_t link, std::span<const std::uint8_t> frame, std::int64_t timestamp_ns);

    [[nodiscard]] const wire::DropCounters& drops() const { return drops_; }
    [[nodiscard]] std::uint64_t accepted() const { return accepted_; }
    [[nodiscard]] std::uint64_t own_frames() const { return own_frames_; }

  private:
    PeerDetector& detector_;
    std::uint32_t own_node_id_;
    wire::HeartbeatDecodeOptions options_;
    wire::ReplayGuard replay_guard_;
    wire::DropCounters drops_;
    MessageHandler message_handler_;
    std::uint64_t accepted_ = 0;
    std::uint64_t own_frames_ = 0;
};

}  // namespace fo::detector
