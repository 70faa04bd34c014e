#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>

#include "watch_command.hpp"

namespace fo::probe {

namespace {
std::string hex32(std::uint32_t value) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%08" PRIx32, value);
    return buffer;
}
std::string hex64(std::uint64_t value) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "0x%016" PRIx64, value);
    return buffer;
}
std::string fixed(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    return buffer;
}
struct SilentPeer {
    std::uint32_t node_id = 0;
    std::int64_t last_beat_ns = 0;
};

using LastBeatByNode = std::map<std::uint32_t, std::int64_t>;

/// The last beat of each node, over its links (computed once per report).
LastBeatByNode last_beat_by_node(const BeatWatch& watch) {
    LastBeatByNode last_by_node;
    for (const auto& [key, sender] : watch.senders()) {
        auto& last = last_by_node[key.node_id];
        last = std::max(last, sender.last_arrival_ns);
    }
    return last_by_node;
}

/// For an ARP frame at `at_ns`: the node that beat most recently before it
/// and not since, i.e. the peer that went silent before the announcement.
std::optional<SilentPeer> silent_before(const LastBeatByNode& last_by_node, std::int64_t at_ns) {
    std::optional<SilentPeer> found;
    for (const auto& [node, last] : last_by_node) {
        if (last != 0 && last <= at_ns && (!found || last > found->last_beat_ns)) {
            found = SilentPeer{node, last};
        }
    }
    return found;
}

/// The new master's first gratuitous ARP (IPv6: unsolicited neighbor
/// advertisement) after a master change. keepalived
/// sends its adverts from the interface MAC: the ARP's sender MAC is the
/// advert's. ucarp sends adverts from the virtual MAC (IANA 00:00:5e) and
/// announces from its own, just before its first advert, while the old master
/// announced along with its adverts: so there, the first one from half an
/// interval before the new master's first advert (nullopt: none seen).
std::optional<std::int64_t> first_announcement(const BeatWatch& watch, const MasterChange& change,
                                               std::uint32_t advertised_interval_us, bool v6) {
    const bool virtual_mac =
        change.to_mac.octets[0] == 0x00 && change.to_mac.octets[1] == 0x00 && change.to_mac.octets[2] == 0x5E;
    const std::int64_t from_ns =
        virtual_mac
            ? std::max(change.from_last_ns, change.at_ns - static_cast<std::int64_t>(advertised_interval_us) * 1000 / 2)
            : change.from_last_ns;
    if (v6) {  // IPv6 announces with unsolicited neighbor advertisements (RFC 4861 7.2.6)
        for (const NeighborAdvertEvent& event : watch.neighbor_adverts()) {
            if (event.timestamp_ns >= from_ns && !event.advert.solicited &&
                (virtual_mac || event.advert.ethernet.source == change.to_mac)) {
                return event.timestamp_ns;
            }
        }
        return std::nullopt;
    }
    for (const ArpEvent& event : watch.arp_events()) {
        const wire::ArpKind kind = event.frame.kind();
        if (event.timestamp_ns >= from_ns && (virtual_mac || event.frame.sender_mac == change.to_mac) &&
            (kind == wire::ArpKind::gratuitous_request || kind == wire::ArpKind::gratuitous_reply)) {
            return event.timestamp_ns;
        }
    }
    return std::nullopt;
}

double ms_between(std::int64_t from_ns, std::int64_t to_ns) {
    return static_cast<double>(to_ns - from_ns) / 1e6;
}

std::string router_name(const RouterKey& key) {
    return std::string(key.protocol) + (key.v6 ? "/ipv6" : "/ipv4") + " vrid " + std::to_string(key.router_id);
}

