// The Prometheus exposition of a node (daemon/metrics.*): checked by a small
// checker of the text format (0.0.4: HELP and TYPE once per family before
// its samples, names and labels well formed, values numbers, counters
// `_total`, histogram buckets cumulative with le="+Inf" equal to _count),
// and its values against the status document of the same node.
#include "fo/daemon/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "../sim/pair_sim.hpp"
#include "fo/daemon/status.hpp"

namespace fo::daemon {
namespace {

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

/// What promtool's `check metrics` would refuse, as messages; `samples` out.
std::vector<std::string> check_exposition(const std::string& text, std::vector<Sample>& samples) {
    static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
    static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
    static const std::regex sample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+))");
    static const std::regex label(R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)\"(,|$))");
    std::vector<std::string> problems;
    std::map<std::string, std::string> types;
    std::set<std::string> helped;
    std::string current;
    std::istringstream lines(text);
    std::string line;
    if (text.empty() || text.back() != '\n') {
        problems.emplace_back("the text must end with a newline");
    }
    while (std::getline(lines, line)) {
        std::smatch match;
        if (std::regex_match(line, match, help)) {
            if (!helped.insert(match[1]).second) {
                problems.push_back("second HELP for " + match[1].str());
            }
            current = match[1];
        } else if (std::regex_match(line, match, type)) {
            if (types.count(match[1]) != 0) {
                problems.push_back("second TYPE for " + match[1].str());
            }
            if (match[1] != current) {
                problems.push_back("TYPE " + match[1].str() + " not after its HELP");
            }
            types[match[1]] = match[2];
            if (match[2] == "counter" && !match[1].str().ends_with("_total")) {
                problems.push_back("counter " + match[1].str() + " without _total");
            }
        } else if (std::regex_match(line, match, sample)) {
            Sample parsed;
            parsed.name = match[1];
            std::string base = parsed.name;
            for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                if (types[current] == "histogram" && base == current + suffix) {
                    base = current;
                }
            }
            if (base != current) {
                problems.push_back("sample " + parsed.name + " outside its family (" + current + ")");
            }
            std::string labels = match[3];
            while (!labels.empty()) {
                std::smatch label_match;
                if (!std::regex_search(labels, label_match, label) || label_match.position(0) != 0) {
                    problems.push_back("bad labels in: " + line);
                    break;
                }
                parsed.labels[label_match[1]] = label_match[2];
                labels = label_match.suffix();
            }
            const std::string value = match[4];
            char* end = nullptr;
            parsed.value = value == "+Inf" ? INFINITY : std::strtod(value.c_str(), &end);
            if (value != "+Inf" && (end == value.c_str() || *end != '\0')) {
                problems.push_back("not a number: " + line);
            }
            samples.push_back(parsed);
        } else {
            problems.push_back("not a line of the format: '" + line + "'");
        }
    }
    // Histograms: buckets cumulative, +Inf == _count.
    std::map<std::string, std::vector<std::pair<double, double>>> buckets;  // series -> (le, count)
    std::map<std::string, double> counts;
    for (const Sample& s : samples) {
        auto labels = s.labels;
        const std::string le = labels["le"];
        labels.erase("le");
        std::string series = s.name.substr(0, s.name.rfind('_'));
        for (const auto& [k, v] : labels) {
            series += "," + k + "=" + v;
        }
        if (s.name.ends_with("_bucket")) {
            buckets[series].emplace_back(le == "+Inf" ? INFINITY : std::stod(le), s.value);
        } else if (s.name.ends_with("_count")) {
            counts[series] = s.value;
        }
    }
    for (const auto& [series, list] : buckets) {
        for (std::size_t i = 1; i < list.size(); ++i) {
            if (list[i].first <= list[i - 1].first || list[i].second < list[i - 1].second) {
                problems.push_back("buckets of " + series + " not increasing and cumulative");
            }
        }
        if (list.empty() || !std::isinf(list.back().first) || list.back().second != counts[series]) {
            problems.push_back("the +Inf bucket of " + series + " is not the last or not _count");
        }
    }
    return problems;
}

double value_of(const std::vector<Sample>& samples, const std::string& name,
                const std::map<std::string, std::string>& labels = {}) {
    for (const Sample& s : samples) {
        if (s.name == name && s.labels == labels) {
            return s.value;
        }
    }
    ADD_FAILURE() << "no sample " << name;
    return NAN;
}

