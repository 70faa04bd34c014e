#include "fo/daemon/metrics.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <utility>

namespace fo::daemon {

namespace {

constexpr double kNanosPerSecond = 1e9;

std::string number(double value) {
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    char text[40];
    std::snprintf(text, sizeof text, "%.15g", value);  // 0.005, not 0.0050000000000000001
    if (std::strtod(text, nullptr) != value) {
        std::snprintf(text, sizeof text, "%.17g", value);
    }
    return text;
}

std::string number(std::uint64_t value) {
    return std::to_string(value);
}

using Labels = std::initializer_list<std::pair<const char*, std::string>>;

/// One metric family: # HELP and # TYPE once, then its samples.
class Exposition {
  public:
    void family(const char* name, const char* type, const char* help) {
        name_ = std::string("fastfailover_") + name;
        text_ += "# HELP " + name_ + " " + help + "\n# TYPE " + name_ + " " + type + "\n";
    }
    void sample(const std::string& value, Labels labels = {}, const char* suffix = "") {
        text_ += name_ + suffix;
        if (labels.size() != 0) {
            text_ += "{";
            bool first = true;
            for (const auto& [key, label] : labels) {
                text_ += (first ? "" : ",") + std::string(key) + "=\"" + escape_label_value(label) + "\"";
                first = false;
            }
            text_ += "}";
        }
        text_ += " " + value + "\n";
    }
    void single(const char* name, const char* type, const char* help, const std::string& value) {
        family(name, type, help);
        sample(value);
    }
    [[nodiscard]] std::string take() { return std::move(text_); }

