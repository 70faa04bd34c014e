// Every input the configuration refuses: the file, the line, the key and
// what is wrong (issue "Nothing unchecked gets in"). The same validate()
// runs over flags applied onto a file (daemon/cli.cpp).
#include <gtest/gtest.h>

#include "fo/daemon/config.hpp"

namespace fo::daemon {
namespace {

constexpr char kBase[] = R"(role = "secondary"
interval_ms = 10
auth_key_file = "/etc/fastfailover/key"
sendmail = "/usr/sbin/sendmail"

[[link]]
interface = "eth0"
peer = "198.51.100.1"

[[link]]
interface = "eth1"
peer = "203.0.113.1"

[[address]]
interface = "eth0"
address = "198.51.100.100/24"
)";

std::string with(const std::string& from, const std::string& to) {
    std::string text = kBase;
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return text;
}

struct Case {
    const char* name;
    std::string text;
    const char* error;
};

class Refused : public ::testing::TestWithParam<Case> {};

TEST_P(Refused, WithFileLineKeyAndReason) {
    const Case& c = GetParam();
    auto result = parse_config_toml(c.text, "f.toml");
    EXPECT_FALSE(result.config);
    ASSERT_FALSE(result.errors.empty());
    EXPECT_EQ(result.errors[0], c.error);
}

INSTANTIATE_TEST_SUITE_P(
    Config, Refused,
    ::testing::Values(
        Case{"nan", with("interval_ms = 10", "interval_ms = nan"),
             "f.toml:2: key 'interval_ms': must be a finite number of milliseconds (not nan or inf)"},
        Case{"inf", with("interval_ms = 10", "interval_ms = inf"),
             "f.toml:2: key 'interval_ms': must be a finite number of milliseconds (not nan or inf)"},
        Case{"huge_interval", with("interval_ms = 10", "interval_ms = 5000000"),
             "f.toml:2: key 'interval_ms': must be between 1 and 10000 ms"},
        Case{"huge_hold_down", with("interval_ms = 10", "interval_ms = 10\nfailback_hold_down_ms = 1e300"),
             "f.toml:3: key 'failback_hold_down_ms': must be between 0 and 86400000 ms"},
        Case{"same_interface", with("interface = \"eth1\"", "interface = \"eth0\""),
             "f.toml:11: key 'link[1].interface': interface 'eth0' is already link[0]'s"},
        Case{"same_peer", with("peer = \"203.0.113.1\"", "peer = \"198.51.100.1\""),
             "f.toml:12: key 'link[1].peer': peer 198.51.100.1 is already link[0]'s"},
        Case{"peer_zero", with("peer = \"203.0.113.1\"", "peer = \"0.0.0.0\""),
             "f.toml:12: key 'link[1].peer': 0.0.0.0 is not a usable peer address"},
        Case{"peer_multicast", with("peer = \"203.0.113.1\"", "peer = \"224.0.0.18\""),
             "f.toml:12: key 'link[1].peer': 224.0.0.18 is not a usable peer address"},
        Case{"interface_path", with("interface = \"eth1\"", "interface = \"../eth1\""),
             "f.toml:11: key 'link[1].interface': '../eth1' is not an interface name (1 to 15 characters, no "
             "'/', ':' or spaces)"},
        Case{"no_prefix", with("198.51.100.100/24", "198.51.100.100"),
             "f.toml:16: key 'address[0].address': '198.51.100.100' has no /PREFIX (write it as ADDRESS/PREFIX, "
             "e.g. 198.51.100.100/24)"},
        Case{"address_zero", with("198.51.100.100/24", "0.0.0.0/24"),
             "f.toml:16: key 'address[0].address': 0.0.0.0 cannot be a service address (unspecified, loopback, "
             "multicast, broadcast or reserved)"},
        Case{"address_multicast", with("198.51.100.100/24", "239.1.2.3/24"),
             "f.toml:16: key 'address[0].address': 239.1.2.3 cannot be a service address (unspecified, "
             "loopback, multicast, broadcast or reserved)"},
        Case{"address_broadcast", with("198.51.100.100/24", "198.51.100.255/24"),
             "f.toml:16: key 'address[0].address': 198.51.100.255/24 is the network or broadcast address of its "
             "subnet"},
        Case{"address_twice",
             std::string(kBase) + "\n[[address]]\ninterface = \"eth1\"\naddress = \"198.51.100.100/24\"\n",
             "f.toml:20: key 'address[1].address': 198.51.100.100 is already address[0]"},
        Case{"socket_too_long", with("sendmail", "status_socket = \"/run/" + std::string(120, 'x') + "\"\nsendmail"),
             "f.toml:4: key 'status_socket': the path is 125 bytes; a Unix socket path holds at most 107"},
        Case{"relative_sendmail", with("\"/usr/sbin/sendmail\"", "\"sendmail\""),
             "f.toml:4: key 'sendmail': 'sendmail' must be an absolute path"},
        Case{"relative_hooks", with("sendmail", "hooks_dir = \"hooks\"\nsendmail"),
             "f.toml:4: key 'hooks_dir': 'hooks' must be an absolute path"},
        Case{"mail_injection", with("sendmail", "mail_recipient = \"a@example.com\\nBcc: x@evil.example\"\nsendmail"),
             "f.toml:4: key 'mail_recipient': contains a line break (it would be a header of the mail)"},
        Case{"mail_not_address", with("sendmail", "mail_recipient = \"root\"\nsendmail"),
             "f.toml:4: key 'mail_recipient': 'root' is not a mail address (user@example.com)"},
        Case{"none_and_key", with("interval_ms = 10", "interval_ms = 10\nauth = \"none\""),
             "f.toml:3: key 'auth': auth = \"none\" and a key (auth_key_file) are both set: remove one"},
        Case{"garp_rate_zero", std::string(kBase) + "\n[garp]\nframes_per_second = 0\n",
             "f.toml:19: key 'garp.frames_per_second': must be between 1 and 10000000 (frames per second)"},
        Case{"garp_rate_huge", std::string(kBase) + "\n[garp]\nframes_per_second = 20000000\n",
             "f.toml:19: key 'garp.frames_per_second': must be between 1 and 10000000 (frames per second)"},
        Case{"probe_sample_zero", std::string(kBase) + "\n[probe]\naddresses_per_period = 0\n",
             "f.toml:19: key 'probe.addresses_per_period': must be between 1 and 65536"},
        Case{"probe_sample_negative", std::string(kBase) + "\n[probe]\naddresses_per_period = -3\n",
             "f.toml:19: key 'probe.addresses_per_period': must be between 1 and 65536"},
        Case{"ipv6_no_prefix", with("198.51.100.100/24", "2001:db8::100"),
             "f.toml:16: key 'address[0].address': '2001:db8::100' has no /PREFIX (write it as ADDRESS/PREFIX, "
             "e.g. 2001:db8::100/64)"},
        Case{"ipv6_prefix_too_long", with("198.51.100.100/24", "2001:db8::100/129"),
             "f.toml:16: key 'address[0].address': '2001:db8::100/129' is not ADDRESS/PREFIX (IPv4 /1 to /32, IPv6 "
             "/1 to /128)"},
        Case{"ipv6_not_an_address", with("198.51.100.100/24", "2001:db8:::100/64"),
             "f.toml:16: key 'address[0].address': '2001:db8:::100/64' is not ADDRESS/PREFIX (IPv4 /1 to /32, IPv6 "
             "/1 to /128)"},
        Case{"ipv6_link_local", with("198.51.100.100/24", "fe80::100/64"),
             "f.toml:16: key 'address[0].address': fe80::100 cannot be a service address (unspecified, loopback, "
             "multicast, link-local or IPv4-mapped)"},
        Case{"ipv6_multicast", with("198.51.100.100/24", "ff02::1/64"),
             "f.toml:16: key 'address[0].address': ff02::1 cannot be a service address (unspecified, loopback, "
             "multicast, link-local or IPv4-mapped)"},
        Case{"ipv6_twice",
             std::string(kBase) + "\n[[address]]\ninterface = \"eth1\"\naddress = \"2001:db8::100/64\"\n" +
                 "\n[[address]]\ninterface = \"eth0\"\naddress = \"2001:db8:0::100/64\"\n",
             "f.toml:24: key 'address[2].address': 2001:db8::100 is already address[1]"},
        Case{"probe_unknown_key", std::string(kBase) + "\n[probe]\nrate = 5\n",
             "f.toml:19: key 'probe.rate': unknown key"}),
    [](const ::testing::TestParamInfo<Case>& param) { return std::string(param.param.name); });

TEST(Config, TheBaseIsGood) {
    auto result = parse_config_toml(kBase, "f.toml");
    EXPECT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0]);
}

