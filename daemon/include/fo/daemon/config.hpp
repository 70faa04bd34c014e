#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fo/takeover/health_check.hpp"
#include "fo/takeover/takeover.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/keyring.hpp"

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
    std::string auth_key_file;  // one key, key id 0
    /// Or a directory of keys `<id>.key`, sent with auth_send_key_id
    /// (wire::Keyring; reloaded on SIGHUP: docs/protocol.md, "Key rollover").
    std::string auth_key_dir;
    std::optional<std::uint32_t> auth_send_key_id;
    bool no_auth = false;  // "auth = none": explicit, logged
    std::string hooks_dir;
    std::int64_t hook_timeout_ns = 10'000'000'000;
    std::string mail_recipient;
    std::string sendmail = "/usr/sbin/sendmail";
    /// Mail through an SMTP relay instead of sendmail (docs/design.md, "Notifications").
    std::string smtp_url;                // smtp://relay:587 or smtps://relay:465; "" = sendmail
    bool smtp_starttls_required = true;  // smtp_starttls = "required" | "optional"
    std::string smtp_credentials_file;   // "user:password", mode 0600, root's
    std::string smtp_ca_file;
    std::string mail_from;  // "" = failover@<host name>
    std::int64_t mail_attempts = 4;
    std::int64_t mail_retry_ns = 5'000'000'000;
    FailbackPolicy failback = FailbackPolicy::automatic;
    std::int64_t failback_hold_down_ns = 10'000'000'000;
    std::string status_socket;
    std::string control_group;  // besides root, may run commands that change state ("release")
    bool realtime = false;
    std::vector<LinkConfig> links;
    std::vector<takeover::ServiceAddress> addresses;
    takeover::GarpSchedule garp;
    takeover::ProbeBound probe;
    /// [[check]]: the service's own health (takeover/health_check.hpp).
    std::vector<takeover::CheckConfig> checks;
    /// [metrics] and [events] (docs/design.md, "Events and metrics").
    std::string metrics_file;  // a node_exporter textfile (*.prom), rewritten atomically; empty: none
    std::int64_t metrics_interval_ns = 10'000'000'000;
    std::size_t events_queue = 1024;  // events kept for `foctl events` readers that fall behind
    /// Where each key came from, for messages: "FILE:LINE" or
    /// "command line (--interval)". Keys as in the TOML ("link[1].peer").
    std::map<std::string, std::string> origins;
};

/// Bounds of every duration, in milliseconds (the TOML's unit).
struct DurationBounds {
    const char* key;
    double minimum_ms;
    double maximum_ms;
};
inline constexpr DurationBounds kIntervalBounds{"interval_ms", 1, 10'000};  // interval_us is 32 bits on the wire
inline constexpr DurationBounds kInitialDeadTimeBounds{"initial_dead_time_ms", 0, 3'600'000};
inline constexpr DurationBounds kHookTimeoutBounds{"hook_timeout_ms", 1, 3'600'000};
inline constexpr DurationBounds kHoldDownBounds{"failback_hold_down_ms", 0, 86'400'000};
inline constexpr DurationBounds kMailRetryBounds{"mail_retry_ms", 10, 3'600'000};
inline constexpr std::int64_t kMaximumMailAttempts = 20;
inline constexpr DurationBounds kGarpIntervalBounds{"garp.interval_ms", 1, 60'000};
inline constexpr DurationBounds kGarpRefreshBounds{"garp.refresh_interval_ms", 0, 86'400'000};
/// Gratuitous ARP frames per second across all addresses (GarpPacer).
inline constexpr std::pair<std::int64_t, std::int64_t> kGarpRateBounds{1, 10'000'000};
/// Addresses probed per RFC 5227 probe period (takeover::ProbeBound).
inline constexpr std::pair<std::int64_t, std::int64_t> kProbeSampleBounds{1, 65'536};
inline constexpr DurationBounds kCheckIntervalBounds{"interval_ms", 10, 3'600'000};
inline constexpr DurationBounds kCheckTimeoutBounds{"timeout_ms", 1, 3'600'000};
inline constexpr std::uint32_t kMaximumCheckCount = 100;  // fall, rise
inline constexpr std::size_t kMaximumChecks = 64;
inline constexpr DurationBounds kMetricsIntervalBounds{"metrics.interval_ms", 100, 3'600'000};
inline constexpr std::size_t kMinimumEventsQueue = 16;
inline constexpr std::size_t kMaximumEventsQueue = 65'536;
/// The frame's link id is 8 bits.
inline constexpr std::size_t kMaximumLinks = 256;

/// "FILE:LINE: key 'k': what is wrong"; empty when the config is good.
struct ConfigResult {
    std::optional<Config> config;
    std::vector<std::string> errors;
};

/// Parses the TOML; with `check`, also runs validate() without host facts.
ConfigResult parse_config_toml(const std::string& text, const std::string& source, bool check = true);
/// Reads and parses a file (bounded size, regular file); see parse_config_toml.
ConfigResult load_config_file(const std::string& path, bool check = true);

/// What validate() may know about this host. Unset functions: not checked.
struct HostFacts {
    std::function<bool(const std::string&)> interface_exists;
    std::function<bool(const std::string&)> group_exists;
    std::vector<wire::Ipv4Address> own_addresses;
};

/// The one validation of a configuration, whatever it came from (TOML,
/// hostconfig, flags applied over either): every error as
/// "ORIGIN: key 'k': what is wrong"; empty when the config is good.
std::vector<std::string> validate(const Config& config, const HostFacts& host = {});

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
/// Parses only: the result still goes through validate() (after the flags,
/// which give the key).
ConfigResult parse_hostconfig(const std::string& text, const std::string& source, const std::string& interface_map,
                              const std::vector<HostInterface>& interfaces);

/// Reads (bounded, regular file only) and parses a hostconfig file.
ConfigResult load_hostconfig_file(const std::string& path, const std::string& interface_map,
                                  const std::vector<HostInterface>& interfaces);

/// The keys the configuration names (auth_key_file as key id 0, or every
/// key of auth_key_dir), each file checked with `policy`; an empty result
/// with no error when auth = "none". Errors as "ORIGIN: key 'k': ...".
wire::KeyringLoadResult load_keyring(const Config& config, wire::KeyFilePolicy policy);

/// "ORIGIN: key 'k': ", the prefix of an error about `key` found after
/// parsing (the file and line that set it, or the configuration's source).
std::string key_origin(const Config& config, const std::string& key);

std::string to_string(FailbackPolicy policy);

}  // namespace fo::daemon
