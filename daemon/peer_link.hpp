#pragma once

#include <memory>
#include <optional>
#include <string>

#include "fo/capture/packet_source.hpp"
#include "fo/daemon/config.hpp"
#include "fo/inject/heartbeat_sender.hpp"

namespace fo::daemon {

/// One configured link: the sender (with the peer's MAC, resolved through the
/// kernel and followed when it changes) and the capture.
struct PeerLink {
    LinkConfig config;
    std::unique_ptr<inject::LibnetHeartbeatSender> sender;
    std::unique_ptr<capture::PacketSource> capture;
    std::optional<wire::MacAddress> peer_mac;

    void refresh_peer_mac(bool solicit);
    void resolve_at_start();
};

}  // namespace fo::daemon
