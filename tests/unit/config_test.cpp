#include "fo/daemon/config.hpp"

#include <gtest/gtest.h>

namespace fo::daemon {
namespace {

// Every key the TOML knows, each set to a value that is not its default, so
// a key that is parsed into the wrong field, or not at all, fails below.
constexpr char kGood[] = R"(role = "primary"
interval_ms = 1
miss_count = 5
initial_dead_time_ms = 2000
auth_key_file = "/etc/fastfailover/key"
auth = "hmac-sha256"
failback = "manual"
failback_hold_down_ms = 30000
node_id = 4242
port = 1777
hooks_dir = "/etc/fastfailover/hooks"
hook_timeout_ms = 2500
mail_recipient = "admin@example.com"
sendmail = "/opt/mail/bin/sendmail"
status_socket = "/run/test/fo.sock"
control_group = "fastfailover"
realtime = true

[[link]]
interface = "eth0"
peer = "198.51.100.2"

[[link]]
interface = "eth1"
peer = "broadcast"

[[address]]
interface = "eth0"
address = "198.51.100.100/24"

[[address]]
interface = "eth1"
address = "2001:db8::100/64"

[garp]
repeat = 5
interval_ms = 200
refresh_interval_ms = 60000
reply_form = true
frames_per_second = 5000

[probe]
addresses_per_period = 4
)";

TEST(Config, ParsesEveryKey) {
    auto result = parse_config_toml(kGood, "good.toml");
    ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0]);
    const Config& config = *result.config;
    const Config defaults;
    EXPECT_EQ(config.source, "good.toml");
    EXPECT_EQ(config.role, wire::Role::primary);
    EXPECT_NE(defaults.role, wire::Role::primary);
    EXPECT_EQ(config.interval_ns, 1'000'000);
    EXPECT_EQ(config.miss_count, 5U);
    EXPECT_NE(defaults.miss_count, 5U);
    EXPECT_EQ(config.initial_dead_time_ns, 2'000'000'000);
    EXPECT_EQ(config.auth_key_file, "/etc/fastfailover/key");
    EXPECT_FALSE(config.no_auth);
    EXPECT_EQ(config.control_group, "fastfailover");
    EXPECT_EQ(config.failback, FailbackPolicy::manual);
    EXPECT_EQ(config.failback_hold_down_ns, 30'000'000'000);
    EXPECT_EQ(config.node_id, 4242U);
    EXPECT_EQ(config.port, 1777);
    EXPECT_NE(defaults.port, 1777);
    EXPECT_EQ(config.hooks_dir, "/etc/fastfailover/hooks");
    EXPECT_EQ(config.hook_timeout_ns, 2'500'000'000);
    EXPECT_EQ(config.mail_recipient, "admin@example.com");
    EXPECT_EQ(config.sendmail, "/opt/mail/bin/sendmail");
    EXPECT_EQ(config.status_socket, "/run/test/fo.sock");
    EXPECT_TRUE(config.realtime);
    ASSERT_EQ(config.links.size(), 2U);
    EXPECT_EQ(config.links[0].interface, "eth0");
    EXPECT_EQ(config.links[0].peer.to_string(), "198.51.100.2");
    EXPECT_FALSE(config.links[0].broadcast);
    EXPECT_EQ(config.links[1].interface, "eth1");
    EXPECT_TRUE(config.links[1].broadcast);
    ASSERT_EQ(config.addresses.size(), 2U);
    EXPECT_EQ(config.addresses[0].interface, "eth0");
    EXPECT_EQ(config.addresses[0].address.to_string(), "198.51.100.100");
    EXPECT_EQ(config.addresses[0].prefix_length, 24);
    EXPECT_FALSE(config.addresses[0].is_ipv6());
    // Mixed families in one pair: the IPv6 address keeps its family and prefix.
    EXPECT_EQ(config.addresses[1].interface, "eth1");
    ASSERT_TRUE(config.addresses[1].is_ipv6());
    EXPECT_EQ(config.addresses[1].text(), "2001:db8::100/64");
    EXPECT_EQ(config.addresses[1].ipv6->octets[15], 0x00);
    EXPECT_EQ(config.addresses[1].ipv6->octets[14], 0x01);
    EXPECT_EQ(config.garp.repeat, 5);
    EXPECT_EQ(config.garp.interval_ns, 200'000'000);
    EXPECT_EQ(config.garp.refresh_interval_ns, 60'000'000'000);
    EXPECT_TRUE(config.garp.also_reply_form);
    EXPECT_EQ(config.garp.frames_per_second, 5000);
    EXPECT_EQ(config.probe.addresses_per_period, 4);
    // None of the values above is a default: a key that is ignored fails.
    EXPECT_NE(defaults.interval_ns, config.interval_ns);
    EXPECT_NE(defaults.initial_dead_time_ns, config.initial_dead_time_ns);
    EXPECT_NE(defaults.failback, config.failback);
    EXPECT_NE(defaults.failback_hold_down_ns, config.failback_hold_down_ns);
    EXPECT_NE(defaults.node_id, config.node_id);
    EXPECT_NE(defaults.hook_timeout_ns, config.hook_timeout_ns);
    EXPECT_NE(defaults.sendmail, config.sendmail);
    EXPECT_NE(defaults.realtime, config.realtime);
    EXPECT_NE(defaults.control_group, config.control_group);
    EXPECT_NE(defaults.garp.repeat, config.garp.repeat);
    EXPECT_NE(defaults.garp.interval_ns, config.garp.interval_ns);
    EXPECT_NE(defaults.garp.refresh_interval_ns, config.garp.refresh_interval_ns);
    EXPECT_NE(defaults.garp.also_reply_form, config.garp.also_reply_form);
    EXPECT_NE(defaults.garp.frames_per_second, config.garp.frames_per_second);
    EXPECT_NE(defaults.probe.addresses_per_period, config.probe.addresses_per_period);
}

TEST(Config, ErrorsNameFileLineAndKey) {
    std::string text = kGood;
    const std::string miss_line = "miss_count = 5";
    text.replace(text.find(miss_line), miss_line.size(), "miss_count = 0");
    auto result = parse_config_toml(text, "bad.toml");
    EXPECT_FALSE(result.config);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0], "bad.toml:3: key 'miss_count': must be between 1 and 255");
}

TEST(Config, RunningWithoutAKeyMustBeSaid) {
    std::string text = kGood;
    const std::string auth_line = "auth = \"hmac-sha256\"\n";
    text.erase(text.find(auth_line), auth_line.size());
    auto with_key = parse_config_toml(text, "key.toml");
    ASSERT_TRUE(with_key.config);
    EXPECT_FALSE(with_key.config->no_auth);
    const std::string key_line = "auth_key_file = \"/etc/fastfailover/key\"\n";
    text.erase(text.find(key_line), key_line.size());
    auto neither = parse_config_toml(text, "neither.toml");
    EXPECT_FALSE(neither.config) << "no key and no auth = \"none\" must be refused";
}

const std::vector<HostInterface> kInterfaces = {{"eth0", wire::Ipv4Address{0xC0A8FEAA}, 16},   // 192.168.254.170/16
                                                {"eth1", wire::Ipv4Address{0x0A0000AA}, 24}};  // 10.0.0.170/24

TEST(Hostconfig, SecondaryFromApplesExample) {
    const std::string text =
        "# Apple's example\nFAILOVER_PEER_IP_PAIRS=\"en0:192.168.254.165\"\n"
        "FAILOVER_PEER_IP=\"10.0.0.165\"\nFAILOVER_EMAIL_RECIPIENT=user@domain.com\n";
    auto result = parse_hostconfig(text, "hostconfig", "en0=eth0,fw0=eth1", kInterfaces);
    ASSERT_TRUE(result.config) << result.errors[0];
    const Config& config = *result.config;
    EXPECT_EQ(config.role, wire::Role::secondary);
    EXPECT_EQ(config.mail_recipient, "user@domain.com");
    ASSERT_EQ(config.addresses.size(), 1U);
    EXPECT_EQ(config.addresses[0].interface, "eth0");
    EXPECT_EQ(config.addresses[0].address.to_string(), "192.168.254.165");
    EXPECT_EQ(config.addresses[0].prefix_length, 16);
    ASSERT_EQ(config.links.size(), 2U);
    EXPECT_EQ(config.links[1].interface, "eth1");
    EXPECT_EQ(config.links[1].peer.to_string(), "10.0.0.165");
}

TEST(Hostconfig, PrimaryFromApplesExample) {
    auto result =
        parse_hostconfig("FAILOVER_BCAST_IPS=\"192.168.254.170 10.0.0.255\"\n", "hostconfig", "", kInterfaces);
    ASSERT_TRUE(result.config) << result.errors[0];
    EXPECT_EQ(result.config->role, wire::Role::primary);
    ASSERT_EQ(result.config->links.size(), 2U);
    EXPECT_EQ(result.config->links[0].interface, "eth0");
    EXPECT_TRUE(result.config->links[1].broadcast);
    ASSERT_EQ(result.config->addresses.size(), 1U) << "Apple's model: the service address is the primary's own";
    EXPECT_EQ(result.config->addresses[0].interface, "eth0");
    EXPECT_EQ(result.config->addresses[0].address.to_string(), "192.168.254.170");
    EXPECT_EQ(result.config->addresses[0].prefix_length, 16);
}

TEST(Hostconfig, BadValuesNameLineAndKey) {
    auto result = parse_hostconfig("\nFAILOVER_BCAST_IPS=\"172.16.0.255\"\n", "hostconfig", "", kInterfaces);
    ASSERT_FALSE(result.config);
    EXPECT_EQ(result.errors[0],
              "hostconfig:2: key 'FAILOVER_BCAST_IPS': 172.16.0.255 is on no subnet of this "
              "host's interfaces");
}

}  // namespace
}  // namespace fo::daemon