nlohmann::json adverts_json(const BeatWatch& watch, bool with_arp) {
    nlohmann::json routers = nlohmann::json::array();
    for (const auto& [key, router] : watch.adverts().routers()) {
        const detector::IntervalHistogram& intervals = router.intervals;
        nlohmann::json senders = nlohmann::json::array();
        for (const AdvertSender& sender : router.senders) {
            senders.push_back({{"ip", sender.ip.to_string()},
                               {"mac", sender.mac.to_string()},
                               {"priority", sender.priority},
                               {"advertised_interval_us", sender.advertised_interval_us},
                               {"adverts", sender.adverts},
                               {"mean_interval_us", sender.mean_interval_us()},
                               {"first_ns", sender.first_ns},
                               {"last_ns", sender.last_ns}});
        }
        nlohmann::json changes = nlohmann::json::array();
        for (const MasterChange& change : router.master_change_list) {
            nlohmann::json entry{{"at_ns", change.at_ns},
                                 {"from", change.from.to_string()},
                                 {"to", change.to.to_string()},
                                 {"from_mac", change.from_mac.to_string()},
                                 {"to_mac", change.to_mac.to_string()},
                                 {"from_last_advert_ns", change.from_last_ns},
                                 {"detection_ms", ms_between(change.from_last_ns, change.at_ns)}};
            if (with_arp) {
                const auto announced = first_announcement(watch, change, router.advertised_interval_us, key.v6);
                entry["first_garp_ns"] = announced ? nlohmann::json(*announced) : nlohmann::json(nullptr);
                entry["takeover_ms"] =
                    announced ? nlohmann::json(ms_between(change.from_last_ns, *announced)) : nlohmann::json(nullptr);
            }
            changes.push_back(entry);
        }
        nlohmann::json addresses = nlohmann::json::array();
        for (const wire::IpAddress& address : router.addresses) {
            addresses.push_back(address.to_string());
        }
        const AdvertSender& master = router.senders[router.current];
        routers.push_back({
            {"protocol", key.protocol},
            {"family", key.v6 ? "ipv6" : "ipv4"},
            {"vrid", key.router_id},
            {"master", master.ip.to_string()},
            {"master_mac", master.mac.to_string()},
            {"priority", router.priority},
            {"advertised_interval_us", router.advertised_interval_us},
            {"addresses", addresses},
            {"adverts_received", router.adverts_received},
            {"lost", router.lost},
            {"late_intervals", router.late_intervals},
            {"priority_changes", router.priority_changes},
            {"master_changes", router.master_changes},
            {"interval_us",
             {{"count", intervals.count()},
              {"p50", intervals.percentile_us(0.50)},
              {"p99", intervals.percentile_us(0.99)},
              {"max", intervals.max_us()},
              {"mean", intervals.mean_us()},
              {"stddev", intervals.stddev_us()},
              {"jitter", router.jitter_against_advertised_us()}}},
            {"senders", senders},
            {"senders_dropped", router.senders_dropped},
            {"master_change_list", changes},
        });
    }
    return routers;
}

std::string adverts_text(const BeatWatch& watch, bool with_arp) {
    std::string out;
    for (const auto& [key, router] : watch.adverts().routers()) {
        const detector::IntervalHistogram& intervals = router.intervals;
        const AdvertSender& master = router.senders[router.current];
        out += router_name(key) + "  master " + master.ip.to_string() + " " + master.mac.to_string() + "  priority " +
               std::to_string(router.priority) + "\n";
        out += "  adverts " + std::to_string(router.adverts_received) + "  lost " + std::to_string(router.lost) +
               "  priority changes " + std::to_string(router.priority_changes) + "  master changes " +
               std::to_string(router.master_changes) + "\n";
        out += "  interval us: p50 " + fixed(intervals.percentile_us(0.50)) + "  p99 " +
               fixed(intervals.percentile_us(0.99)) + "  max " + fixed(intervals.max_us()) + "  jitter vs advertised " +
               fixed(router.jitter_against_advertised_us()) + "  (advertised " +
               std::to_string(router.advertised_interval_us) + ")\n";
        for (const MasterChange& change : router.master_change_list) {
            out += "  master " + change.from.to_string() + " -> " + change.to.to_string() + ": first advert " +
                   fixed(ms_between(change.from_last_ns, change.at_ns)) + " ms after the last of " +
                   change.from.to_string();
            if (with_arp) {
                const auto announced = first_announcement(watch, change, router.advertised_interval_us, key.v6);
                out += announced
                           ? ", gratuitous ARP after " + fixed(ms_between(change.from_last_ns, *announced)) + " ms"
                           : std::string(", no gratuitous ARP seen");
            }
            out += "\n";
        }
    }
    return out;
}
}  // namespace

