#include "fo/daemon/node.hpp"

#include <set>

#include "fo/takeover/ipv6_service.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/ipv6.hpp"
#include "node_events.hpp"

namespace fo::daemon {

namespace {
constexpr int kReleasedRepeats = 3;
constexpr std::int64_t kSecondarySkewIntervals = 10;
constexpr std::uint16_t kEtherTypeArp = 0x0806;

/// The role machine keys claims by a 32-bit address: IPv4 addresses by
/// their value, IPv6 ones by a key no IPv4 service address uses.
std::map<wire::Ipv6Address, std::uint32_t> ipv6_claim_keys(const Config& config) {
    std::set<std::uint32_t> used;
    for (const auto& address : config.addresses) {
        if (!address.ipv6) {
            used.insert(address.address.value);
        }
    }
    std::map<wire::Ipv6Address, std::uint32_t> keys;
    std::uint32_t next = 1;
    for (const auto& address : config.addresses) {
        if (address.ipv6 && keys.count(*address.ipv6) == 0) {
            while (used.count(next) != 0) {
                ++next;
            }
            keys[*address.ipv6] = next++;
        }
    }
    return keys;
}

role::RoleConfig role_config(const Config& config, std::uint32_t node_id,
                             const std::map<wire::Ipv6Address, std::uint32_t>& ipv6_keys) {
    role::RoleConfig out;
    out.role = config.role;
    out.node_id = node_id;
    for (const auto& address : config.addresses) {
        if (address.ipv6) {
            const std::uint32_t key = ipv6_keys.at(*address.ipv6);
            out.addresses.push_back(key);
            out.address_names[key] = address.address_text();
        } else {
            out.addresses.push_back(address.address.value);
        }
    }
    out.manual_failback = config.failback == FailbackPolicy::manual;
    out.failback_hold_down_ns = config.failback_hold_down_ns;
    out.interval_ns = config.interval_ns;
    out.miss_count = config.miss_count;
    out.initial_dead_time_ns = config.initial_dead_time_ns;
    return out;
}
}  // namespace

Node::Node(const Config& config, NodeIdentity identity, NodeEdges edges, std::int64_t start_ns)
    : config_(config), identity_(identity), edges_(std::move(edges)), now_(start_ns) {
    const auto log = [this](const std::string& line) {
        if (edges_.logger) {
            edges_.logger(line);
        }
    };
    detector::DetectorConfig detector_config;
    for (const LinkConfig& link : config_.links) {
        detector_config.link_names.push_back(link.interface);
        LinkState state;
        for (const auto& address : config_.addresses) {
            state.service = state.service || address.interface == link.interface;
        }
        links_.push_back(state);
    }
    detector_config.miss_count = config_.miss_count;
    // Two nodes started together that never hear each other (keys that
    // differ, a private link not yet cabled) reach DEAD together; the
    // secondary waits longer (as VRRP's Skew_Time, RFC 5798 6.1), so the
    // primary claims first and the secondary's probes find it holding.
    detector_config.initial_dead_time_ns =
        config_.initial_dead_time_ns +
        (config_.role == wire::Role::secondary ? kSecondarySkewIntervals * config_.interval_ns : 0);
    detector_config.assumed_interval_ns = config_.interval_ns;
    detector_ = std::make_unique<detector::PeerDetector>(detector_config, start_ns, log);
    intake_ = std::make_unique<detector::BeatIntake>(*detector_, identity_.node_id, identity_.boot_epoch, links_.size(),
                                                     config_.port, identity_.keyring);
    ipv6_keys_ = ipv6_claim_keys(config_);
    role_ = std::make_unique<role::RoleMachine>(role_config(config_, identity_.node_id, ipv6_keys_), log);
    if (edges_.events != nullptr) {  // first: a change is published before anything reacts to it
        publish_state_changes(*detector_, *role_, *edges_.events);
        hook_tap_ = std::make_unique<HookRunnerTap>(*edges_.hooks, *edges_.events);
        notifier_tap_ = std::make_unique<NotifierTap>(*edges_.notifier, *edges_.events);
        edges_.hooks = hook_tap_.get();
        edges_.notifier = notifier_tap_.get();
    }

    detector_->subscribe([this](const detector::PeerChange& change) {
        std::string silent;
        for (const auto& link : detector_->links()) {
            if (link.state != detector::LinkState::up) {
                silent += (silent.empty() ? "" : ", ") + link.name;
            }
        }
        role_->on_peer_change(change, silent, now_);
    });
    intake_->on_accepted([this](std::size_t link, const wire::HeartbeatFrame& frame, std::int64_t arrival_ns) {
        LinkState& state = links_[link];
        const auto& status = detector_->links()[link];
        if (state.last_counted_beat_ns != 0 && status.last_beat_ns > state.last_counted_beat_ns) {
            state.intervals.add(status.last_beat_ns - state.last_counted_beat_ns);
        }
        state.last_counted_beat_ns = status.last_beat_ns;
        if (frame.beat.boot_epoch == state.last_epoch && frame.beat.sequence > state.last_sequence + 1) {
            state.lost += frame.beat.sequence - state.last_sequence - 1;
        }
        state.last_epoch = frame.beat.boot_epoch;
        state.last_sequence = std::max(state.last_sequence, frame.beat.sequence);
        role_->on_peer_frame(frame.beat, link, arrival_ns);
    });

    takeover::TakeoverConfig takeover_config;
    takeover_config.addresses = config_.addresses;
    takeover_config.garp = config_.garp;
    takeover_config.probe = config_.probe;
    takeover_ = std::make_unique<takeover::TakeoverController>(takeover_config, *edges_.addresses, *edges_.hooks,
                                                               *edges_.notifier, edges_.arp_for, *edges_.scheduler, log,
                                                               edges_.monotonic_clock);
    takeover_->set_ndp_for(edges_.ndp_for);

    const inject::BeatEmitter::Identity emitter_identity{identity_.node_id, identity_.boot_epoch, config_.role,
                                                         static_cast<std::uint32_t>(config_.interval_ns / 1000)};
    emitter_ = std::make_unique<inject::BeatEmitter>(emitter_identity, edges_.wall_clock);
    for (std::size_t i = 0; i < links_.size(); ++i) {
        emitter_->add_link(config_.links[i].interface, *edges_.transmitters.at(i));
    }
    emitter_->set_echo_source([this](std::size_t link) {
        const auto [epoch, sequence] = intake_->take_echo(link);
        return inject::Echo{epoch, sequence, role_->echo_generation(epoch)};
    });
    if (!config_.checks.empty() && edges_.checks != nullptr) {
        health_ = std::make_unique<takeover::HealthMonitor>(
            config_.checks, *edges_.checks, *edges_.scheduler, [this] { return clock_now(); }, log);
        health_->on_change([this] { on_health_change(); });
        if (edges_.events != nullptr) {
            publish_check_changes(*health_, *edges_.events);
        }
        feed_health(start_ns);  // pending: no result yet
    }
}

void Node::feed_health(std::int64_t now) {
    switch (health_->verdict()) {
        case takeover::HealthVerdict::passing: role_->on_health(role::ServiceHealth::passing, "", now); break;
        case takeover::HealthVerdict::pending:
            role_->on_health(role::ServiceHealth::pending, health_->pending(), now);
            break;
        case takeover::HealthVerdict::failing:
            role_->on_health(role::ServiceHealth::failing, health_->failing(), now);
            break;
    }
}

void Node::on_health_change() {
    const std::int64_t at = clock_now();
    now_ = at;
    feed_health(at);
    if (!deciding_) {
        // A failing check hands over at once, not at the next tick (nor
        // does a first passing result wait for it). The detector is not
        // ticked here: frames may wait unread in the capture (the daemon
        // reads them on its tick), and deadlines checked without them would
        // see a live peer dead. The peer view may lag by up to one of our
        // intervals, as between any two ticks.
        role_->evaluate(peer_view(at), at);
        run_actions(at);
    }
}

void Node::on_frame(std::size_t link, std::span<const std::uint8_t> frame, std::int64_t arrival_ns) {
    if (link >= links_.size()) {
        return;
    }
    now_ = arrival_ns;
    if (frame.size() >= wire::kEthernetHeaderSize &&
        ((frame[12] << 8) | frame[13]) == kEtherTypeArp) {  // NOLINT(readability-magic-numbers): EtherType offset
        auto arp = wire::decode_arp_frame(frame);
        if (arp && (link >= edges_.link_macs.size() || arp->sender_mac != edges_.link_macs[link])) {
            role_->on_claim(arp->sender_ip.value, arrival_ns);
        }
        return;
    }
    if (frame.size() >= wire::kEthernetHeaderSize &&
        ((frame[12] << 8) | frame[13]) ==
            wire::kEtherTypeIpv6) {  // NOLINT(readability-magic-numbers): EtherType offset
        on_neighbor_discovery(link, frame, arrival_ns);
        return;
    }
    const std::uint64_t accepted_before = intake_->accepted();
    const std::uint64_t failures_before = authentication_failures();
    intake_->on_frame(link, frame, arrival_ns);
    if (intake_->accepted() != accepted_before) {
        authentication_alarm_ = false;  // the peer verifies again
    } else if (authentication_failures() != failures_before && !authentication_alarm_ &&
               detector_->peer_state() != detector::PeerState::alive) {
        // RFC 3768 5.3.6: mismatched secrets elected two VRRPv2 masters. Here
        // the probes keep a held address from being claimed; the admin must
        // still hear of it at once.
        authentication_alarm_ = true;
        ++counters_.authentication_alarms;
        const std::string text = "frames on link " + config_.links[link].interface +
                                 " fail authentication and the peer is not heard: do both nodes have the same key?";
        if (edges_.logger) {
            edges_.logger("authentication failures: " + text);
        }
        edges_.notifier->notify("authentication failures", text);
    }
}

void Node::on_neighbor_discovery(std::size_t link, std::span<const std::uint8_t> frame, std::int64_t arrival_ns) {
    // IPv6's ARP: an advertisement for a service address (an answer to our
    // DAD probe, or another holder's announcement), or another node's DAD
    // probe for it (RFC 4862 5.4.3: it is claiming the address too).
    const auto claim = takeover::neighbor_discovery_claim(frame);
    if (!claim || (link < edges_.link_macs.size() && claim->sender == edges_.link_macs[link])) {
        return;
    }
    if (const auto key = ipv6_keys_.find(claim->address); key != ipv6_keys_.end()) {
        role_->on_claim(key->second, arrival_ns);
    }
}

std::uint64_t Node::authentication_failures() const {
    const auto& drops = intake_->drops();
    return drops.get(wire::DropReason::bad_mac) + drops.get(wire::DropReason::auth_missing) +
           drops.get(wire::DropReason::unknown_key_id);
}

role::PeerView Node::peer_view(std::int64_t now) const {
    role::PeerView view;
    view.state = detector_->peer_state();
    view.any_link_late = detector_->any_link_late(now);
    view.changes = detector_->counters().peer_changes;
    for (const auto& link : detector_->links()) {
        view.last_beat_ns = std::max(view.last_beat_ns, link.last_beat_ns);
        view.interval_ns = std::max(view.interval_ns, link.peer_interval_ns);
    }
    return view;
}

void Node::emit(std::int64_t now) {
    now_ = now;
    emitter_->set_state(role::wire_state(role_->advertised()));
    emitter_->set_term(role_->term());
    emitter_->set_generation(static_cast<std::uint32_t>(role_->generation()));
    emitter_->emit(role_->outgoing_type());
    emitted_generation_ = role_->generation();
    report_sent();
}

void Node::report_sent() {
    const auto& links = emitter_->links();
    for (std::size_t i = 0; i < links.size(); ++i) {
        if (links[i].sent > 0) {
            role_->on_frame_sent(i, links[i].next_sequence - 1, now_);
        }
    }
}

void Node::send_released() {
    emitter_->set_state(role::wire_state(role_->advertised()));
    emitter_->set_term(role_->term());
    emitter_->set_generation(static_cast<std::uint32_t>(role_->generation()));
    for (int i = 0; i < kReleasedRepeats; ++i) {
        emitter_->emit(wire::MessageType::released);
    }
    emitted_generation_ = role_->generation();
    report_sent();
}

void Node::tick(std::int64_t now) {
    decide(now);
}

void Node::decide(std::int64_t now) {
    now_ = now;
    deciding_ = true;
    if (health_ && !health_started_) {
        health_started_ = true;
        health_->start();  // results that come at once are fed before this decision
    }
    deciding_ = false;
    // Deadlines first: a decision on a view older than `now` (after a stall,
    // with the deadline timer not yet run) would trust a silent peer.
    detector_->on_tick(now);
    role_->evaluate(peer_view(now), now);
    run_actions(now);
}

void Node::run_actions(std::int64_t now) {
    for (auto actions = role_->take_actions(); !actions.empty(); actions = role_->take_actions()) {
        for (const role::Action& action : actions) {
            switch (action.kind) {
                case role::Action::Kind::probe: takeover_->send_probes(); break;
                // Both complete later (their hooks run in the background, the
                // beats go on meanwhile), or at once with synchronous hooks.
                case role::Action::Kind::acquire:
                    takeover_->acquire(action.reason, [this, reason = action.reason,
                                                       vetoed = takeover_->counters().vetoed](bool acquired) {
                        const std::int64_t at = clock_now();
                        now_ = at;
                        publish_result(EventKind::acquire, acquired, vetoed, reason);
                        role_->on_acquire_result(acquired, peer_view(at), at);
                        run_actions(at);
                    });
                    break;
                case role::Action::Kind::release:
                    takeover_->release(
                        action.reason, action.forced,
                        [this] {
                            const std::int64_t at = clock_now();
                            now_ = at;
                            role_->on_addresses_removed(at);
                            run_actions(at);  // "released" goes out between the removal and PostRel
                        },
                        [this, reason = action.reason, vetoed = takeover_->counters().vetoed](bool released) {
                            const std::int64_t at = clock_now();
                            now_ = at;
                            publish_result(EventKind::release, released, vetoed, reason);
                            role_->on_release_result(released, at);
                            run_actions(at);
                        });
                    break;
                case role::Action::Kind::send_released: send_released(); break;
                case role::Action::Kind::announce: takeover_->announce_again(); break;
                case role::Action::Kind::notify: edges_.notifier->notify(action.reason, action.body); break;
            }
        }
    }
    // Every change of the role ends here (a decision, a hook's end, a check,
    // a command): what our frames say changed, so they go out at once, not
    // at the next tick. The peer learns it, and answers it for the echo
    // rule, up to one interval sooner; at most one extra frame per change.
    if (role_->generation() != emitted_generation_) {
        emit(now);
    }
}

bool Node::service_carrier() const {
    for (const LinkState& link : links_) {
        if (link.service && !link.carrier) {
            return false;
        }
    }
    return true;
}

void Node::on_carrier(std::size_t link, bool carrier, std::int64_t now) {
    if (link >= links_.size() || links_[link].carrier == carrier) {
        return;
    }
    now_ = now;
    links_[link].carrier = carrier;
    detector_->on_local_link(link, carrier, now);
    role_->on_carrier(service_carrier(), carrier, now);
}

std::optional<std::string> Node::admin_release(std::int64_t now) {
    now_ = now;
    auto refused = role_->admin_release(peer_view(now), now);
    run_actions(now);
    return refused;
}

void Node::shutdown(std::int64_t now) {
    now_ = now;
    role_->shutdown(now);
    takeover_->cancel_acquisition();  // its result (false, or true then a release) completes the shutdown
    run_actions(now);
}

Node::~Node() = default;

void Node::publish_result(EventKind kind, bool succeeded, std::uint64_t vetoed_before, const std::string& reason) {
    if (edges_.events == nullptr) {
        return;
    }
    std::string addresses;
    for (const auto& address : config_.addresses) {
        addresses += (addresses.empty() ? "" : " ") + address.text();
    }
    publish_takeover_result(*edges_.events, kind, succeeded, takeover_->counters().vetoed != vetoed_before, reason,
                            addresses);
}

std::int64_t Node::clock_now() const {
    return edges_.monotonic_clock ? edges_.monotonic_clock() : now_;
}

void Node::set_failback(FailbackPolicy policy, std::int64_t hold_down_ns) {
    config_.failback = policy;
    config_.failback_hold_down_ns = hold_down_ns;
    role_->set_failback(policy == FailbackPolicy::manual, hold_down_ns);
}

}  // namespace fo::daemon
