#pragma once

#include <memory>
#include <optional>
#include <string>

#include "fo/capture/packet_source.hpp"
#include "fo/capture/wake_socket.hpp"
#include "fo/daemon/config.hpp"
#include "fo/inject/heartbeat_sender.hpp"

namespace fo::daemon {

/// One configured link: the sender (with the peer's MAC, resolved through the
/// kernel and followed when it changes), the capture (read on the beat tick)
/// and the wake socket (rings for the frames that need an answer at once).
struct PeerLink {
    LinkConfig config;
    std::unique_ptr<inject::LibnetHeartbeatSender> sender;
    std::unique_ptr<capture::WakeSocket> wake;  // opened before the capture: see WakeSocket
    std::unique_ptr<capture::PacketSource> capture;
    std::optional<wire::MacAddress> peer_mac;

    void refresh_peer_mac(bool solicit);
    void resolve_at_start();
};

}  // namespace fo::daemon
