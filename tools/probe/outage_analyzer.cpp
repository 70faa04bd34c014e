#include "fo/probe/outage_analyzer.hpp"

#include <algorithm>
#include <set>

namespace fo::probe {

void OutageAnalyzer::on_probe_sent(std::uint64_t index, std::int64_t at_ns) {
    if (index >= probes_.size()) {
        probes_.resize(index + 1);
    }
    probes_[index].sent_ns = at_ns;
}

void OutageAnalyzer::on_echo_reply(std::uint64_t index, wire::MacAddress from, std::int64_t /*at_ns*/) {
    if (index >= probes_.size() || probes_[index].sent_ns == 0) {
        return;  // not ours, or from before this run
    }
    ++replies_per_mac_[from];
    if (probes_[index].answered_by) {
        return;  // a duplicate reply
    }
    probes_[index].answered_by = from;
    ++answered_;
}

void OutageAnalyzer::on_arp_reply(wire::MacAddress from, std::int64_t at_ns) {
    arp_replies_.emplace_back(at_ns, from);
}

void OutageAnalyzer::on_gratuitous_arp(wire::MacAddress from, std::int64_t at_ns) {
    gratuitous_arps_.push_back(GratuitousArp{at_ns, from});
}

std::vector<ProbeMark> OutageAnalyzer::timeline(std::int64_t settle_from_ns) const {
    std::vector<ProbeMark> marks;
    for (std::uint64_t i = 0; i < probes_.size(); ++i) {
        if (probes_[i].sent_ns != 0 && probes_[i].sent_ns < settle_from_ns) {
            marks.push_back(ProbeMark{i, probes_[i].sent_ns, probes_[i].answered_by});
        }
    }
    return marks;
}

bool OutageAnalyzer::recovered(std::uint64_t streak, std::int64_t settle_from_ns) const {
    bool answered_before = false;
    bool gap_after_answer = false;
    std::optional<wire::MacAddress> owner;
    std::uint64_t trailing = 0;
    for (const Probe& probe : probes_) {
        if (probe.sent_ns == 0 || probe.sent_ns >= settle_from_ns) {
            continue;
        }
        if (probe.answered_by) {
            // A failover so quick that no probe went unanswered still counts.
            if (owner && owner != probe.answered_by) {
                gap_after_answer = true;
                trailing = 0;  // the streak counts from the new owner on
            }
            owner = probe.answered_by;
            answered_before = true;
            ++trailing;
        } else {
            gap_after_answer = gap_after_answer || answered_before;
            trailing = 0;
        }
    }
    return gap_after_answer && trailing >= streak;
}

OutageReport OutageAnalyzer::report(std::int64_t settle_from_ns) const {
    OutageReport report;
    report.resolution_ns = period_ns_;
    std::optional<wire::MacAddress> owner;
    std::optional<std::uint64_t> gap_start;
    for (std::uint64_t i = 0; i < probes_.size(); ++i) {
        const Probe& probe = probes_[i];
        if (probe.sent_ns == 0 || probe.sent_ns >= settle_from_ns) {
            continue;
        }
        ++report.probes_sent;
        if (!probe.answered_by) {
            if (!owner) {
                ++report.unanswered_before_first_reply;  // the service was never seen up yet
            } else if (!gap_start) {
                gap_start = i;
            }
            continue;
        }
        ++report.probes_answered;
        if (gap_start) {
            report.gaps.push_back(Gap{*gap_start, i, probes_[*gap_start].sent_ns, probe.sent_ns});
            gap_start.reset();
        }
        if (owner != probe.answered_by) {
            report.owner_changes.push_back(OwnerChange{probe.sent_ns, i, owner, *probe.answered_by});
            owner = probe.answered_by;
        }
    }
    if (gap_start) {  // still unanswered at the end: an outage without recovery
        const std::int64_t last_sent = probes_.back().sent_ns;
        report.gaps.push_back(Gap{*gap_start, probes_.size(), probes_[*gap_start].sent_ns, last_sent});
    }
    for (const Gap& gap : report.gaps) {
        if (!report.outage || gap.length_ns() > report.outage->length_ns()) {
            report.outage = gap;
        }
    }
    report.replies_per_mac = replies_per_mac_;
    for (const GratuitousArp& garp : gratuitous_arps_) {
        if (garp.at_ns < settle_from_ns) {
            report.gratuitous_arps.push_back(garp);
        }
    }

    // Dual owners. Our ARP probe goes to every host on the LAN, so each host
    // holding the address answers the same probe. A reply belongs to the
    // newest probe sent before it; a probe answered by two MACs is split
    // brain. Dual probes a few apart (a lost reply) merge into one window.
    report.arp_replies = arp_replies_.size();
    std::map<std::uint64_t, std::set<wire::MacAddress>> answered_by;
    for (const auto& [at, mac] : arp_replies_) {
        auto after = std::upper_bound(probes_.begin() + 1, probes_.end(), at,
                                      [](std::int64_t time, const Probe& probe) { return time < probe.sent_ns; });
        if (after == probes_.begin() + 1) {
            continue;  // before our first probe
        }
        answered_by[static_cast<std::uint64_t>(std::distance(probes_.begin(), after) - 1)].insert(mac);
    }
    std::optional<std::uint64_t> last_dual;
    for (const auto& [index, macs] : answered_by) {
        if (macs.size() < 2 || probes_[index].sent_ns >= settle_from_ns) {
            continue;
        }
        const std::int64_t start = probes_[index].sent_ns;
        if (last_dual && index - *last_dual <= static_cast<std::uint64_t>(kClaimGapPeriods)) {
            DualOwnerWindow& window = report.dual_owner_windows.back();
            window.end_ns = start + period_ns_;
            for (const auto& mac : macs) {
                if (std::find(window.macs.begin(), window.macs.end(), mac) == window.macs.end()) {
                    window.macs.push_back(mac);
                }
            }
        } else {
            report.dual_owner_windows.push_back(DualOwnerWindow{start, start + period_ns_, {macs.begin(), macs.end()}});
        }
        last_dual = index;
    }
    for (const DualOwnerWindow& window : report.dual_owner_windows) {
        report.dual_owner_total_ns += window.end_ns - window.start_ns;
    }
    return report;
}

}  // namespace fo::probe
