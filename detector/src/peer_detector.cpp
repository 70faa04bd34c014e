#include "fo/detector/peer_detector.hpp"

#include <algorithm>
#include <cctype>

namespace fo::detector {

namespace {
std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}
}  // namespace

std::string_view to_string(LinkState state) {
    switch (state) {
        case LinkState::unknown: return "unknown";
        case LinkState::up: return "up";
        case LinkState::down: return "down";
    }
    return "?";
}

std::string_view to_string(PeerState state) {
    switch (state) {
        case PeerState::waiting: return "waiting";
        case PeerState::alive: return "alive";
        case PeerState::degraded: return "degraded";
        case PeerState::dead: return "dead";
    }
    return "?";
}

PeerDetector::PeerDetector(DetectorConfig config, std::int64_t start_ns, Logger logger)
    : config_(std::move(config)), start_ns_(start_ns), logger_(std::move(logger)) {
    for (const std::string& name : config_.link_names) {
        LinkStatus status;
        status.name = name;
        links_.push_back(status);
    }
    local_carrier_.assign(links_.size(), true);
}

std::int64_t PeerDetector::link_deadline(const LinkStatus& link) const {
    const std::int64_t interval = link.peer_interval_ns > 0 ? link.peer_interval_ns : config_.assumed_interval_ns;
    return link.last_beat_ns + static_cast<std::int64_t>(config_.miss_count) * interval;
}

std::int64_t PeerDetector::link_late_time(const LinkStatus& link) const {
    const std::int64_t interval = link.peer_interval_ns > 0 ? link.peer_interval_ns : config_.assumed_interval_ns;
    return link.last_beat_ns + interval + interval / 2;
}

bool PeerDetector::any_link_late(std::int64_t now_ns) const {
    return std::any_of(links_.begin(), links_.end(), [&](const LinkStatus& link) {
        return link.state != LinkState::up || now_ns >= link_late_time(link);
    });
}

void PeerDetector::set_link_state(std::size_t link, LinkState to, std::string_view reason) {
    LinkStatus& status = links_[link];
    if (status.state == to) {
        return;
    }
    const LinkChange change{link, status.state, to, reason};
    if (logger_) {
        logger_("link " + status.name + ": " + upper(to_string(change.from)) + " -> " + upper(to_string(to)) +
                " reason=" + std::string(reason));
    }
    status.state = to;
    ++counters_.link_changes;
    if (to == LinkState::down) {
        ++status.went_down;
    }
    for (const auto& subscriber : link_subscribers_) {
        subscriber(change);
    }
}

void PeerDetector::set_peer_state(PeerState to, std::string_view reason) {
    if (peer_state_ == to) {
        return;
    }
    const PeerChange change{peer_state_, to, reason};
    if (logger_) {
        logger_("peer: " + upper(to_string(change.from)) + " -> " + upper(to_string(to)) +
                " reason=" + std::string(reason));
    }
    peer_state_ = to;
    ++counters_.peer_changes;
    counters_.times_dead += to == PeerState::dead ? 1 : 0;
    counters_.times_degraded += to == PeerState::degraded ? 1 : 0;
    for (const auto& subscriber : peer_subscribers_) {
        subscriber(change);
    }
}

void PeerDetector::reevaluate_peer(std::int64_t now_ns, std::string_view reason) {
    std::size_t up = 0;
    std::size_t unknown = 0;
    for (const LinkStatus& link : links_) {
        up += link.state == LinkState::up ? 1 : 0;
        unknown += link.state == LinkState::unknown ? 1 : 0;
    }
    const bool initial_dead_time_over = now_ns - start_ns_ >= config_.initial_dead_time_ns;
    if (up == links_.size()) {
        set_peer_state(PeerState::alive, reason);
    } else if (up > 0) {
        // A link never heard is not yet evidence while we are still starting.
        set_peer_state(unknown > 0 && !initial_dead_time_over && up + unknown == links_.size() ? PeerState::alive
                                                                                               : PeerState::degraded,
                       reason);
    } else if (!ever_heard_ && !initial_dead_time_over) {
        set_peer_state(PeerState::waiting, reason);
    } else {
        set_peer_state(PeerState::dead, reason);
    }
}

void PeerDetector::on_beat(std::size_t link, const wire::Heartbeat& beat, std::int64_t arrival_ns) {
    if (link >= links_.size()) {
        return;
    }
    if (peer_epoch_ && *peer_epoch_ != beat.boot_epoch) {
        ++counters_.peer_restarts;
        if (logger_) {
            logger_("peer restarted (new boot epoch) seen on link " + links_[link].name);
        }
    }
    peer_epoch_ = beat.boot_epoch;
    peer_sender_state_ = beat.state;
    ever_heard_ = true;
    LinkStatus& status = links_[link];
    status.last_beat_ns = std::max(status.last_beat_ns, arrival_ns);
    status.peer_interval_ns = static_cast<std::int64_t>(beat.interval_us) * 1000;
    ++status.beats;
    if (local_carrier_[link]) {
        set_link_state(link, LinkState::up, "beat");
    }
    reevaluate_peer(arrival_ns, "beat");
}

void PeerDetector::on_tick(std::int64_t now_ns) {
    for (std::size_t i = 0; i < links_.size(); ++i) {
        LinkStatus& link = links_[i];
        if (link.state == LinkState::up && now_ns >= link_deadline(link)) {
            set_link_state(i, LinkState::down, "timeout");
        } else if (link.state == LinkState::unknown && now_ns - start_ns_ >= config_.initial_dead_time_ns) {
            set_link_state(i, LinkState::down, "never_heard");
        }
    }
    reevaluate_peer(now_ns, "timeout");
}

void PeerDetector::on_local_link(std::size_t link, bool carrier, std::int64_t now_ns) {
    if (link >= links_.size() || local_carrier_[link] == carrier) {
        return;
    }
    local_carrier_[link] = carrier;
    if (!carrier) {
        set_link_state(link, LinkState::down, "local_carrier_lost");
        reevaluate_peer(now_ns, "local_carrier_lost");
    }
}

std::optional<std::int64_t> PeerDetector::next_deadline() const {
    std::optional<std::int64_t> earliest;
    const auto consider = [&](std::int64_t when) { earliest = earliest ? std::min(*earliest, when) : when; };
    for (const LinkStatus& link : links_) {
        if (link.state == LinkState::up) {
            consider(link_deadline(link));
        } else if (link.state == LinkState::unknown) {
            consider(start_ns_ + config_.initial_dead_time_ns);
        }
    }
    if (peer_state_ == PeerState::waiting) {
        consider(start_ns_ + config_.initial_dead_time_ns);
    }
    return earliest;
}

}  // namespace fo::detector
