#include <cstdio>
#include <fstream>

#include "fo/probe/outage_plot.hpp"
#include "fo/runtime/log.hpp"
#include "outage_command.hpp"

namespace fo::probe {

namespace {
double ms(std::int64_t ns) {
    return static_cast<double>(ns) / 1e6;
}
std::string fixed(double value, int decimals = 3) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}
nlohmann::json gap_json(const Gap& gap) {
    return {{"start_ns", gap.start_ns},
            {"end_ns", gap.end_ns},
            {"ms", ms(gap.length_ns())},
            {"probes", gap.probes()},
            {"first_unanswered_probe", gap.first_unanswered}};
}
}  // namespace

nlohmann::json outage_report_json(const OutageReport& report, const OutageOptions& options) {
    nlohmann::json out;
    out["interface"] = options.interface;
    out["target"] = options.target;
    out["rate_hz"] = options.rate_hz;
    out["resolution_ms"] = ms(report.resolution_ns);
    out["probes_sent"] = report.probes_sent;
    out["probes_answered"] = report.probes_answered;
    out["unanswered_before_first_reply"] = report.unanswered_before_first_reply;
    out["outage_ms"] = report.outage ? ms(report.outage->length_ns()) : 0.0;
    out["outage"] = report.outage ? gap_json(*report.outage) : nlohmann::json(nullptr);
    out["longest_gap_ms"] = out["outage_ms"];
    out["gaps"] = nlohmann::json::array();
    for (const Gap& gap : report.gaps) {
        out["gaps"].push_back(gap_json(gap));
    }
    out["replies_per_mac"] = nlohmann::json::object();
    for (const auto& [mac, count] : report.replies_per_mac) {
        out["replies_per_mac"][mac.to_string()] = count;
    }
    out["owner_changes"] = nlohmann::json::array();
    for (const OwnerChange& change : report.owner_changes) {
        out["owner_changes"].push_back({{"at_ns", change.at_ns},
                                        {"probe", change.probe},
                                        {"from", change.from ? change.from->to_string() : ""},
                                        {"to", change.to.to_string()}});
    }
    out["arp_replies"] = report.arp_replies;
    out["dual_owner_windows"] = nlohmann::json::array();
    for (const DualOwnerWindow& window : report.dual_owner_windows) {
        nlohmann::json macs = nlohmann::json::array();
        for (const auto& mac : window.macs) {
            macs.push_back(mac.to_string());
        }
        out["dual_owner_windows"].push_back({{"start_ns", window.start_ns}, {"end_ns", window.end_ns}, {"macs", macs}});
    }
    out["dual_owner_ms"] = ms(report.dual_owner_total_ns);
    out["gratuitous_arps"] = nlohmann::json::array();
    for (const GratuitousArp& garp : report.gratuitous_arps) {
        out["gratuitous_arps"].push_back({{"at_ns", garp.at_ns}, {"mac", garp.mac.to_string()}});
    }
    return out;
}

bool write_outage_plot(const OutageReport& report, const std::vector<ProbeMark>& timeline,
                       const OutageOptions& options) {
    const std::string title = "fo-probe outage: " + options.target + " from " + options.interface + " at " +
                              fixed(options.rate_hz, 0) + " probes/s" + (options.udp_port != 0 ? " (UDP)" : " (ICMP)");
    std::ofstream file(options.plot_file, std::ios::binary | std::ios::trunc);
    file << render_outage_svg(report, timeline, title);
    file.close();
    if (!file) {
        runtime::log_error("--plot: cannot write " + options.plot_file);
        return false;
    }
    return true;
}

std::string outage_report_text(const OutageReport& report) {
    std::string out = "probes sent " + std::to_string(report.probes_sent) + ", answered " +
                      std::to_string(report.probes_answered) + " (resolution " + fixed(ms(report.resolution_ns)) +
                      " ms)\n";
    if (report.outage) {
        out += "outage: " + fixed(ms(report.outage->length_ns())) + " ms (" + std::to_string(report.outage->probes()) +
               " probes unanswered)\n";
    } else {
        out += "outage: none\n";
    }
    if (report.gaps.size() > 1) {
        out += "gaps: " + std::to_string(report.gaps.size()) + "\n";
    }
    for (const auto& [mac, count] : report.replies_per_mac) {
        out += "replies from " + mac.to_string() + ": " + std::to_string(count) + "\n";
    }
    for (const OwnerChange& change : report.owner_changes) {
        if (change.from) {
            out += "answering MAC changed " + change.from->to_string() + " -> " + change.to.to_string() + " at probe " +
                   std::to_string(change.probe) + "\n";
        }
    }
    out += "dual-owner windows: " + std::to_string(report.dual_owner_windows.size()) + " (" +
           fixed(ms(report.dual_owner_total_ns)) + " ms in all; " + std::to_string(report.arp_replies) +
           " ARP replies seen)\n";
    return out;
}

}  // namespace fo::probe