TEST(MetricsChecker, RefusesWhatPromtoolRefuses) {
    std::vector<Sample> samples;
    EXPECT_TRUE(check_exposition("# HELP a_total x\n# TYPE a_total counter\na_total 1\n", samples).empty());
    EXPECT_FALSE(check_exposition("# HELP a x\n# TYPE a counter\na 1\n", samples).empty()) << "counter without _total";
    EXPECT_FALSE(check_exposition("# HELP a x\n# TYPE a gauge\nb 1\n", samples).empty()) << "outside its family";
    EXPECT_FALSE(check_exposition("# HELP a x\n# TYPE a gauge\na{l=\"x} 1\n", samples).empty()) << "bad label";
    EXPECT_FALSE(check_exposition("# HELP a x\n# TYPE a gauge\na one\n", samples).empty()) << "not a number";
    EXPECT_FALSE(check_exposition("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                                  "h_sum 1\nh_count 1\n",
                                  samples)
                     .empty())
        << "buckets not cumulative";
}

TEST(Metrics, EscapesLabelValues) {
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(Metrics, ExpositionIsWellFormedAndAgreesWithTheStatus) {
    sim::SimOptions options;
    options.name = "metrics";
    sim::PairSim sim(options);
    sim.start(sim::kPrimary);
    sim.run_for(3 * sim::kMs);
    sim.start(sim::kSecondary);
    sim.run_for(sim::kSec);
    sim.set_carrier(sim::kPrimary, sim::kPriv, false);
    sim.set_carrier(sim::kPrimary, sim::kLan, false);
    sim.run_for(sim::kSec);
    ASSERT_TRUE(sim.holds(sim::kSecondary));
    Node& node = sim.host(sim::kSecondary).node();
    ProcessStatus process;
    process.mail.sent = 3;
    const MetricsProcess events{1'764'261'755'500'000'000, 42};
    const std::string text = format_metrics(node, process, events);
    std::vector<Sample> samples;
    const auto problems = check_exposition(text, samples);
    EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems) << "\n" << text;

    const nlohmann::json status = node_status(node, process, sim.now());
    EXPECT_EQ(value_of(samples, "fastfailover_state", {{"state", "active"}}), 1);
    EXPECT_EQ(value_of(samples, "fastfailover_state", {{"state", "standby"}}), 0);
    EXPECT_EQ(value_of(samples, "fastfailover_peer_state", {{"state", status["peer"]["state"]}}), 1);
    EXPECT_EQ(value_of(samples, "fastfailover_holding"), 1);
    EXPECT_EQ(value_of(samples, "fastfailover_takeovers_total"), status["counters"]["takeovers"].get<double>());
    EXPECT_EQ(value_of(samples, "fastfailover_releases_total"), status["counters"]["releases"].get<double>());
    EXPECT_EQ(value_of(samples, "fastfailover_hook_failures_total"), status["counters"]["hook_failures"].get<double>());
    EXPECT_EQ(value_of(samples, "fastfailover_mail_sent_total"), 3);
    EXPECT_EQ(value_of(samples, "fastfailover_events_total"), 42);
    EXPECT_EQ(value_of(samples, "fastfailover_last_change_timestamp_seconds"), 1'764'261'755.5);
    EXPECT_EQ(value_of(samples, "fastfailover_info", {{"role", "secondary"}, {"node_id", "2"}}), 1);
    for (const auto& link : status["links"]) {
        const std::string name = link["interface"];
        EXPECT_EQ(value_of(samples, "fastfailover_link_beats_sent_total", {{"link", name}}),
                  link["beats_sent"].get<double>());
        EXPECT_EQ(value_of(samples, "fastfailover_link_beats_received_total", {{"link", name}}),
                  link["beats_received"].get<double>());
        EXPECT_EQ(value_of(samples, "fastfailover_link_up", {{"link", name}}), link["state"] == "up" ? 1 : 0);
        EXPECT_EQ(value_of(samples, "fastfailover_link_went_down_total", {{"link", name}}),
                  link["went_down"].get<double>());
        // The histogram holds every interval; the default 10 ms beats fall
        // in the 0.01 s bucket or above. Below 5 ms only the frames the peer
        // sent at once on a change of its state (one per change, a few here).
        const double count = value_of(samples, "fastfailover_link_beat_interval_seconds_count", {{"link", name}});
        EXPECT_GT(count, 50);
        EXPECT_LE(
            value_of(samples, "fastfailover_link_beat_interval_seconds_bucket", {{"link", name}, {"le", "0.005"}}), 3);
        EXPECT_GT(value_of(samples, "fastfailover_link_beat_interval_seconds_bucket", {{"link", name}, {"le", "0.02"}}),
                  count * 0.9);
    }
    EXPECT_EQ(value_of(samples, "fastfailover_link_up", {{"link", "lan0"}}), 0) << "the primary is gone";
}

}  // namespace
}  // namespace fo::daemon
