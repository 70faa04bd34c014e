// The invariants of pair_sim.hpp's header comment, checked after every event,
// and the health clocks and state snapshots they are checked on.

#include <algorithm>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

#include "pair_sim.hpp"

namespace fo::sim {

std::int64_t PairSim::hook_time(int i) const {
    std::int64_t total = 0;
    for (const auto& [phase, delay] : hosts_[i].hooks.delays) {
        total += delay;
    }
    return total;
}

std::int64_t PairSim::check_detection_ns() const {
    if (options_.check_interval_ns == 0) {
        return 0;
    }
    return static_cast<std::int64_t>(std::max(options_.check_fall, options_.check_rise) + 1) *
           options_.check_interval_ns;
}

bool PairSim::fully_connected() const {
    for (int i = 0; i < 2; ++i) {
        if (!hosts_[i].running() || hosts_[i].paused) {
            return false;
        }
        for (std::size_t link = 0; link < 2; ++link) {
            if (!connected(i, link) || lossy_[link] > 0) {
                return false;
            }
        }
    }
    return true;
}

bool PairSim::established() {
    if (!hosts_[0].running() || !hosts_[1].running()) {
        return false;
    }
    for (std::size_t link = 0; link < 2; ++link) {
        bool both = true;
        for (int i = 0; i < 2; ++i) {
            const auto& session = hosts_[i].node().intake().sessions()[link];
            both = both && session.state() == wire::LinkSession::State::up &&
                   session.peer_epoch() == hosts_[1 - i].instance->epoch;
        }
        if (both) {
            return true;
        }
    }
    return false;
}

std::int64_t PairSim::dual_bound(bool was_established) const {
    const std::int64_t hop = 2 * options_.interval_ns + options_.delay_max_ns + options_.jitter_ns;
    return (was_established ? hop : 3 * hop) + 1 * kMs;  // 1 ms: slack for the same-instant ordering
}

bool PairSim::acquiring(int i) const {
    const Host& h = hosts_[i];
    return h.running() && h.node().role().busy() && h.hooks.last_action == "acquire";
}

std::string PairSim::claim_text(bool held, bool acquiring) {
    return held ? (acquiring ? "holds (acquiring)" : "holds") : (acquiring ? "acquiring" : "-");
}

void PairSim::check_claimants() {
    if (failed_) {
        return;
    }
    if (!fully_connected() || options_.loss > 0) {
        claim_fault_ = claim_fault_ || claim_connected_;
        return;
    }
    claim_connected_ = true;
    if (claim_fault_) {
        return;
    }
    const bool both = claims(0) && claims(1);
    if (both && claim_overlap_since_ < 0) {
        claim_overlap_since_ = now_;
        if (options_.strict_single_holder) {
            fail("invariant 4: two claimants with no network fault: P " + claim_text(holds(0), acquiring(0)) + ", S " +
                 claim_text(holds(1), acquiring(1)));
        }
    } else if (!both && claim_overlap_since_ >= 0) {
        dual_stats().claim_overlaps.push_back(now_ - claim_overlap_since_);
        claim_overlap_since_ = -1;
    }
}

void PairSim::check_invariants() {
    if (failed_) {
        return;
    }
    check_claimants();
    if (failed_) {
        return;
    }
    const bool fc = fully_connected();
    if (fc && !was_connected_) {
        healed_at_ = now_;
        healed_established_ = established();
    }
    was_connected_ = fc;
    note_lan_both();
    const bool both = holds(0) && holds(1);
    // 1. dual holders after a heal.
    if (both && fc) {
        const std::int64_t since = std::max(dual_since_, healed_at_);
        if (!dual_measuring_) {
            dual_measuring_ = true;
            dual_measure_start_ = since;
            dual_measure_tier_ = healed_established_;
        }
        const std::int64_t bound = dual_bound(healed_established_);
        if (now_ - since > bound) {
            fail("invariant 1: both hold the address " + ms(now_ - since) + " after the heal (bound " + ms(bound) +
                 ", sessions " + (healed_established_ ? "established" : "to be re-established") + " at the heal)");
            return;
        }
    } else if (dual_measuring_) {
        if (!both && fc) {
            const std::int64_t took = now_ - dual_measure_start_;
            (dual_measure_tier_ ? dual_stats().established : dual_stats().handshake).push_back(took);
            scenario_dual_.push_back(took);
        }
        dual_measuring_ = false;
    }
    // 2. liveness.
    if (options_.check_liveness) {
        for (int x = 0; x < 2; ++x) {
            const int y = 1 - x;
            const Host& hx = hosts_[x];
            const Host& hy = hosts_[y];
            if (!healthy(x) || hy.out_since < 0) {
                continue;
            }
            if (!options_.expect_secondary_handover_on_carrier_loss && y == kSecondary && hy.running() && !hy.paused &&
                !hy.addresses.carrier_up[kLan] && hy.addresses.held) {
                gap_until_[y] = now_;
                continue;  // the known gap: an active secondary without its service link keeps the address
            }
            const bool arp_answer = hy.addresses.held && connected(y, kLan) && connected(x, kLan);
            if (arp_answer) {
                continue;
            }
            const std::int64_t arp_quiet = std::max({hy.out_since, arp_answer_until_[y], gap_until_[y]});
            // A slow hook (simulated) delays the acquisition by its run time.
            const std::int64_t bound = options_.detection_bound_ns + hook_time(x) + check_detection_ns();
            if (now_ - arp_quiet >= bound && now_ - hx.healthy_since >= options_.initial_dead_ns + bound && !holds(x)) {
                fail("invariant 2: " + host_name(x) + " is healthy and " + host_name(y) + " has been out for " +
                     ms(now_ - hy.out_since) + ", yet " + host_name(x) + " does not hold the address");
                return;
            }
        }
    }
    const std::int64_t converge = options_.converge_ns + hook_time(0) + hook_time(1) + check_detection_ns();
    if (options_.check_convergence && fc && healthy(0) && healthy(1) && now_ - healed_at_ >= converge &&
        now_ - std::max(hosts_[0].healthy_since, hosts_[1].healthy_since) >= converge && holds(0) == holds(1)) {
        fail(std::string("invariant 2b: both healthy and connected for ") + ms(options_.converge_ns) + ", yet " +
             (holds(0) ? "both hold" : "neither holds") + " the address");
    }
    for (int y = 0; y < 2; ++y) {
        const int x = 1 - y;
        if (hosts_[y].addresses.held && connected(y, kLan) && connected(x, kLan)) {
            arp_answer_until_[y] = now_;
        }
    }
}

void PairSim::fail(const std::string& what) {
    if (failed_) {
        return;
    }
    failed_ = true;
    std::ostringstream out;
    out << "pair sim FAILED: scenario '" << options_.name << "' seed " << options_.seed << " at t=" << ms(now_)
        << "\n  " << what << "\n  P holds " << holds(0) << ", S holds " << holds(1) << "\n  last events:\n";
    for (const auto& line : ring_) {
        out << "    " << line << "\n";
    }
    failure_text_ = out.str();
}

bool PairSim::healthy(int i) const {
    const Host& h = hosts_[i];
    return h.running() && !h.paused && h.addresses.carrier_up[kLan] && service_ok(i);
}

bool PairSim::service_ok(int i) const {
    return options_.check_interval_ns == 0 || hosts_[i].service_up;
}

bool PairSim::out_for(int y) const {
    const Host& h = hosts_[y];
    return !h.running() || h.paused || !h.addresses.carrier_up[kLan] || !service_ok(y) ||
           (!connected(y, kLan) && !connected(y, kPriv));
}

void PairSim::touch_health() {
    for (int i = 0; i < 2; ++i) {
        Host& h = hosts_[i];
        const bool is_healthy = healthy(i);
        if (!is_healthy) {
            h.healthy_since = std::numeric_limits<std::int64_t>::max() / 2;
        } else if (h.healthy_since > now_) {
            h.healthy_since = now_;
        }
        const bool is_out = out_for(i);
        if (!is_out) {
            h.out_since = -1;
        } else if (h.out_since < 0) {
            h.out_since = now_;
        }
    }
    note_lan_both();
    // A carrier change on a healthy host restarts its clock (the primary listens after a link comes back).
    const auto carriers = std::make_pair(hosts_[0].addresses.carrier_up, hosts_[1].addresses.carrier_up);
    if (carriers != last_carriers_) {
        for (int i = 0; i < 2; ++i) {
            if (hosts_[i].addresses.carrier_up != (i == 0 ? last_carriers_.first : last_carriers_.second) &&
                healthy(i)) {
                hosts_[i].healthy_since = now_;
            }
        }
        last_carriers_ = carriers;
    }
}

void PairSim::note_lan_both() {
    const bool lan_both = connected(0, kLan) && connected(1, kLan);
    if (!lan_both) {
        lan_both_since_ = -1;
    } else if (lan_both_since_ < 0) {
        lan_both_since_ = now_;
    }
}

void PairSim::on_address_change(int i, bool held) {
    Host& h = hosts_[i];
    log_line(i, held ? "ADDRESS ADDED" : "ADDRESS REMOVED");
    if (held) {
        h.held_since = now_;
        const int y = 1 - i;
        const std::int64_t settle = 2 * options_.interval_ns;
        if (hosts_[y].addresses.held && hosts_[y].held_since <= now_ - settle && lan_both_since_ >= 0 &&
            lan_both_since_ <= now_ - settle) {
            fail("invariant 1b: " + host_name(i) + " added the address while " + host_name(y) +
                 "'s kernel held it and answered ARP on lan0 (both ways up since " + ms(lan_both_since_) + ")");
        }
    } else if (h.held_since >= 0) {
        h.held_total += now_ - h.held_since;
        h.held_since = -1;
    }
    if (holds(0) && holds(1)) {
        dual_since_ = now_;
    }
    check_claimants();
}

PairSim::Snapshot PairSim::snapshot(int i) {
    daemon::Node& node = hosts_[i].node();
    Snapshot s{node.role().hold(),
               node.role().term(),
               node.role().peer_term(),
               node.role().peer_sender_state(),
               node.role().outgoing_type(),
               node.role().busy(),
               node.role().counters().transitions,
               node.detector().peer_state(),
               {},
               node.detector().counters().peer_changes,
               node.detector().counters().peer_restarts,
               node.detector().peer_boot_epoch(),
               node.intake().accepted(),
               0};
    for (const auto& link : node.detector().links()) {
        s.links.emplace_back(link.state, link.last_beat_ns, link.beats);
    }
    const auto& drops = node.intake().drops();
    s.refused = drops.get(wire::DropReason::unechoed_epoch) + drops.get(wire::DropReason::stale_session) +
                drops.get(wire::DropReason::duplicate_sequence) + drops.get(wire::DropReason::stale_sequence);
    return s;
}

std::string PairSim::diff(const Snapshot& a, const Snapshot& b) {
    std::ostringstream out;
    if (a.hold != b.hold) {
        out << " hold " << role::to_string(a.hold) << "->" << role::to_string(b.hold);
    }
    if (a.term != b.term) {
        out << " term " << a.term << "->" << b.term;
    }
    if (a.peer_term != b.peer_term) {
        out << " peer_term " << a.peer_term << "->" << b.peer_term;
    }
    if (a.peer_state != b.peer_state) {
        out << " peer_sender_state changed";
    }
    if (a.outgoing != b.outgoing) {
        out << " outgoing type changed";
    }
    if (a.detector_state != b.detector_state) {
        out << " detector " << detector::to_string(a.detector_state) << "->" << detector::to_string(b.detector_state);
    }
    if (a.links != b.links) {
        out << " detector links changed";
    }
    if (a.peer_changes != b.peer_changes || a.peer_restarts != b.peer_restarts || a.peer_epoch != b.peer_epoch) {
        out << " detector peer counters/epoch changed";
    }
    if (a.accepted != b.accepted) {
        out << " accepted " << a.accepted << "->" << b.accepted;
    }
    if (a.refused + 1 != b.refused) {
        out << " refused-drop counters " << a.refused << "->" << b.refused << " (want +1)";
    }
    return out.str();
}

}  // namespace fo::sim
