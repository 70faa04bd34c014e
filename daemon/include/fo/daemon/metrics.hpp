#pragma once

#include <cstdint>
#include <string>

#include "fo/daemon/node.hpp"
#include "fo/daemon/status.hpp"

// The Prometheus text exposition format (version 0.0.4) of a node: what
// node_exporter's textfile collector reads from `metrics.file`
// (docs/design.md, "Events and metrics"). Pure: the daemon writes the file.

namespace fo::daemon {

/// What only the process knows about its events.
struct MetricsProcess {
    std::int64_t last_change_wall_ns = 0;  // the newest `role` event; 0: none yet
    std::uint64_t events_published = 0;
};

/// Every metric, each with its # HELP and # TYPE, names prefixed
/// `fastfailover_`, counters suffixed `_total`; the values are the ones
/// `foctl status --json` reports at the same instant.
std::string format_metrics(Node& node, const ProcessStatus& process, const MetricsProcess& events);

/// `text` as a label value: backslash, double quote and newline escaped.
std::string escape_label_value(const std::string& text);

/// The histogram's upper bounds (seconds) for the beat intervals.
inline constexpr double kIntervalBucketsSeconds[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                                     0.1,    0.2,   0.5,   1,     2,    5,    10};

}  // namespace fo::daemon