nlohmann::json watch_report_json(const BeatWatch& watch, const WatchOptions& options, double elapsed_s,
                                 const CaptureFigures& capture, bool authenticated) {
    nlohmann::json report;
    report["source"] = options.read_file.empty() ? options.interface : options.read_file;
    report["elapsed_s"] = elapsed_s;
    report["authentication"] = authenticated ? "verified" : "not verified (no key)";
    report["frames_seen"] = watch.frames_seen();
    report["auth_failures_unknown_senders"] = watch.auth_failures_unknown_senders();
    report["senders_dropped"] = watch.senders_dropped();
    report["max_senders"] = BeatWatch::kMaxSenders;
    report["senders"] = nlohmann::json::array();
    for (const auto& [key, sender] : watch.senders()) {
        const detector::IntervalHistogram& intervals = sender.intervals;
        report["senders"].push_back({
            {"node_id", key.node_id},
            {"link_id", key.link_id},
            {"mac", sender.mac.to_string()},
            {"ip", sender.ip.to_string()},
            {"role", wire::to_string(sender.role)},
            {"state", wire::to_string(sender.state)},
            {"boot_epoch", hex64(sender.boot_epoch)},
            {"echo_epoch", hex64(sender.echo_epoch)},
            {"sessions", sender.sessions},
            {"term", sender.term},
            {"advertised_interval_us", sender.advertised_interval_us},
            {"mac_verified", sender.mac_verified},
            {"beats_received", sender.beats_received},
            {"lost", sender.lost},
            {"reordered", sender.reordered},
            {"duplicated", sender.duplicated},
            {"replays_rejected", sender.replays_rejected},
            {"auth_failures", sender.auth_failures},
            {"restarts", sender.restarts},
            {"interval_us",
             {{"count", intervals.count()},
              {"p50", intervals.percentile_us(0.50)},
              {"p99", intervals.percentile_us(0.99)},
              {"max", intervals.max_us()},
              {"mean", intervals.mean_us()},
              {"jitter", intervals.stddev_us()}}},
        });
    }
    nlohmann::json drops = nlohmann::json::object();
    watch.drops().for_each_nonzero(
        [&](wire::DropReason reason, std::uint64_t count) { drops[std::string(wire::to_string(reason))] = count; });
    report["drops"] = drops;
    report["adverts"] = adverts_json(watch, options.arp);
    report["routers_dropped"] = watch.adverts().routers_dropped();
    report["arp"] = nlohmann::json::array();
    report["arp_dropped"] = watch.arp_events_dropped();
    const LastBeatByNode last_by_node = last_beat_by_node(watch);
    for (const ArpEvent& event : watch.arp_events()) {
        const auto silent = silent_before(last_by_node, event.timestamp_ns);
        const auto silent_router = watch.adverts().silent_before(event.timestamp_ns);
        report["arp"].push_back(
            {{"time_ns", event.timestamp_ns},
             {"silent_node", silent ? nlohmann::json(silent->node_id) : nlohmann::json(nullptr)},
             {"since_last_beat_ms",
              silent ? nlohmann::json(static_cast<double>(event.timestamp_ns - silent->last_beat_ns) / 1e6)
                     : nlohmann::json(nullptr)},
             {"silent_advertiser", silent_router ? nlohmann::json{{"router", router_name(silent_router->router)},
                                                                  {"ip", silent_router->sender->ip.to_string()}}
                                                 : nlohmann::json(nullptr)},
             {"since_last_advert_ms",
              silent_router ? nlohmann::json(ms_between(silent_router->sender->last_ns, event.timestamp_ns))
                            : nlohmann::json(nullptr)},
             {"kind", wire::to_string(event.frame.kind())},
             {"sender_mac", event.frame.sender_mac.to_string()},
             {"sender_ip", event.frame.sender_ip.to_string()},
             {"target_mac", event.frame.target_mac.to_string()},
             {"target_ip", event.frame.target_ip.to_string()},
             {"ethernet_destination", event.frame.ethernet_destination.to_string()}});
    }
    report["neighbor_adverts"] = nlohmann::json::array();
    report["neighbor_adverts_dropped"] = watch.neighbor_adverts_dropped();
    for (const NeighborAdvertEvent& event : watch.neighbor_adverts()) {
        const auto silent_router = watch.adverts().silent_before(event.timestamp_ns);
        const wire::NeighborAdvert& advert = event.advert;
        report["neighbor_adverts"].push_back(
            {{"time_ns", event.timestamp_ns},
             {"target", advert.target.to_string()},
             {"source_mac", advert.ethernet.source.to_string()},
             {"source_ip", advert.source.to_string()},
             {"destination_ip", advert.destination.to_string()},
             {"target_mac",
              advert.has_target_mac ? nlohmann::json(advert.target_mac.to_string()) : nlohmann::json(nullptr)},
             {"solicited", advert.solicited},
             {"override", advert.override_flag},
             {"router", advert.router},
             {"since_last_advert_ms",
              silent_router ? nlohmann::json(ms_between(silent_router->sender->last_ns, event.timestamp_ns))
                            : nlohmann::json(nullptr)}});
    }
    report["neighbor_solicits"] = nlohmann::json::array();
    report["neighbor_solicits_dropped"] = watch.neighbor_solicits_dropped();
    for (const NeighborSolicitEvent& event : watch.neighbor_solicits()) {
        const wire::NeighborSolicit& solicit = event.solicit;
        report["neighbor_solicits"].push_back({{"time_ns", event.timestamp_ns},
                                               {"target", solicit.target.to_string()},
                                               {"source_mac", solicit.ethernet.source.to_string()},
                                               {"source_ip", solicit.source.to_string()},
                                               {"destination_ip", solicit.destination.to_string()},
                                               {"dad", solicit.is_dad_probe()}});
    }
    report["capture"] = {{"received", capture.received}, {"dropped_by_kernel", capture.dropped_by_kernel}};
    return report;
}

