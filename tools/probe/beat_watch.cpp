#include "fo/probe/beat_watch.hpp"

namespace fo::probe {

bool BeatWatch::on_neighbor_solicit(std::span<const std::uint8_t> frame, std::int64_t timestamp_ns) {
    auto solicit = wire::decode_neighbor_solicit_frame(frame);
    if (solicit) {
        if (neighbor_solicits_.size() < kMaxOtherArpEvents) {
            neighbor_solicits_.push_back(NeighborSolicitEvent{timestamp_ns, solicit.value()});
        } else {
            ++neighbor_solicits_dropped_;
        }
        return true;
    }
    if (solicit.reason() == wire::DropReason::bad_neighbor_solicit ||
        solicit.reason() == wire::DropReason::bad_icmpv6_checksum) {
        drops_.count(solicit.reason());
        return true;
    }
    return false;
}

void BeatWatch::on_frame(std::span<const std::uint8_t> frame, std::int64_t timestamp_ns) {
    ++frames_seen_;
    auto parsed = wire::parse_heartbeat_frame(frame, port_);
    if (!parsed) {
        if (parsed.reason() == wire::DropReason::not_ipv4 || parsed.reason() == wire::DropReason::not_udp) {
            auto advert = wire::decode_advert_frame(frame);
            if (advert) {
                adverts_.on_advert(advert.value(), timestamp_ns);
                return;
            }
            if (wire::is_advert_drop(advert.reason())) {
                drops_.count(advert.reason());
                return;
            }
            auto neighbor = wire::decode_neighbor_advert_frame(frame);
            if (neighbor) {
                const std::size_t cap = neighbor->solicited ? kMaxOtherArpEvents : kMaxArpEvents;
                if (neighbor_adverts_.size() < cap) {
                    neighbor_adverts_.push_back(NeighborAdvertEvent{timestamp_ns, neighbor.value()});
                } else {
                    ++neighbor_adverts_dropped_;
                }
                return;
            }
            if (neighbor.reason() == wire::DropReason::bad_neighbor_advert ||
                neighbor.reason() == wire::DropReason::bad_icmpv6_checksum) {
                drops_.count(neighbor.reason());
                return;
            }
            if (on_neighbor_solicit(frame, timestamp_ns)) {
                return;
            }
        }
        if (parsed.reason() == wire::DropReason::not_ipv4) {
            auto arp = wire::decode_arp_frame(frame);
            if (arp) {
                const wire::ArpKind kind = arp->kind();
                const bool gratuitous =
                    kind == wire::ArpKind::gratuitous_request || kind == wire::ArpKind::gratuitous_reply;
                if (arp_events_.size() < (gratuitous ? kMaxArpEvents : kMaxOtherArpEvents)) {
                    arp_events_.push_back(ArpEvent{timestamp_ns, arp.value()});
                } else {
                    ++arp_events_dropped_;
                }
                return;
            }
            drops_.count(arp.reason() == wire::DropReason::not_arp ? parsed.reason() : arp.reason());
            return;
        }
        drops_.count(parsed.reason());
        return;
    }
    wire::HeartbeatFrame& heartbeat = parsed.value();
    const wire::Heartbeat& beat = heartbeat.beat;
    const wire::SenderKey sender_key = wire::sender_of(beat);
    auto found = senders_.find(sender_key);
    // Verify before keeping anything: a forged frame must not cost an entry.
    if (auto drop = wire::check_heartbeat_mac(heartbeat, key_)) {
        drops_.count(*drop);
        if (found != senders_.end()) {
            ++found->second.auth_failures;
        } else {
            ++auth_failures_unknown_senders_;
        }
        return;
    }
    if (found == senders_.end()) {
        if (senders_.size() >= kMaxSenders) {
            ++senders_dropped_;  // neither kept nor given to the replay guard
            return;
        }
        found = senders_.emplace(sender_key, SenderStatistics{}).first;
    }
    SenderStatistics& sender = found->second;
    const wire::ReplayGuard::Verdict verdict = replay_guard_.check(beat);
    using Outcome = wire::ReplayGuard::Outcome;
    switch (verdict.outcome) {
        case Outcome::rejected:
            drops_.count(verdict.reason);
            if (verdict.reason == wire::DropReason::duplicate_sequence) {
                ++sender.duplicated;
            } else {
                ++sender.replays_rejected;
            }
            return;
        case Outcome::reordered:
            ++sender.reordered;
            if (sender.lost > 0) {
                --sender.lost;  // it was counted lost when the gap opened
            }
            break;
        case Outcome::in_order:
            sender.lost += verdict.skipped;
            sender.intervals.add(timestamp_ns - sender.last_arrival_ns);
            sender.last_arrival_ns = timestamp_ns;
            break;
        case Outcome::new_epoch:
            ++sender.restarts;
            sender.last_arrival_ns = timestamp_ns;
            break;
        case Outcome::first:
            sender.first_arrival_ns = timestamp_ns;
            sender.last_arrival_ns = timestamp_ns;
            break;
    }
    ++sender.beats_received;
    sender.mac = heartbeat.endpoints.source_mac;
    sender.ip = heartbeat.endpoints.source_ip;
    sender.role = beat.role;
    sender.state = beat.state;
    if (sender.sessions == 0 || sender.boot_epoch != beat.boot_epoch || sender.echo_epoch != beat.echo_epoch) {
        ++sender.sessions;
    }
    sender.boot_epoch = beat.boot_epoch;
    sender.echo_epoch = beat.echo_epoch;
    sender.term = beat.term;
    sender.advertised_interval_us = beat.interval_us;
    sender.mac_verified = heartbeat.mac_verified;
}

}  // namespace fo::probe
