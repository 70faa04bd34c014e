#include <fcntl.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "config_files.hpp"
#include "fo/daemon/config.hpp"
#include "fo/takeover/ipv6_service.hpp"

// validate(): every check of a Config, whatever it came from (file, hostconfig, flags).

namespace fo::daemon {

namespace {

constexpr std::int64_t kMs = 1'000'000;

/// One mail address (what `sendmail -t` reads from the To: header): no
/// line breaks, no spaces, no commas, local@domain.
std::optional<std::string> mail_address_problem(const std::string& text) {
    if (text.find_first_of("\r\n") != std::string::npos) {
        return "contains a line break (it would be a header of the mail)";
    }
    const auto at = text.find('@');
    const bool shape =
        at != std::string::npos && at > 0 && at + 1 < text.size() && text.find('@', at + 1) == std::string::npos;
    const bool characters = std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7F && std::strchr("\"(),:;<>[\\]", c) == nullptr;
    });
    if (!shape || !characters || text.front() == '-') {
        return "'" + text + "' is not a mail address (user@example.com)";
    }
    return std::nullopt;
}

/// The SMTP relay keys (smtp_*, mail_from): `error(key, message)` per problem.
template <typename Error>
void validate_smtp(const Config& config, const Error& error) {
    const std::string& url = config.smtp_url;
    if (!url.empty()) {
        const bool scheme = url.rfind("smtp://", 0) == 0 || url.rfind("smtps://", 0) == 0;
        const auto host_at = url.find("://") + 3;
        const bool plain = std::all_of(url.begin(), url.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u > 0x20 && u < 0x7F;
        });
        if (!scheme || !plain || host_at >= url.size() || url[host_at] == '/' || url[host_at] == ':') {
            error("smtp_url", "'" + url + "' is not smtp://HOST[:PORT] or smtps://HOST[:PORT]");
        } else if (config.mail_recipient.empty()) {
            error("smtp_url", "is set but mail_recipient is empty: no mail would be sent");
        }
    }
    for (const auto& [key, path] : {std::pair{"smtp_credentials_file", &config.smtp_credentials_file},
                                    std::pair{"smtp_ca_file", &config.smtp_ca_file}}) {
        if (path->empty()) {
            continue;
        }
        if (path->front() != '/') {
            error(key, "'" + *path + "' must be an absolute path");
        } else if (url.empty()) {
            error(key, "is set but smtp_url is not: mail goes through sendmail");
        }
    }
    if (!config.smtp_credentials_file.empty() && !config.smtp_starttls_required && url.rfind("smtp://", 0) == 0) {
        error("smtp_credentials_file",
              "with smtp_starttls = \"optional\" the password could cross the network in "
              "clear text; use smtp_starttls = \"required\" or smtps://");
    }
    if (!config.mail_from.empty()) {
        if (auto problem = mail_address_problem(config.mail_from)) {
            error("mail_from", *problem);
        }
    }
}

bool is_multicast_or_reserved(wire::Ipv4Address address) {
    return (address.value >> 28U) >= 0xEU;  // 224.0.0.0/4 multicast, 240.0.0.0/4 reserved and 255.255.255.255
}
bool is_loopback(wire::Ipv4Address address) {
    return (address.value >> 24U) == 127U;
}

}  // namespace

bool detail::is_interface_name(const std::string& name) {
    // The kernel's rules (dev_valid_name): 1..15 bytes, not "." or "..", no
    // '/', ':' or white space.
    if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") {
        return false;
    }
    return std::none_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) != 0 ||
               std::iscntrl(static_cast<unsigned char>(c)) != 0;
    });
}

namespace {
/// [metrics] and [events]: a textfile the collector reads (absolute, *.prom).
void validate_events_and_metrics(const Config& config,
                                 const std::function<void(const std::string&, const std::string&)>& error) {
    const std::string& file = config.metrics_file;
    if (!file.empty()) {
        const auto slash = file.rfind('/');
        if (file.front() != '/') {
            error("metrics.file", "'" + file + "' must be an absolute path");
        } else if (file.size() < 6 || file.compare(file.size() - 5, 5, ".prom") != 0 || slash + 1 == file.size() - 5) {
            error("metrics.file", "'" + file +
                                      "' must name a file ending in .prom (node_exporter's textfile collector "
                                      "reads only those)");
        }
    }
    const double interval_ms = static_cast<double>(config.metrics_interval_ns) / 1e6;
    if (interval_ms < kMetricsIntervalBounds.minimum_ms || interval_ms > kMetricsIntervalBounds.maximum_ms) {
        error(kMetricsIntervalBounds.key, detail::bounds_message(kMetricsIntervalBounds));
    }
    if (config.events_queue < kMinimumEventsQueue || config.events_queue > kMaximumEventsQueue) {
        error("events.queue", "must be between " + std::to_string(kMinimumEventsQueue) + " and " +
                                  std::to_string(kMaximumEventsQueue) + " events");
    }
}
}  // namespace

