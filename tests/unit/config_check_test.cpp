// [[check]] in the TOML configuration: every key, and every refusal with
// its file, line and key.

#include <gtest/gtest.h>

#include "fo/daemon/config.hpp"

namespace fo::daemon {
namespace {

// Lines 1-11; the checks start at line 12.
constexpr char kBase[] = R"(role = "primary"
auth = "none"

[[link]]
interface = "eth0"
peer = "198.51.100.1"

[[address]]
interface = "eth0"
address = "198.51.100.100/24"

)";

ConfigResult parse(const std::string& checks) {
    return parse_config_toml(std::string(kBase) + checks, "f.toml");
}

TEST(ConfigCheck, ParsesCommandAndTcpChecksWithEveryKey) {
    auto result = parse(R"([[check]]
name = "db"
tcp = "127.0.0.1:5432"
interval_ms = 250
timeout_ms = 100
fall = 4
rise = 5

[[check]]
command = ["/usr/local/bin/check-mail", "--quick"]
)");
    ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0]);
    const auto& checks = result.config->checks;
    ASSERT_EQ(checks.size(), 2U);
    const takeover::CheckConfig defaults;
    EXPECT_EQ(checks[0].name, "db");
    EXPECT_EQ(checks[0].kind, takeover::CheckConfig::Kind::tcp);
    EXPECT_EQ(checks[0].address.to_string(), "127.0.0.1");
    EXPECT_EQ(checks[0].port, 5432);
    EXPECT_EQ(checks[0].interval_ns, 250'000'000);
    EXPECT_EQ(checks[0].timeout_ns, 100'000'000);
    EXPECT_EQ(checks[0].fall, 4U);
    EXPECT_EQ(checks[0].rise, 5U);
    EXPECT_EQ(checks[0].target(), "tcp 127.0.0.1:5432");
    EXPECT_EQ(checks[1].name, "check[1]");  // unnamed: its place
    EXPECT_EQ(checks[1].kind, takeover::CheckConfig::Kind::command);
    EXPECT_EQ(checks[1].command, (std::vector<std::string>{"/usr/local/bin/check-mail", "--quick"}));
    EXPECT_EQ(checks[1].interval_ns, defaults.interval_ns);
    EXPECT_EQ(checks[1].fall, defaults.fall);
    EXPECT_EQ(checks[1].rise, defaults.rise);
    EXPECT_NE(defaults.fall, 4U);
    EXPECT_NE(defaults.rise, 5U);
    EXPECT_NE(defaults.interval_ns, 250'000'000);
    EXPECT_NE(defaults.timeout_ns, 100'000'000);
}

TEST(ConfigCheck, NoCheckNoChecks) {
    auto result = parse("");
    ASSERT_TRUE(result.config);
    EXPECT_TRUE(result.config->checks.empty());
}

struct Case {
    const char* name;
    const char* checks;
    const char* error;
};

class CheckRefused : public ::testing::TestWithParam<Case> {};

TEST_P(CheckRefused, WithFileLineKeyAndReason) {
    const Case& c = GetParam();
    auto result = parse(c.checks);
    EXPECT_FALSE(result.config);
    ASSERT_FALSE(result.errors.empty());
    EXPECT_EQ(result.errors[0], c.error);
}

INSTANTIATE_TEST_SUITE_P(
    Config, CheckRefused,
    ::testing::Values(
        Case{"neither", "[[check]]\nname = \"db\"\n",
             "f.toml:12: key 'check[0]': needs either command = [\"/PATH\", ARG...] or tcp = \"ADDRESS:PORT\""},
        Case{"both", "[[check]]\ntcp = \"127.0.0.1:1\"\ncommand = [\"/bin/true\"]\n",
             "f.toml:12: key 'check[0]': needs either command = [\"/PATH\", ARG...] or tcp = \"ADDRESS:PORT\""},
        Case{"relative_command", "[[check]]\ncommand = [\"check-db\"]\n",
             "f.toml:13: key 'check[0].command': must be an array of strings, the first an absolute path"},
        Case{"command_not_array", "[[check]]\ncommand = \"/bin/true\"\n",
             "f.toml:13: key 'check[0].command': must be an array of strings, the first an absolute path"},
        Case{"command_empty", "[[check]]\ncommand = []\n",
             "f.toml:13: key 'check[0].command': must be an array of strings, the first an absolute path"},
        Case{"command_number", "[[check]]\ncommand = [\"/bin/true\", 3]\n",
             "f.toml:13: key 'check[0].command': must be an array of strings, the first an absolute path"},
        Case{"tcp_no_port", "[[check]]\ntcp = \"127.0.0.1\"\n",
             "f.toml:13: key 'check[0].tcp': '127.0.0.1' is not IPV4ADDRESS:PORT (port 1 to 65535)"},
        Case{"tcp_port_zero", "[[check]]\ntcp = \"127.0.0.1:0\"\n",
             "f.toml:13: key 'check[0].tcp': '127.0.0.1:0' is not IPV4ADDRESS:PORT (port 1 to 65535)"},
        Case{"tcp_port_large", "[[check]]\ntcp = \"127.0.0.1:65536\"\n",
             "f.toml:13: key 'check[0].tcp': '127.0.0.1:65536' is not IPV4ADDRESS:PORT (port 1 to 65535)"},
        Case{"tcp_name", "[[check]]\ntcp = \"localhost:25\"\n",
             "f.toml:13: key 'check[0].tcp': 'localhost:25' is not IPV4ADDRESS:PORT (port 1 to 65535)"},
        Case{"tcp_number", "[[check]]\ntcp = 25\n",
             "f.toml:13: key 'check[0].tcp': has the wrong type (expected a string)"},
        Case{"interval_small", "[[check]]\ntcp = \"127.0.0.1:25\"\ninterval_ms = 5\n",
             "f.toml:14: key 'check[0].interval_ms': must be between 10 and 3600000 ms"},
        Case{"timeout_nan", "[[check]]\ntcp = \"127.0.0.1:25\"\ntimeout_ms = nan\n",
             "f.toml:14: key 'check[0].timeout_ms': must be a finite number of milliseconds (not nan or inf)"},
        Case{"fall_zero", "[[check]]\ntcp = \"127.0.0.1:25\"\nfall = 0\n",
             "f.toml:14: key 'check[0].fall': must be between 1 and 100"},
        Case{"rise_large", "[[check]]\ntcp = \"127.0.0.1:25\"\nrise = 101\n",
             "f.toml:14: key 'check[0].rise': must be between 1 and 100"},
        Case{"unknown_key", "[[check]]\ntcp = \"127.0.0.1:25\"\nweight = 10\n",
             "f.toml:14: key 'check[0].weight': unknown key"},
        Case{"name_with_space", "[[check]]\nname = \"my db\"\ntcp = \"127.0.0.1:25\"\n",
             "f.toml:13: key 'check[0].name': must be a word (no spaces or commas)"},
        Case{"same_name",
             "[[check]]\nname = \"db\"\ntcp = \"127.0.0.1:25\"\n[[check]]\nname = \"db\"\ntcp = \"127.0.0.1:26\"\n",
             "f.toml:16: key 'check[1].name': 'db' names another check too"},
        Case{"not_a_table_array", "[check]\ntcp = \"127.0.0.1:25\"\n",
             "f.toml:12: key 'check': must be an array of tables ([[check]])"}),
    [](const ::testing::TestParamInfo<Case>& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace fo::daemon
