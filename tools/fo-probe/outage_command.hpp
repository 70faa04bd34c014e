#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "fo/probe/outage_analyzer.hpp"

namespace fo::probe {

struct OutageOptions {
    std::string interface;
    std::string target;
    double rate_hz = 1000;
    double duration_s = 0;  // with --until-recovered: the upper bound
    bool until_recovered = false;
    double recovered_after_s = 0.2;  // answered this long without a gap = recovered
    bool json = false;
    std::uint16_t udp_port = 0;  // 0: ICMP echo; else UDP to an echo service on this port
    std::string plot_file;       // "": no picture; else the SVG timeline (fo/probe/outage_plot.hpp)
};

/// A UDP echo service (RFC 862) for `outage --udp`: answers every datagram
/// on `port` until SIGINT/SIGTERM.
int run_echo_server(std::uint16_t port);

int run_outage(const OutageOptions& options);

nlohmann::json outage_report_json(const OutageReport& report, const OutageOptions& options);
std::string outage_report_text(const OutageReport& report);
/// Writes render_outage_svg() to options.plot_file; false (logged) when it cannot.
bool write_outage_plot(const OutageReport& report, const std::vector<ProbeMark>& timeline,
                       const OutageOptions& options);

}  // namespace fo::probe
