#include "peer_link.hpp"

#include <unistd.h>

#include "fo/inject/neighbor.hpp"
#include "fo/runtime/log.hpp"

namespace fo::daemon {

namespace {
constexpr int kStartupResolveAttempts = 50;
constexpr useconds_t kStartupResolvePollUs = 10'000;  // 50 x 10 ms: at most half a second
}  // namespace

void PeerLink::refresh_peer_mac(bool solicit) {
    if (config.broadcast) {
        return;
    }
    if (solicit) {
        // Our frames bypass the kernel; asking it to (re)verify the entry keeps
        // it current, so a changed MAC is learnt.
        std::string error;
        if (!inject::solicit_neighbor(config.interface, config.peer, error)) {
            runtime::log_warning(error);
        }
    }
    auto current = inject::lookup_neighbor(config.interface, config.peer);
    if (!current || current == peer_mac) {
        return;
    }
    runtime::log_info("link " + config.interface + ": peer " + config.peer.to_string() + " is at " +
                      current->to_string() + (peer_mac ? " (was " + peer_mac->to_string() + ")" : ""));
    peer_mac = current;
    if (!sender->set_destination_mac(*current)) {
        runtime::log_error("link " + config.interface + ": " + sender->last_error());
    }
}

void PeerLink::resolve_at_start() {
    if (config.broadcast) {
        return;
    }
    refresh_peer_mac(true);
    for (int attempt = 0; attempt < kStartupResolveAttempts && !peer_mac; ++attempt) {
        usleep(kStartupResolvePollUs);
        refresh_peer_mac(false);
    }
    if (!peer_mac) {
        runtime::log_warning("link " + config.interface + ": peer " + config.peer.to_string() +
                             " does not answer ARP yet; sending to the broadcast MAC until it does");
    }
}

}  // namespace fo::daemon