std::vector<std::string> validate(const Config& config, const HostFacts& host) {
    std::vector<std::string> errors;
    const auto error = [&](const std::string& key, const std::string& message) {
        auto found = config.origins.find(key);
        if (found == config.origins.end()) {
            // A key inside a table ("link[0].peer"): the table's line.
            const auto dot = key.rfind('.');
            if (dot != std::string::npos) {
                found = config.origins.find(key.substr(0, dot));
            }
        }
        const std::string origin = found != config.origins.end() ? found->second : config.source;
        errors.push_back(origin + ": key '" + key + "': " + message);
    };
    const auto duration = [&](const DurationBounds& bounds, std::int64_t value_ns) {
        const double ms = static_cast<double>(value_ns) / static_cast<double>(kMs);
        if (ms < bounds.minimum_ms || ms > bounds.maximum_ms) {
            error(bounds.key, detail::bounds_message(bounds));
        }
    };
    duration(kIntervalBounds, config.interval_ns);
    duration(kInitialDeadTimeBounds, config.initial_dead_time_ns);
    duration(kHookTimeoutBounds, config.hook_timeout_ns);
    duration(kHoldDownBounds, config.failback_hold_down_ns);
    duration(kGarpIntervalBounds, config.garp.interval_ns);
    duration(kGarpRefreshBounds, config.garp.refresh_interval_ns);
    if (config.miss_count < 1 || config.miss_count > 255) {
        error("miss_count", "must be between 1 and 255");
    }
    if (config.garp.frames_per_second < kGarpRateBounds.first ||
        config.garp.frames_per_second > kGarpRateBounds.second) {
        error("garp.frames_per_second", "must be between " + std::to_string(kGarpRateBounds.first) + " and " +
                                            std::to_string(kGarpRateBounds.second) + " (frames per second)");
    }
    if (config.probe.addresses_per_period < kProbeSampleBounds.first ||
        config.probe.addresses_per_period > kProbeSampleBounds.second) {
        error("probe.addresses_per_period", "must be between " + std::to_string(kProbeSampleBounds.first) + " and " +
                                                std::to_string(kProbeSampleBounds.second));
    }

    if (!config.auth_key_file.empty() && !config.auth_key_dir.empty()) {
        error("auth_key_dir", "auth_key_file and auth_key_dir are both set: use one (a single key file is key id 0)");
    } else if (config.no_auth && (!config.auth_key_file.empty() || !config.auth_key_dir.empty())) {
        error("auth", std::string("auth = \"none\" and a key (") +
                          (config.auth_key_file.empty() ? "auth_key_dir" : "auth_key_file") +
                          ") are both set: remove one");
    } else if (!config.no_auth && config.auth_key_file.empty() && config.auth_key_dir.empty()) {
        error("auth_key_file", "is required, or auth_key_dir (or set auth = \"none\" to run without authentication)");
    } else if (!config.auth_key_dir.empty() && !config.auth_send_key_id) {
        error("auth_key_dir", "needs auth_send_key_id: the id of the key (<id>.key) to send with");
    } else if (config.auth_key_dir.empty() && config.auth_send_key_id) {
        error("auth_send_key_id", "is only for auth_key_dir (a single auth_key_file is key id 0)");
    }

    const auto check_interface = [&](const std::string& key, const std::string& name) {
        if (!detail::is_interface_name(name)) {
            error(key, "'" + name + "' is not an interface name (1 to 15 characters, no '/', ':' or spaces)");
            return;
        }
        if (host.interface_exists && !host.interface_exists(name)) {
            error(key, "interface '" + name + "' does not exist on this host");
        }
    };
    if (config.links.empty()) {
        error("link", "at least one [[link]] with interface and peer is required (or --interface/--peer)");
    }
    if (config.links.size() > kMaximumLinks) {
        error("link", std::to_string(config.links.size()) + " links; at most " + std::to_string(kMaximumLinks) +
                          " (the frame's link id is 8 bits)");
    }
    std::map<std::string, std::size_t> link_interfaces;
    std::map<std::uint32_t, std::size_t> link_peers;
    const std::size_t links_checked = config.links.size() > kMaximumLinks ? 0 : config.links.size();
    for (std::size_t i = 0; i < links_checked; ++i) {
        const LinkConfig& link = config.links[i];
        const std::string path = "link[" + std::to_string(i) + "]";
        check_interface(path + ".interface", link.interface);
        if (auto [at, fresh] = link_interfaces.emplace(link.interface, i); !fresh) {
            error(path + ".interface",
                  "interface '" + link.interface + "' is already link[" + std::to_string(at->second) + "]'s");
        }
        if (link.peer.value == 0 || (is_multicast_or_reserved(link.peer) && !link.broadcast) ||
            is_loopback(link.peer)) {
            error(path + ".peer", link.peer.to_string() + " is not a usable peer address");
        } else if (!link.broadcast) {
            if (auto [at, fresh] = link_peers.emplace(link.peer.value, i); !fresh) {
                error(path + ".peer",
                      "peer " + link.peer.to_string() + " is already link[" + std::to_string(at->second) + "]'s");
            }
            if (std::find(host.own_addresses.begin(), host.own_addresses.end(), link.peer) !=
                host.own_addresses.end()) {
                error(path + ".peer", link.peer.to_string() + " is this host's own address, not the peer's");
            }
        }
    }
    std::map<std::uint32_t, std::size_t> addresses;
    std::map<wire::Ipv6Address, std::size_t> ipv6_addresses;
    for (std::size_t i = 0; i < config.addresses.size(); ++i) {
        const takeover::ServiceAddress& address = config.addresses[i];
        const std::string path = "address[" + std::to_string(i) + "]";
        check_interface(path + ".interface", address.interface);
        if (address.ipv6) {
            if (auto problem = takeover::ipv6_service_address_problem(*address.ipv6)) {
                error(path + ".address", *problem);
            }
            if (auto [at, fresh] = ipv6_addresses.emplace(*address.ipv6, i); !fresh) {
                error(path + ".address",
                      address.address_text() + " is already address[" + std::to_string(at->second) + "]");
            }
            continue;
        }
        const wire::Ipv4Address ip = address.address;
        if (address.prefix_length < 1 || address.prefix_length > 32) {
            error(path + ".address", "prefix /" + std::to_string(address.prefix_length) + " is not 1 to 32");
            continue;
        }
        const std::uint32_t host_mask =
            address.prefix_length == 32 ? 0U : ~std::uint32_t{0} >> static_cast<unsigned>(address.prefix_length);
        const bool subnet_edge =
            address.prefix_length <= 30 && ((ip.value & host_mask) == 0 || (ip.value & host_mask) == host_mask);
        if (ip.value == 0 || is_multicast_or_reserved(ip) || is_loopback(ip)) {
            error(path + ".address",
                  ip.to_string() +
                      " cannot be a service address (unspecified, loopback, multicast, broadcast or reserved)");
        } else if (subnet_edge) {
            error(path + ".address", ip.to_string() + "/" + std::to_string(address.prefix_length) +
                                         " is the network or broadcast address of its subnet");
        }
        if (auto [at, fresh] = addresses.emplace(ip.value, i); !fresh) {
            error(path + ".address", ip.to_string() + " is already address[" + std::to_string(at->second) + "]");
        }
    }

    if (!config.status_socket.empty() && config.status_socket.size() >= sizeof(sockaddr_un::sun_path)) {
        error("status_socket", "the path is " + std::to_string(config.status_socket.size()) +
                                   " bytes; a Unix socket path holds at most " +
                                   std::to_string(sizeof(sockaddr_un::sun_path) - 1));
    }
    if (!config.control_group.empty() && host.group_exists && !host.group_exists(config.control_group)) {
        error("control_group", "group '" + config.control_group + "' does not exist on this host");
    }
    if (config.sendmail.empty() || config.sendmail.front() != '/') {
        error("sendmail", "'" + config.sendmail + "' must be an absolute path");
    }
    if (!config.hooks_dir.empty() && config.hooks_dir.front() != '/') {
        error("hooks_dir", "'" + config.hooks_dir + "' must be an absolute path");
    }
    if (!config.mail_recipient.empty()) {
        if (auto problem = mail_address_problem(config.mail_recipient)) {
            error("mail_recipient", *problem);
        }
    }
    validate_smtp(config, error);
    validate_events_and_metrics(config, error);
    return errors;
}

}  // namespace fo::daemon
