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

void OutageAnalyzer::on_arp_reply(wire::MacAddress from, std::int64_t at_ns) { arp_replies_.emplace_back(at_ns, from); }

bool OutageAnalyzer::recovered(std::uint64_t streak, std::int64_t settle_from_ns) const {
    bool answered_before = false;
    bool gap_after_answer = false;
    std::uint64_t trailing = 0;
    for (const Probe& probe : probes_) {
        if (probe.sent_ns == 0 || probe.sent_ns >= settle_from_ns) {
            continue;
        }
        if (probe.answered_by) {
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

    // Dual owners. Each MAC claims the address from its first to its last ARP
    // reply, as long as its replies come no further apart than a few probe
    // periods (a lost reply does not end a claim). Wherever two or more
    // claims overlap, both hosts answered for the address.
    report.arp_replies = arp_replies_.size();
    std::map<wire::MacAddress, std::vector<std::pair<std::int64_t, std::int64_t>>> claims;
    std::vector<std::pair<std::int64_t, wire::MacAddress>> replies = arp_replies_;
    std::sort(replies.begin(), replies.end());
    const std::int64_t tolerance = kClaimGapPeriods * period_ns_;
    for (const auto& [at, mac] : replies) {
        auto& intervals = claims[mac];
        if (!intervals.empty() && at - intervals.back().second <= tolerance) {
            intervals.back().second = at;
        } else {
            intervals.emplace_back(at, at);
        }
    }
    struct Edge {
        std::int64_t at;
        int delta;
        wire::MacAddress mac;
        bool operator<(const Edge& other) const { return at != other.at ? at < other.at : delta > other.delta; }
    };
    std::vector<Edge> edges;
    for (const auto& [mac, intervals] : claims) {
        for (const auto& [from, to] : intervals) {
            edges.push_back(Edge{from, +1, mac});
            edges.push_back(Edge{to + period_ns_, -1, mac});  // a claim lasts at least one period
        }
    }
    std::sort(edges.begin(), edges.end());
    std::set<wire::MacAddress> active;
    for (const Edge& edge : edges) {
        if (edge.delta > 0) {
            active.insert(edge.mac);
            if (active.size() == 2) {
                report.dual_owner_windows.push_back(DualOwnerWindow{edge.at, edge.at, {active.begin(), active.end()}});
            } else if (active.size() > 2) {
                report.dual_owner_windows.back().macs.push_back(edge.mac);
            }
        } else {
            if (active.size() == 2) {
                report.dual_owner_windows.back().end_ns = edge.at;
            }
            active.erase(edge.mac);
        }
    }
    for (const DualOwnerWindow& window : report.dual_owner_windows) {
        report.dual_owner_total_ns += window.end_ns - window.start_ns;
    }
    return report;
}

}  // namespace fo::probe