TEST(Config, MoreLinksThanTheLinkIdHolds) {
    std::string text = "role = \"primary\"\nauth = \"none\"\n";
    for (int i = 0; i < 257; ++i) {
        text += "[[link]]\ninterface = \"d" + std::to_string(i) + "\"\npeer = \"broadcast\"\n";
    }
    auto result = parse_config_toml(text, "f.toml");
    ASSERT_FALSE(result.config);
    EXPECT_EQ(result.errors[0], "f.toml: key 'link': 257 links; at most 256 (the frame's link id is 8 bits)");
}

TEST(Config, FlagsGoThroughTheSameValidation) {
    auto result = parse_config_toml(kBase, "f.toml", false);
    ASSERT_TRUE(result.config);
    Config config = *result.config;
    config.interval_ns = 5'000'000'000'000;  // --interval 5000s
    config.origins["interval_ms"] = "command line (--interval 5000s)";
    const auto errors = validate(config);
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0], "command line (--interval 5000s): key 'interval_ms': must be between 1 and 10000 ms");
}

TEST(Config, HostFactsInterfacesAndOwnAddress) {
    auto result = parse_config_toml(kBase, "f.toml");
    ASSERT_TRUE(result.config);
    HostFacts host;
    host.interface_exists = [](const std::string& name) { return name == "eth0"; };
    host.own_addresses = {wire::Ipv4Address{0xC6336401}};  // 198.51.100.1, link[0]'s peer
    const auto errors = validate(*result.config, host);
    ASSERT_EQ(errors.size(), 2U);
    EXPECT_EQ(errors[0], "f.toml:8: key 'link[0].peer': 198.51.100.1 is this host's own address, not the peer's");
    EXPECT_EQ(errors[1], "f.toml:11: key 'link[1].interface': interface 'eth1' does not exist on this host");
}

