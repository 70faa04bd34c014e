#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fo/takeover/takeover.hpp"
#include "fo/wire/heartbeat.hpp"

namespace fo::daemon {

enum class FailbackPolicy : std::uint8_t { automatic, manual };

struct LinkConfig {
    std::string interface;
    wire::Ipv4Address peer;  // unicast peer, or a broadcast address
    bool broadcast = false;
};

struct Config {
    std::string source;  // the file it came from, for messages
    wire::Role role = wire::Role::secondary;
    std::uint32_t node_id = 0;  // 0: from /etc/machine-id
    std::int64_t interval_ns = 100'000'000;
    std::uint32_t miss_count = 3;
    std::int64_t initial_dead_time_ns = 5'000'000'000;
    std::uint16_t port = wire::kDefaultHeartbeatPort;
    std::string auth_key_file;
    bool no_auth = false;  // "auth = none": explicit, logged
    std::string hooks_dir;
    std::int64_t hook_timeout_ns = 10'000'000'000;
    std::string mail_recipient;
    std::string sendmail = "/usr/sbin/sendmail";
    FailbackPolicy failback = FailbackPolicy::automatic;
    std::int64_t failback_hold_down_ns = 10'000'000'000;
    std::string status_socket;
    bool realtime = false;
    std::vector<LinkConfig> links;
    std::vector<takeover::ServiceAddress> addresses;
    takeover::GarpSchedule garp;
};

/// "FILE:LINE: key 'k': what is wrong"; empty when the config is good.
struct ConfigResult {
    std::optional<Config> config;
    std::vector<std::string> errors;
};

ConfigResult parse_config_toml(const std::string& text, const std::string& source);
ConfigResult load_config_file(const std::string& path);

/// Apple's /etc/hostconfig keys (FAILOVER_BCAST_IPS, FAILOVER_PEER_IP_PAIRS,
/// FAILOVER_PEER_IP, FAILOVER_EMAIL_RECIPIENT). Interfaces named in it
/// ("en0") are mapped through `interface_map` ("en0=eth0,fw0=eth1");
/// links found by address go through `interface_for` (which local interface
/// reaches an address).
struct HostInterface {
    std::string name;
    wire::Ipv4Address address;
    int prefix_length = 0;
};
ConfigResult parse_hostconfig(const std::string& text, const std::string& source, const std::string& interface_map,
                              const std::vector<HostInterface>& interfaces);

std::string to_string(FailbackPolicy policy);

}  // namespace fo::daemon