std::string watch_report_text(const BeatWatch& watch, double elapsed_s, const CaptureFigures& capture,
                              bool authenticated) {
    std::string out = "watched " + fixed(elapsed_s) + " s, " + std::to_string(watch.frames_seen()) + " frames, MACs " +
                      (authenticated ? "verified" : "NOT verified (no key)") + "\n";
    for (const auto& [key, sender] : watch.senders()) {
        const detector::IntervalHistogram& intervals = sender.intervals;
        out += "node " + hex32(key.node_id) + " link " + std::to_string(key.link_id) + "  " + sender.mac.to_string() +
               " " + sender.ip.to_string() + "  " + std::string(wire::to_string(sender.role)) + "/" +
               std::string(wire::to_string(sender.state)) + "  session " + hex64(sender.boot_epoch) + ">" +
               (sender.echo_epoch == 0 ? "-" : hex64(sender.echo_epoch)) + " (" + std::to_string(sender.sessions) +
               " seen)  term " + std::to_string(sender.term) + "\n";
        out += "  beats " + std::to_string(sender.beats_received) + "  lost " + std::to_string(sender.lost) +
               "  reordered " + std::to_string(sender.reordered) + "  duplicated " + std::to_string(sender.duplicated) +
               "  replays " + std::to_string(sender.replays_rejected) + "  auth failures " +
               std::to_string(sender.auth_failures) + "  restarts " + std::to_string(sender.restarts) + "\n";
        out += "  interval us: p50 " + fixed(intervals.percentile_us(0.50)) + "  p99 " +
               fixed(intervals.percentile_us(0.99)) + "  max " + fixed(intervals.max_us()) + "  jitter " +
               fixed(intervals.stddev_us()) + "  (advertised " + std::to_string(sender.advertised_interval_us) + ")\n";
    }
    out += adverts_text(watch, !watch.arp_events().empty() || !watch.neighbor_adverts().empty());
    const LastBeatByNode last_by_node = last_beat_by_node(watch);
    for (const ArpEvent& event : watch.arp_events()) {
        const auto silent = silent_before(last_by_node, event.timestamp_ns);
        const auto silent_router = watch.adverts().silent_before(event.timestamp_ns);
        out += "arp " + std::string(wire::to_string(event.frame.kind())) + " from " +
               event.frame.sender_mac.to_string() + " " + event.frame.sender_ip.to_string() + " for " +
               event.frame.target_ip.to_string() +
               (silent ? ", " + fixed(static_cast<double>(event.timestamp_ns - silent->last_beat_ns) / 1e6) +
                             " ms after the last beat of node " + hex32(silent->node_id)
                       : std::string()) +
               (silent_router ? ", " + fixed(ms_between(silent_router->sender->last_ns, event.timestamp_ns)) +
                                    " ms after the last advert of " + silent_router->sender->ip.to_string() + " (" +
                                    router_name(silent_router->router) + ")"
                              : std::string()) +
               "\n";
    }
    for (const NeighborAdvertEvent& event : watch.neighbor_adverts()) {
        const auto silent_router = watch.adverts().silent_before(event.timestamp_ns);
        out += std::string("na ") + (event.advert.solicited ? "solicited" : "unsolicited") + " from " +
               event.advert.ethernet.source.to_string() + " for " + event.advert.target.to_string() +
               (silent_router ? ", " + fixed(ms_between(silent_router->sender->last_ns, event.timestamp_ns)) +
                                    " ms after the last advert of " + silent_router->sender->ip.to_string() + " (" +
                                    router_name(silent_router->router) + ")"
                              : std::string()) +
               "\n";
    }
    for (const NeighborSolicitEvent& event : watch.neighbor_solicits()) {
        out += std::string("ns ") + (event.solicit.is_dad_probe() ? "dad" : "resolve") + " from " +
               event.solicit.ethernet.source.to_string() + " for " + event.solicit.target.to_string() + "\n";
    }
    if (watch.arp_events_dropped() > 0) {
        out += "arp: " + std::to_string(watch.arp_events_dropped()) + " more not listed (list full at " +
               std::to_string(BeatWatch::kMaxArpEvents) + ")\n";
    }
    if (watch.auth_failures_unknown_senders() > 0) {
        out += "auth failures from unknown senders " + std::to_string(watch.auth_failures_unknown_senders()) + "\n";
    }
    if (watch.senders_dropped() > 0) {
        out += "senders dropped " + std::to_string(watch.senders_dropped()) + " (frames of new senders beyond " +
               std::to_string(BeatWatch::kMaxSenders) + ")\n";
    }
    std::string drops;
    watch.drops().for_each_nonzero([&](wire::DropReason reason, std::uint64_t count) {
        drops += " " + std::string(wire::to_string(reason)) + "=" + std::to_string(count);
    });
    out += "drops:" + (drops.empty() ? std::string(" none") : drops) + "\n";
    out += "capture: received " + std::to_string(capture.received) + ", dropped by kernel " +
           std::to_string(capture.dropped_by_kernel) + "\n";
    return out;
}

}  // namespace fo::probe
