#include "fo/role/role_machine.hpp"

#include <algorithm>

#include "fo/wire/addresses.hpp"

namespace fo::role {

namespace {
using detector::PeerState;

constexpr std::int64_t kMinimumProbePeriodNs =
    1'000'000;  // RFC 5227 probes at most every 1 ms, only while the peer is quiet
// Probing must have run this many probe periods before a claim. In a LAN an
// ARP answer takes well under a millisecond; probing starts when the first
// beat is late, so by DEAD (miss_count x interval) the window has passed.
constexpr std::int64_t kProbeWindowPeriods = 1;
constexpr std::uint64_t kProbesBeforeClaim = 2;
// A gap of more than this many probe periods since our last probe restarts
// the count (RFC 5227 2.1.1: the probes of one claim are sent in one run).
constexpr std::int64_t kProbeStallPeriods = 3;

bool peer_heard_now(const PeerView& peer) {
    return peer.state == PeerState::alive || peer.state == PeerState::degraded;
}
}  // namespace

std::string_view to_string(HoldState state) {
    switch (state) {
        case HoldState::starting: return "starting";
        case HoldState::standby: return "standby";
        case HoldState::active: return "active";
        case HoldState::releasing: return "releasing";
        case HoldState::stopping: return "stopping";
    }
    return "?";
}

wire::SenderState wire_state(HoldState state) {
    switch (state) {
        case HoldState::starting: return wire::SenderState::starting;
        case HoldState::standby: return wire::SenderState::standby;
        case HoldState::active: return wire::SenderState::active;
        case HoldState::releasing: return wire::SenderState::releasing;
        case HoldState::stopping: return wire::SenderState::stopping;
    }
    return wire::SenderState::starting;
}

std::string_view to_string(Action::Kind kind) {
    switch (kind) {
        case Action::Kind::probe: return "probe";
        case Action::Kind::acquire: return "acquire";
        case Action::Kind::release: return "release";
        case Action::Kind::send_released: return "send_released";
        case Action::Kind::announce: return "announce";
        case Action::Kind::notify: return "notify";
    }
    return "?";
}

RoleMachine::RoleMachine(RoleConfig config, Logger logger)
    : config_(std::move(config)),
      logger_(std::move(logger)),
      hold_(config_.role == wire::Role::primary ? HoldState::starting : HoldState::standby) {}

void RoleMachine::set_failback(bool manual, std::int64_t hold_down_ns) {
    config_.manual_failback = manual;
    config_.failback_hold_down_ns = hold_down_ns;
}

void RoleMachine::log(const std::string& line) const {
    if (logger_) {
        logger_(line);
    }
}

void RoleMachine::notify(const std::string& subject, const std::string& body) {
    actions_.push_back(Action{Action::Kind::notify, subject, body, false});
}

std::vector<Action> RoleMachine::take_actions() {
    std::vector<Action> taken;
    taken.swap(actions_);
    return taken;
}

void RoleMachine::set_hold(HoldState state, const std::string& reason) {
    if (hold_ == state) {
        return;
    }
    RoleChange change{hold_, state, reason};
    log(std::string("role ") + std::string(wire::to_string(config_.role)) + ": " + std::string(to_string(hold_)) +
        " -> " + std::string(to_string(state)) + " reason=" + reason);
    hold_ = state;
    new_generation();
    outgoing_type_ = wire::MessageType::beat;
    // Messages heard before a change of ours are answered by it: a stale
    // "released" must not trigger a second takeover after we gave back.
    peer_sent_released_ = false;
    peer_requests_release_ = false;
    ++counters_.transitions;
    last_change_ = change;
    for (const auto& subscriber : subscribers_) {
        subscriber(change);
    }
}

void RoleMachine::on_carrier(bool service_carrier, bool link_came_back, std::int64_t now) {
    service_carrier_ = service_carrier;
    if (link_came_back) {
        carrier_back_ns_ = now;
    }
}

void RoleMachine::on_health(ServiceHealth health, const std::string& names, std::int64_t /*now*/) {
    const bool healthy = health != ServiceHealth::failing;
    std::string pending;
    if (health == ServiceHealth::pending) {
        pending = names.empty() ? "a check" : names;
    }
    if (healthy != service_healthy_) {
        log(healthy ? std::string("service checks pass again") : "service check failing: " + names);
    } else if (pending.empty() && !pending_checks_.empty() && healthy) {
        log("service checks pass (their first results)");
    }
    service_healthy_ = healthy;
    failing_checks_ = healthy ? "" : names;
    const bool became_pending = !pending.empty() && pending_checks_.empty();
    pending_checks_ = pending;
    if (became_pending) {
        // Routine at every start: logged, not mailed (a failing check is).
        std::string doing = "not taking the addresses yet";
        if (hold_ == HoldState::active) {
            doing = "keeping the addresses";
        } else if (config_.role == wire::Role::secondary) {
            doing = "no takeover yet";
        }
        log(doing + ": checks have no result yet (" + pending_checks_ + ")");
    }
}

std::optional<std::string> RoleMachine::cannot_serve() const {
    if (!service_carrier_) {
        return std::string("our service link is down");
    }
    if (!service_healthy_) {
        return "service check failing (" + failing_checks_ + ")";
    }
    return std::nullopt;
}

std::optional<std::string> RoleMachine::cannot_take_over() const {
    if (auto unable = cannot_serve()) {
        return unable;
    }
    if (!pending_checks_.empty()) {
        return "checks have no result yet (" + pending_checks_ + ")";
    }
    return std::nullopt;
}

void RoleMachine::on_claim(std::uint32_t address, std::int64_t now) {
    if (std::find(config_.addresses.begin(), config_.addresses.end(), address) != config_.addresses.end()) {
        last_claim_ns_[address] = now;
    }
}

std::int64_t RoleMachine::probe_period(const PeerView& peer) const {
    const std::int64_t interval = peer.interval_ns > 0 ? peer.interval_ns : config_.interval_ns;
    return std::max(interval, kMinimumProbePeriodNs);
}

bool RoleMachine::addresses_in_use(const PeerView& peer, std::string& who) const {
    // The peer stops answering when it dies; a claim newer than its last
    // beat (plus an interval for replies in flight) is someone else's.
    const std::int64_t interval = std::max(config_.interval_ns, peer.interval_ns);
    for (const auto& [address, claimed_at] : last_claim_ns_) {
        // Staleness counts in probes, not time: a late timer must not make a
        // holder that answered our previous probe look gone.
        if (claimed_at > peer.last_beat_ns + interval && claimed_at >= previous_probe_ns_) {
            const auto name = config_.address_names.find(address);
            who = name != config_.address_names.end() ? name->second : wire::Ipv4Address{address}.to_string();
            return true;
        }
    }
    return false;
}

void RoleMachine::probe(const PeerView& peer, std::int64_t now) {
    if (config_.addresses.empty()) {
        return;
    }
    const std::int64_t period = probe_period(peer);
    // Probes count only in an unbroken run: after a stall (a paused process,
    // a starved machine) the answers of a second ago say nothing of now.
    if (probing_since_ns_ == 0 || (last_probe_ns_ != 0 && now - last_probe_ns_ > kProbeStallPeriods * period)) {
        probing_since_ns_ = now;
        probes_since_start_ = 0;
    }
    if (now - last_probe_ns_ < period) {
        return;
    }
    previous_probe_ns_ = last_probe_ns_;
    last_probe_ns_ = now;
    ++probes_since_start_;
    actions_.push_back(Action{Action::Kind::probe, {}, {}, false});
}

void RoleMachine::try_acquire(const std::string& reason, bool handover, const PeerView& peer, std::int64_t now) {
    if (config_.addresses.empty()) {
        set_hold(HoldState::active, reason);
        return;
    }
    // Counted in probes as well as in time: on a starved machine the replies
    // come late, but so does our next probe, which gives them that time.
    const bool probed_enough = probing_since_ns_ != 0 && probes_since_start_ >= kProbesBeforeClaim &&
                               now - probing_since_ns_ >= kProbeWindowPeriods * probe_period(peer);
    if (!handover && !probed_enough) {
        probe(peer, now);
        return;  // RFC 5227: give a holder time to answer before we claim
    }
    std::string who;
    if (addresses_in_use(peer, who)) {
        if (!in_use_notified_) {
            in_use_notified_ = true;
            notify("peer silent but the address is still in use",
                   who + " answered ARP or NDP after the peer's last beat; not taking it over");
        }
        return;
    }
    if (vetoed_at_peer_change_ == peer.changes) {
        return;  // Test said no for this situation; ask again when it changes
    }
    pending_ = Pending::acquire;
    new_generation();  // we now say `starting` (advertised())
    pending_reason_ = reason;
    pending_term_ = std::max(term_, highest_term_) + 1;
    actions_.push_back(Action{Action::Kind::acquire, reason, {}, false});
}

void RoleMachine::on_acquire_result(bool acquired, const PeerView& peer, std::int64_t /*now*/) {
    if (pending_ != Pending::acquire) {
        return;
    }
    pending_ = Pending::none;
    new_generation();
    if (acquired) {
        term_ = pending_term_;
        highest_term_ = std::max(highest_term_, term_);
        in_use_notified_ = false;
        probing_since_ns_ = 0;
        last_acquire_reason_ = pending_reason_;
        log("holding with term " + std::to_string(term_));
        // A release request heard while the hooks ran asks for what we now
        // hold: our change does not answer it (the peer keeps asking anyway).
        const bool requested = peer_requests_release_;
        set_hold(HoldState::active, pending_reason_);
        peer_requests_release_ = requested;
        if (stopping_) {
            release("daemon stopping", true, HoldState::stopping);
        }
    } else if (stopping_) {
        set_hold(HoldState::stopping, "daemon stopping");
        actions_.push_back(Action{Action::Kind::send_released, {}, {}, false});
    } else {
        ++counters_.vetoed_acquisitions;
        vetoed_at_peer_change_ = peer.changes;
    }
}

void RoleMachine::release(const std::string& reason, bool forced, HoldState next) {
    pending_ = Pending::release;
    pending_reason_ = reason;
    pending_next_ = next;
    actions_.push_back(Action{Action::Kind::release, reason, {}, forced});
}

void RoleMachine::on_addresses_removed(std::int64_t /*now*/) {
    if (pending_ != Pending::release) {
        return;
    }
    set_hold(pending_next_, pending_reason_);
    actions_.push_back(Action{Action::Kind::send_released, {}, {}, false});
}

void RoleMachine::on_release_result(bool released, std::int64_t /*now*/) {
    if (pending_ != Pending::release) {
        return;
    }
    pending_ = Pending::none;
    if (!released) {
        log("release vetoed by Test: keeping the addresses");
        if (stopping_) {
            release("daemon stopping", true, HoldState::stopping);
        }
    } else if (stopping_ && hold_ != HoldState::stopping) {
        // Stopped after the addresses were gone (PostRel was running).
        set_hold(HoldState::stopping, "daemon stopping");
        actions_.push_back(Action{Action::Kind::send_released, {}, {}, false});
    }
}

bool RoleMachine::resolve_both_holding(const PeerView& peer) {
    if (hold_ != HoldState::active || config_.addresses.empty() || !peer_heard_now(peer) ||
        peer_state_ != wire::SenderState::active) {
        return false;
    }
    bool peer_wins = peer_term_ > term_;
    if (peer_term_ == term_) {
        // Deterministic tie: the primary keeps; between equal roles, the higher node id.
        peer_wins = peer_role_ == config_.role ? peer_node_ > config_.node_id : peer_role_ == wire::Role::primary;
    }
    if (peer_wins) {
        ++counters_.yielded_to_newer_term;
        const HoldState next = config_.role == wire::Role::primary ? HoldState::starting : HoldState::standby;
        release("peer holds the addresses too, with a newer term (" + std::to_string(peer_term_) + " over our " +
                    std::to_string(term_) + ")",
                true, next);
        return true;
    }
    if (reasserted_against_term_ != peer_term_) {
        reasserted_against_term_ = peer_term_;
        ++counters_.reasserted;
        log("peer holds the addresses too, with an older term (" + std::to_string(peer_term_) + " under our " +
            std::to_string(term_) + "): keeping them, announcing again");
        actions_.push_back(Action{Action::Kind::announce, {}, {}, false});
    }
    return false;
}

void RoleMachine::evaluate(const PeerView& peer, std::int64_t now) {
    if (stopping_ || pending_ != Pending::none) {
        return;
    }
    if (resolve_both_holding(peer)) {
        return;
    }
    if (config_.role == wire::Role::primary) {
        evaluate_primary(peer, now);
    } else {
        evaluate_secondary(peer, now);
    }
}

void RoleMachine::evaluate_secondary(const PeerView& peer, std::int64_t now) {
    const auto unable = cannot_serve();
    if (hold_ == HoldState::active && unable && !config_.addresses.empty()) {
        // We cannot serve; the primary, if it is there, can.
        release(*unable + ": handing back", true, HoldState::standby);
        return;
    }
    if (hold_ == HoldState::standby && unable) {
        if (!cannot_stand_by_notified_) {
            cannot_stand_by_notified_ = true;
            notify("cannot stand by", *unable + ": no takeover is possible until it is back");
        }
        probing_since_ns_ = 0;  // probes of a node that could not take say nothing when it can
        return;
    }
    cannot_stand_by_notified_ = false;
    if (hold_ == HoldState::standby) {
        if (!config_.addresses.empty() && (peer.state != PeerState::alive || peer.any_link_late)) {
            probe(peer, now);  // from the first late beat on, so the probe adds no latency
        } else {
            probing_since_ns_ = 0;
        }
        if (!pending_checks_.empty()) {
            return;  // we may be unable to serve: take nothing until every check has answered
        }
        // Only a state chosen knowing ours: one from before our last change
        // (or, here, before the primary heard our last one) may be history
        // the primary has since undone, e.g. a check that passes again.
        const bool handed_over = (peer_sent_released_ || peer_state_ == wire::SenderState::releasing ||
                                  peer_state_ == wire::SenderState::stopping) &&
                                 peer_state_answers_us();
        // A handover skips the probes, so only while the peer is heard: the
        // last word of a peer dead since (we could not take then: a check,
        // a pause) says nothing about who holds now.
        if (handed_over && peer_heard_now(peer)) {
            try_acquire("primary handed over (" +
                            std::string(wire::to_string(peer_state_.value_or(wire::SenderState::releasing))) + ")",
                        true, peer, now);
        } else if (peer.state == PeerState::dead) {
            try_acquire("peer dead: every link silent", false, peer, now);
        }
        peer_sent_released_ = false;
        return;
    }
    if (hold_ == HoldState::active && peer_requests_release_ && peer_state_ == wire::SenderState::starting) {
        const bool manual = config_.manual_failback && !release_requested_by_admin_;
        if (manual) {
            if (!manual_failback_notified_) {
                manual_failback_notified_ = true;
                notify("primary is back; failback is manual",
                       "run 'foctl release' on the secondary to hand the addresses back");
            }
            return;
        }
        if (!release_requested_by_admin_ && now - peer_up_since_ns_ < config_.failback_hold_down_ns) {
            return;  // hold-down: a flapping primary does not bounce the addresses
        }
        release("primary is back and asks for its addresses", false, HoldState::standby);
        peer_requests_release_ = false;
        manual_failback_notified_ = false;
        release_requested_by_admin_ = false;
    }
}

void RoleMachine::evaluate_primary(const PeerView& peer, std::int64_t now) {
    if (const auto unable = cannot_serve()) {
        if (hold_ == HoldState::active) {
            release(*unable + ": handing over", true, HoldState::releasing);
            releasing_for_check_ = service_carrier_;
        } else if (hold_ == HoldState::starting) {
            set_hold(HoldState::releasing, service_carrier_ ? *unable : "service link down");
            releasing_for_check_ = service_carrier_;
            actions_.push_back(Action{Action::Kind::send_released, {}, {}, false});
        }
        if (!service_healthy_ && !cannot_stand_by_notified_) {
            cannot_stand_by_notified_ = true;
            notify("service check failing: handed over",
                   *unable + ": the addresses are the secondary's until the check passes again");
        }
        return;
    }
    cannot_stand_by_notified_ = false;
    if (hold_ == HoldState::releasing) {
        set_hold(HoldState::starting, releasing_for_check_ ? "service checks pass again" : "service link back");
    }
    if (hold_ != HoldState::starting) {
        return;
    }
    if (peer_heard_now(peer)) {
        probing_since_ns_ = 0;  // probes made before the peer was heard say nothing about a later silence
    }
    if (!pending_checks_.empty()) {
        // We may be unable to serve: neither take the addresses nor ask an
        // active secondary for them (it would release them to nobody), but
        // probe a silence so the first passing result can take them at once.
        outgoing_type_ = wire::MessageType::beat;
        if (!peer_heard_now(peer)) {
            probe(peer, now);
        }
        return;
    }
    if (peer.state == PeerState::waiting) {
        probe(peer, now);
        return;
    }
    if (peer.state == PeerState::dead) {
        probe(peer, now);
        // Links just back: the secondary's beats have not had time to arrive.
        const std::int64_t listen_ns = static_cast<std::int64_t>(config_.miss_count) * config_.interval_ns * 2;
        if (carrier_back_ns_ != 0 && now - carrier_back_ns_ < std::max(listen_ns, config_.initial_dead_time_ns)) {
            return;
        }
        try_acquire("no secondary answers and the addresses are free", false, peer, now);
    } else if ((peer_sent_released_ || peer_state_ == wire::SenderState::standby) && peer_state_answers_us()) {
        // A `standby` sent before the secondary heard our `starting` may be
        // stale: it can be taking over on our `releasing` of a moment ago.
        try_acquire(peer_sent_released_ ? "secondary released the addresses" : "secondary is standing by", true, peer,
                    now);
        peer_sent_released_ = false;
    } else if (peer_state_ == wire::SenderState::active) {
        outgoing_type_ = wire::MessageType::release_request;  // until it answers "released"
    }
}

std::optional<std::string> RoleMachine::admin_release(const PeerView& peer, std::int64_t now) {
    if (config_.role != wire::Role::secondary || hold_ != HoldState::active) {
        return std::string("only an active secondary can release");
    }
    if (pending_ != Pending::none) {
        return std::string("busy: an acquire or release is running");
    }
    release_requested_by_admin_ = true;
    if (!peer_requests_release_) {
        release("released by the admin (foctl release)", false, HoldState::standby);
        release_requested_by_admin_ = false;
    } else {
        evaluate(peer, now);
    }
    return std::nullopt;
}

void RoleMachine::shutdown(std::int64_t /*now*/) {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    if (pending_ == Pending::acquire) {
        return;  // on_acquire_result releases what it got, or says stopping
    }
    if (pending_ == Pending::release) {
        pending_next_ = HoldState::stopping;  // the running release ends in stopping (a veto: on_release_result)
        return;
    }
    if (hold_ == HoldState::active) {
        release("daemon stopping", true, HoldState::stopping);
    } else {
        set_hold(HoldState::stopping, "daemon stopping");
        actions_.push_back(Action{Action::Kind::send_released, {}, {}, false});
    }
}

}  // namespace fo::role
