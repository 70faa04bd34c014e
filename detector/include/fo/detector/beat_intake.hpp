#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "fo/detector/peer_detector.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/session.hpp"

namespace fo::detector {

/// The receive path of a daemon, pure: captured frame -> decode and MAC check
/// -> our own frames ignored -> the link's session (echo of our epoch, replay
/// window) -> the detector and the frame handler. Every drop is counted; a
/// frame that does not belong to the current session changes nothing.
class BeatIntake {
  public:
    /// Called for every frame that the session accepted, after the detector saw it.
    using FrameHandler = std::function<void(std::size_t link, const wire::HeartbeatFrame&, std::int64_t)>;

    BeatIntake(PeerDetector& detector, std::uint32_t own_node_id, std::uint64_t own_epoch, std::size_t links,
               std::uint16_t port, const wire::Keyring* keyring);

    void on_accepted(FrameHandler handler) { frame_handler_ = std::move(handler); }

    void on_frame(std::size_t link, std::span<const std::uint8_t> frame, std::int64_t timestamp_ns);

    [[nodiscard]] const wire::DropCounters& drops() const { return drops_; }
    [[nodiscard]] std::uint64_t accepted() const { return accepted_; }
    [[nodiscard]] std::uint64_t own_frames() const { return own_frames_; }
    /// The key id of the newest accepted frame that was verified (nullopt:
    /// none yet, or no keyring).
    [[nodiscard]] std::optional<std::uint32_t> peer_key_id() const { return peer_key_id_; }
    [[nodiscard]] const std::vector<wire::LinkSession>& sessions() const { return sessions_; }
    /// The echo for our next frame on `link` (wire::LinkSession::take_echo).
    std::pair<std::uint64_t, std::uint64_t> take_echo(std::size_t link) {
        return link < sessions_.size() ? sessions_[link].take_echo() : std::pair<std::uint64_t, std::uint64_t>{0, 0};
    }

  private:
    PeerDetector& detector_;
    std::uint32_t own_node_id_;
    wire::HeartbeatDecodeOptions options_;
    std::vector<wire::LinkSession> sessions_;
    wire::DropCounters drops_;
    FrameHandler frame_handler_;
    std::uint64_t accepted_ = 0;
    std::uint64_t own_frames_ = 0;
    std::optional<std::uint32_t> peer_key_id_;
};

}  // namespace fo::detector