  private:
    std::string name_;
    std::string text_;
};

void link_metrics(Exposition& out, Node& node) {
    const auto& links = node.detector().links();
    const auto per_link = [&](const char* name, const char* type, const char* help, auto value_of) {
        out.family(name, type, help);
        for (std::size_t i = 0; i < links.size(); ++i) {
            out.sample(value_of(i), {{"link", links[i].name}});
        }
    };
    per_link("link_up", "gauge", "1 when the peer's beats arrive on the link (state up), else 0.",
             [&](std::size_t i) { return std::string(links[i].state == detector::LinkState::up ? "1" : "0"); });
    per_link("link_carrier", "gauge", "1 when our own interface of the link has carrier.",
             [&](std::size_t i) { return std::string(node.carrier(i) ? "1" : "0"); });
    per_link("link_beats_sent_total", "counter", "Our beats sent on the link.",
             [&](std::size_t i) { return number(node.emitter().links()[i].sent); });
    per_link("link_send_errors_total", "counter", "Our beats whose send failed.",
             [&](std::size_t i) { return number(node.emitter().links()[i].send_errors); });
    per_link("link_beats_received_total", "counter", "Valid beats of the peer received on the link.",
             [&](std::size_t i) { return number(links[i].beats); });
    per_link("link_beats_lost_total", "counter",
             "The peer's beats missing on the link (sequence gaps within one boot epoch).",
             [&](std::size_t i) { return number(node.beats_lost(i)); });
    per_link("link_went_down_total", "counter", "Times the link went down.",
             [&](std::size_t i) { return number(links[i].went_down); });
    out.family("link_beat_interval_seconds", "histogram", "Arrival intervals of the peer's beats on the link.");
    for (std::size_t i = 0; i < links.size(); ++i) {
        const auto& intervals = node.intervals(i);
        for (const double bound : kIntervalBucketsSeconds) {
            const auto bound_ns = static_cast<std::int64_t>(std::llround(bound * kNanosPerSecond));
            out.sample(number(intervals.count_at_most(bound_ns)), {{"link", links[i].name}, {"le", number(bound)}},
                       "_bucket");
        }
        out.sample(number(intervals.count()), {{"link", links[i].name}, {"le", "+Inf"}}, "_bucket");
        out.sample(number(intervals.mean_us() * static_cast<double>(intervals.count()) / 1e6),
                   {{"link", links[i].name}}, "_sum");
        out.sample(number(intervals.count()), {{"link", links[i].name}}, "_count");
    }
}

void state_metrics(Exposition& out, Node& node) {
    out.family("state", "gauge", "Our hold state: 1 for the current one.");
    const role::HoldState hold = node.role().hold();
    for (const auto state : {role::HoldState::starting, role::HoldState::standby, role::HoldState::active,
                             role::HoldState::releasing, role::HoldState::stopping}) {
        out.sample(state == hold ? "1" : "0", {{"state", std::string(role::to_string(state))}});
    }
    out.family("peer_state", "gauge", "The detector's view of the peer: 1 for the current state.");
    const detector::PeerState peer = node.detector().peer_state();
    for (const auto state : {detector::PeerState::waiting, detector::PeerState::alive, detector::PeerState::degraded,
                             detector::PeerState::dead}) {
        out.sample(state == peer ? "1" : "0", {{"state", std::string(detector::to_string(state))}});
    }
    out.single("holding", "gauge", "1 while we hold the service addresses.", node.takeover().holding() ? "1" : "0");
    out.single("term", "gauge", "Our ownership term (of our last acquisition).", number(node.role().term()));
    out.single("transitions_total", "counter", "Changes of our hold state.",
               number(node.role().counters().transitions));
}

}  // namespace

std::string escape_label_value(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_metrics(Node& node, const ProcessStatus& process, const MetricsProcess& events) {
    Exposition out;
    out.family("info", "gauge", "The daemon's role and node id (always 1).");
    out.sample("1", {{"role", std::string(wire::to_string(node.config().role))},
                     {"node_id", std::to_string(node.identity().node_id)}});
    state_metrics(out, node);
    link_metrics(out, node);
    const auto& counters = node.takeover().counters();
    out.single("takeovers_total", "counter", "Acquisitions of the service addresses.", number(counters.acquisitions));
    out.single("releases_total", "counter", "Releases of the service addresses.", number(counters.releases));
    out.single("vetoed_total", "counter", "Acquisitions or releases vetoed by the Test hook.", number(counters.vetoed));
    out.single("hook_failures_total", "counter", "Hooks that exited non-zero or timed out.",
               number(counters.hook_failures));
    out.single("hooks_refused_total", "counter", "Hooks not run: insecure owner or permissions.",
               number(counters.hooks_refused));
    out.single("address_errors_total", "counter", "Netlink address changes that failed.",
               number(counters.address_errors));
    out.single("garps_sent_total", "counter", "Gratuitous ARPs sent.", number(counters.garps_sent));
    out.single("peer_dead_total", "counter", "Times the peer became DEAD.",
               number(node.detector().counters().times_dead));
    out.single("peer_degraded_total", "counter", "Times the peer became DEGRADED.",
               number(node.detector().counters().times_degraded));
    out.single("frames_accepted_total", "counter", "Frames that passed decoding, MAC and their link's session.",
               number(node.intake().accepted()));
    out.family("frames_dropped_total", "counter", "Frames dropped, by drop reason (reasons seen so far).");
    node.intake().drops().for_each_nonzero([&](wire::DropReason reason, std::uint64_t count) {
        out.sample(number(count), {{"reason", std::string(wire::to_string(reason))}});
    });
    out.single("mail_sent_total", "counter", "Mails the transport (sendmail or the SMTP relay) accepted.",
               number(process.mail.sent));
    out.single("mail_failed_total", "counter", "Mails given up on after every attempt.", number(process.mail.failed));
    out.single("mail_retries_total", "counter", "Mail attempts that failed and were retried.",
               number(process.mail.retries));
    out.single("events_total", "counter", "Events published on the event bus.", number(events.events_published));
    out.single("last_change_timestamp_seconds", "gauge",
               "Wall-clock time of the last change of our hold state (0: none since start).",
               number(static_cast<double>(events.last_change_wall_ns) / kNanosPerSecond));
    return out.take();
}

}  // namespace fo::daemon
