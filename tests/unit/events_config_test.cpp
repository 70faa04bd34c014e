// [metrics] and [events] in the configuration: accepted values, and every
// refusal naming the file, the line and the key.
#include <gtest/gtest.h>

#include "fo/daemon/config.hpp"

namespace fo::daemon {
namespace {

constexpr char kBase[] = R"(role = "secondary"
auth = "none"

[[link]]
interface = "eth0"
peer = "198.51.100.1"
)";

ConfigResult parse(const std::string& tail) {
    return parse_config_toml(std::string(kBase) + tail, "f.toml");
}

TEST(EventsConfig, DefaultsAndValues) {
    auto defaults = parse("");
    ASSERT_TRUE(defaults.config) << ::testing::PrintToString(defaults.errors);
    EXPECT_EQ(defaults.config->metrics_file, "");
    EXPECT_EQ(defaults.config->metrics_interval_ns, 10'000'000'000);
    EXPECT_EQ(defaults.config->events_queue, 1024U);
    auto set = parse(
        "[metrics]\nfile = \"/var/lib/prometheus/node-exporter/failoverd.prom\"\ninterval_ms = 500\n"
        "[events]\nqueue = 64\n");
    ASSERT_TRUE(set.config) << ::testing::PrintToString(set.errors);
    EXPECT_EQ(set.config->metrics_file, "/var/lib/prometheus/node-exporter/failoverd.prom");
    EXPECT_EQ(set.config->metrics_interval_ns, 500'000'000);
    EXPECT_EQ(set.config->events_queue, 64U);
}

TEST(EventsConfig, RefusalsNameFileLineAndKey) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"[metrics]\nfile = \"metrics.prom\"\n",
         "f.toml:8: key 'metrics.file': 'metrics.prom' must be an absolute path"},
        {"[metrics]\nfile = \"/tmp/metrics.txt\"\n",
         "f.toml:8: key 'metrics.file': '/tmp/metrics.txt' must name a file ending in .prom (node_exporter's "
         "textfile collector reads only those)"},
        {"[metrics]\ninterval_ms = 10\n", "f.toml:8: key 'metrics.interval_ms': must be between 100 and 3600000 ms"},
        {"[metrics]\nport = 9100\n", "f.toml:8: key 'metrics.port': unknown key"},
        {"[events]\nqueue = 8\n", "f.toml:8: key 'events.queue': must be between 16 and 65536 events"},
        {"[events]\nqueue = \"big\"\n", "f.toml:8: key 'events.queue': has the wrong type (expected a number)"},
    };
    for (const auto& [tail, error] : cases) {
        auto result = parse(tail);
        EXPECT_FALSE(result.config) << tail;
        ASSERT_FALSE(result.errors.empty()) << tail;
        EXPECT_EQ(result.errors[0], error) << tail;
    }
    auto scalar = parse_config_toml("metrics = 3\n" + std::string(kBase), "f.toml");
    ASSERT_FALSE(scalar.errors.empty());
    EXPECT_EQ(scalar.errors[0], "f.toml:1: key 'metrics': must be a table ([metrics] with file and interval_ms)");
}

}  // namespace
}  // namespace fo::daemon