const std::vector<HostInterface> kInterfaces = {{"eth0", wire::Ipv4Address{0xC0A8FEAA}, 16},
                                                {"eth1", wire::Ipv4Address{0x0A0000AA}, 24}};

TEST(Hostconfig, RefusesEmptyAndPathLikeInterfaces) {
    auto empty = parse_hostconfig("FAILOVER_PEER_IP_PAIRS=\":192.168.254.165\"\nFAILOVER_PEER_IP=10.0.0.165\n", "hc",
                                  "", kInterfaces);
    ASSERT_FALSE(empty.config);
    EXPECT_EQ(empty.errors[0],
              "hc:1: key 'FAILOVER_PEER_IP_PAIRS': ':192.168.254.165': '' is not an interface name (1 to 15 "
              "characters, no '/')");
    auto path = parse_hostconfig("FAILOVER_PEER_IP_PAIRS=\"en0:192.168.254.165\"\nFAILOVER_PEER_IP=10.0.0.165\n", "hc",
                                 "en0=../../etc", kInterfaces);
    ASSERT_FALSE(path.config);
    EXPECT_EQ(path.errors[0],
              "--interface-map: 'en0=../../etc' is not HOSTCONFIG_NAME=INTERFACE (en0=eth0), each a plain "
              "interface name");
}

TEST(Hostconfig, RefusesBothRolesAndEmptyPairs) {
    auto both =
        parse_hostconfig("FAILOVER_PEER_IP_PAIRS=\"en0:192.168.254.165\"\nFAILOVER_BCAST_IPS=\"192.168.254.255\"\n",
                         "hc", "", kInterfaces);
    ASSERT_FALSE(both.config);
    EXPECT_EQ(both.errors[0],
              "hc:2: key 'FAILOVER_BCAST_IPS': FAILOVER_PEER_IP_PAIRS (a secondary) and FAILOVER_BCAST_IPS (a "
              "primary) are both set: keep one");
    auto empty = parse_hostconfig("FAILOVER_PEER_IP_PAIRS=\"\"\nFAILOVER_PEER_IP=10.0.0.165\n", "hc", "", kInterfaces);
    ASSERT_FALSE(empty.config);
    EXPECT_EQ(empty.errors[0],
              "hc:1: key 'FAILOVER_PEER_IP_PAIRS': is empty: give INTERFACE:ADDRESS pairs (en0:192.168.254.165)");
}

}  // namespace
}  // namespace fo::daemon
