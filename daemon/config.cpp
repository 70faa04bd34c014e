#include "fo/daemon/config.hpp"

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
#include <toml++/toml.h>

#include "config_files.hpp"
#include "config_reader.hpp"

namespace fo::daemon {

using detail::parse_checks;
using detail::parse_events_and_metrics;
using detail::Reader;

namespace {

const std::map<std::string, bool> kKnownTopLevel = {{"role", true},
                                                    {"node_id", true},
                                                    {"interval_ms", true},
                                                    {"miss_count", true},
                                                    {"initial_dead_time_ms", true},
                                                    {"port", true},
                                                    {"auth_key_file", true},
                                                    {"auth_key_dir", true},
                                                    {"auth_send_key_id", true},
                                                    {"auth", true},
                                                    {"hooks_dir", true},
                                                    {"hook_timeout_ms", true},
                                                    {"mail_recipient", true},
                                                    {"sendmail", true},
                                                    {"smtp_url", true},
                                                    {"smtp_starttls", true},
                                                    {"smtp_credentials_file", true},
                                                    {"smtp_ca_file", true},
                                                    {"mail_from", true},
                                                    {"mail_attempts", true},
                                                    {"mail_retry_ms", true},
                                                    {"failback", true},
                                                    {"failback_hold_down_ms", true},
                                                    {"status_socket", true},
                                                    {"control_group", true},
                                                    {"realtime", true},
                                                    {"link", true},
                                                    {"address", true},
                                                    {"garp", true},
                                                    {"probe", true},
                                                    {"check", true},
                                                    {"metrics", true},
                                                    {"events", true}};

std::optional<int> parse_prefix(const std::string& digits, int longest) {
    if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const int prefix = std::stoi(digits);
    if (prefix < 1 || prefix > longest) {
        return std::nullopt;
    }
    return prefix;
}

/// "198.51.100.10/24" or "2001:db8::100/64".
std::optional<takeover::ServiceAddress> parse_cidr(const std::string& text) {
    constexpr int kIpv4Bits = 32;
    constexpr int kIpv6Bits = 128;
    const auto slash = text.find('/');
    if (slash == std::string::npos) {
        return std::nullopt;
    }
    takeover::ServiceAddress address;
    if (const auto ip = wire::Ipv4Address::parse(text.substr(0, slash))) {
        address.address = *ip;
    } else if (const auto ip6 = wire::Ipv6Address::parse(text.substr(0, slash))) {
        address.ipv6 = *ip6;
    } else {
        return std::nullopt;
    }
    const auto prefix = parse_prefix(text.substr(slash + 1), address.is_ipv6() ? kIpv6Bits : kIpv4Bits);
    if (!prefix) {
        return std::nullopt;
    }
    address.prefix_length = *prefix;
    return address;
}

}  // namespace

std::string key_origin(const Config& config, const std::string& key) {
    const auto found = config.origins.find(key);
    return (found != config.origins.end() ? found->second : config.source) + ": key '" + key + "': ";
}

wire::KeyringLoadResult load_keyring(const Config& config, wire::KeyFilePolicy policy) {
    wire::KeyringLoadResult result;
    if (!config.auth_key_dir.empty()) {
        result = wire::Keyring::load_directory(config.auth_key_dir, config.auth_send_key_id.value_or(0), policy);
        if (!result.keyring) {
            result.error = key_origin(config, "auth_key_dir") + result.error;
        }
    } else if (!config.auth_key_file.empty()) {
        auto loaded = wire::AuthKey::load_file(config.auth_key_file, policy);
        if (loaded.key) {
            result.keyring = wire::Keyring::single(std::move(*loaded.key));
        } else {
            result.error = key_origin(config, "auth_key_file") + loaded.error;
        }
    }
    return result;
}

std::string to_string(FailbackPolicy policy) {
    return policy == FailbackPolicy::automatic ? "automatic" : "manual";
}

ConfigResult parse_config_toml(const std::string& text, const std::string& source, bool check) {
    ConfigResult result;
    toml::table table;
    try {
        table = toml::parse(text, source);
    } catch (const toml::parse_error& error) {
        result.errors.push_back(source + ":" + std::to_string(error.source().begin.line) + ": " +
                                std::string(error.description()));
        return result;
    }
    Config config;
    config.source = source;
    Reader reader(table, source, result.errors, config.origins);

    for (const auto& [key, node] : table) {
        if (kKnownTopLevel.count(std::string(key.str())) == 0) {
            reader.error(&node, std::string(key.str()), "unknown key");
        }
    }
    if (auto role = reader.get<std::string>(table, "role", "role")) {
        if (*role == "primary") {
            config.role = wire::Role::primary;
        } else if (*role == "secondary") {
            config.role = wire::Role::secondary;
        } else {
            reader.error(table.get("role"), "role", "must be \"primary\" or \"secondary\"");
        }
    } else if (table.get("role") == nullptr) {
        reader.error(nullptr, "role", "is required (\"primary\" or \"secondary\")");
    }
    if (auto node_id = reader.get<std::int64_t>(table, "node_id", "node_id")) {
        if (*node_id < 1 || *node_id > 0xFFFFFFFFLL) {
            reader.error(table.get("node_id"), "node_id", "must be between 1 and 4294967295");
        } else {
            config.node_id = static_cast<std::uint32_t>(*node_id);
        }
    }
    if (auto interval = reader.duration_ms(table, "interval_ms", kIntervalBounds)) {
        config.interval_ns = *interval;
    }
    if (auto miss = reader.get<std::int64_t>(table, "miss_count", "miss_count")) {
        if (*miss < 1 || *miss > 255) {
            reader.error(table.get("miss_count"), "miss_count", "must be between 1 and 255");
        } else {
            config.miss_count = static_cast<std::uint32_t>(*miss);
        }
    }
    if (auto dead = reader.duration_ms(table, "initial_dead_time_ms", kInitialDeadTimeBounds)) {
        config.initial_dead_time_ns = *dead;
    }
    if (auto port = reader.get<std::int64_t>(table, "port", "port")) {
        if (*port < 1 || *port > 65535) {
            reader.error(table.get("port"), "port", "must be between 1 and 65535");
        } else {
            config.port = static_cast<std::uint16_t>(*port);
        }
    }
    if (auto key_file = reader.get<std::string>(table, "auth_key_file", "auth_key_file")) {
        config.auth_key_file = *key_file;
    }
    if (auto key_dir = reader.get<std::string>(table, "auth_key_dir", "auth_key_dir")) {
        config.auth_key_dir = *key_dir;
    }
    if (auto send_id = reader.get<std::int64_t>(table, "auth_send_key_id", "auth_send_key_id")) {
        if (*send_id < 0 || *send_id > 0xFFFFFFFFLL) {
            reader.error(table.get("auth_send_key_id"), "auth_send_key_id", "must be between 0 and 4294967295");
        } else {
            config.auth_send_key_id = static_cast<std::uint32_t>(*send_id);
        }
    }
    if (auto auth = reader.get<std::string>(table, "auth", "auth")) {
        if (*auth == "none") {
            config.no_auth = true;
        } else if (*auth != "hmac-sha256") {
            reader.error(table.get("auth"), "auth", "must be \"hmac-sha256\" or \"none\"");
        }
    }
    if (auto hooks = reader.get<std::string>(table, "hooks_dir", "hooks_dir")) {
        config.hooks_dir = *hooks;
    }
    if (auto timeout = reader.duration_ms(table, "hook_timeout_ms", kHookTimeoutBounds)) {
        config.hook_timeout_ns = *timeout;
    }
    if (auto mail = reader.get<std::string>(table, "mail_recipient", "mail_recipient")) {
        config.mail_recipient = *mail;
    }
    if (auto sendmail = reader.get<std::string>(table, "sendmail", "sendmail")) {
        config.sendmail = *sendmail;
    }
    for (auto [key, field] :
         {std::pair{"smtp_url", &config.smtp_url}, std::pair{"smtp_credentials_file", &config.smtp_credentials_file},
          std::pair{"smtp_ca_file", &config.smtp_ca_file}, std::pair{"mail_from", &config.mail_from}}) {
        if (auto value = reader.get<std::string>(table, key, key)) {
            *field = *value;
        }
    }
    if (auto starttls = reader.get<std::string>(table, "smtp_starttls", "smtp_starttls")) {
        if (*starttls == "required" || *starttls == "optional") {
            config.smtp_starttls_required = *starttls == "required";
        } else {
            reader.error(table.get("smtp_starttls"), "smtp_starttls", "must be \"required\" or \"optional\"");
        }
    }
    if (auto attempts = reader.get<std::int64_t>(table, "mail_attempts", "mail_attempts")) {
        if (*attempts < 1 || *attempts > kMaximumMailAttempts) {
            reader.error(table.get("mail_attempts"), "mail_attempts",
                         "must be between 1 and " + std::to_string(kMaximumMailAttempts));
        } else {
            config.mail_attempts = *attempts;
        }
    }
    if (auto retry = reader.duration_ms(table, "mail_retry_ms", kMailRetryBounds)) {
        config.mail_retry_ns = *retry;
    }
    if (auto failback = reader.get<std::string>(table, "failback", "failback")) {
        if (*failback == "automatic") {
            config.failback = FailbackPolicy::automatic;
        } else if (*failback == "manual") {
            config.failback = FailbackPolicy::manual;
        } else {
            reader.error(table.get("failback"), "failback", "must be \"automatic\" or \"manual\"");
        }
    }
    if (auto hold = reader.duration_ms(table, "failback_hold_down_ms", kHoldDownBounds)) {
        config.failback_hold_down_ns = *hold;
    }
    if (auto socket = reader.get<std::string>(table, "status_socket", "status_socket")) {
        config.status_socket = *socket;
    }
    if (auto group = reader.get<std::string>(table, "control_group", "control_group")) {
        config.control_group = *group;
    }
    if (auto realtime = reader.get<bool>(table, "realtime", "realtime")) {
        config.realtime = *realtime;
    }
    parse_events_and_metrics(reader, table, config);

    const toml::array* links = table["link"].as_array();
    if (links == nullptr || links->empty()) {
        reader.error(table.get("link"), "link", "at least one [[link]] with interface and peer is required");
    } else {
        for (std::size_t i = 0; i < links->size(); ++i) {
            const std::string path = "link[" + std::to_string(i) + "]";
            const toml::table* entry = links->get(i)->as_table();
            if (entry == nullptr) {
                reader.error(links->get(i), path, "must be a table");
                continue;
            }
            reader.reject_unknown(*entry, {"interface", "peer"}, path + ".");
            LinkConfig link;
            reader.note(entry, path);
            auto interface = reader.get<std::string>(*entry, "interface", path + ".interface");
            auto peer = reader.get<std::string>(*entry, "peer", path + ".peer");
            if (!interface || interface->empty()) {
                reader.error(entry, path + ".interface", "is required");
                continue;
            }
            link.interface = *interface;
            if (!peer) {
                reader.error(entry, path + ".peer", "is required (an IPv4 address or \"broadcast\")");
                continue;
            }
            if (*peer == "broadcast") {
                link.peer = wire::Ipv4Address{0xFFFFFFFFU};
                link.broadcast = true;
            } else if (auto ip = wire::Ipv4Address::parse(*peer)) {
                link.peer = *ip;
                link.broadcast = (ip->value & 0xFFU) == 0xFFU;
            } else {
                reader.error(entry->get("peer"), path + ".peer", "'" + *peer + "' is not an IPv4 address");
                continue;
            }
            config.links.push_back(link);
        }
    }

    if (const toml::array* addresses = table["address"].as_array()) {
        for (std::size_t i = 0; i < addresses->size(); ++i) {
            const std::string path = "address[" + std::to_string(i) + "]";
            const toml::table* entry = addresses->get(i)->as_table();
            if (entry == nullptr) {
                reader.error(addresses->get(i), path, "must be a table");
                continue;
            }
            reader.reject_unknown(*entry, {"interface", "address"}, path + ".");
            reader.note(entry, path);
            auto interface = reader.get<std::string>(*entry, "interface", path + ".interface");
            auto cidr = reader.get<std::string>(*entry, "address", path + ".address");
            if (!interface || !cidr) {
                reader.error(entry, path, "needs interface and address (\"198.51.100.10/24\")");
                continue;
            }
            auto parsed = parse_cidr(*cidr);
            if (!parsed && (wire::Ipv4Address::parse(*cidr) || wire::Ipv6Address::parse(*cidr))) {
                reader.error(entry->get("address"), path + ".address",
                             "'" + *cidr + "' has no /PREFIX (write it as ADDRESS/PREFIX, e.g. " + *cidr +
                                 (wire::Ipv4Address::parse(*cidr) ? "/24)" : "/64)"));
                continue;
            }
            if (!parsed) {
                reader.error(entry->get("address"), path + ".address",
                             "'" + *cidr + "' is not ADDRESS/PREFIX (IPv4 /1 to /32, IPv6 /1 to /128)");
                continue;
            }
            parsed->interface = *interface;
            config.addresses.push_back(*parsed);
        }
    }

    if (const toml::table* garp = table["garp"].as_table()) {
        reader.reject_unknown(
            *garp, {"repeat", "interval_ms", "refresh_interval_ms", "reply_form", "frames_per_second"}, "garp.");
        if (auto repeat = reader.get<std::int64_t>(*garp, "repeat", "garp.repeat")) {
            if (*repeat < 0 || *repeat > 100) {
                reader.error(garp->get("repeat"), "garp.repeat", "must be between 0 and 100");
            } else {
                config.garp.repeat = static_cast<int>(*repeat);
            }
        }
        if (auto interval = reader.duration_ms(*garp, "interval_ms", kGarpIntervalBounds)) {
            config.garp.interval_ns = *interval;
        }
        if (auto refresh = reader.duration_ms(*garp, "refresh_interval_ms", kGarpRefreshBounds)) {
            config.garp.refresh_interval_ns = *refresh;
        }
        if (auto reply = reader.get<bool>(*garp, "reply_form", "garp.reply_form")) {
            config.garp.also_reply_form = *reply;
        }
        if (auto rate = reader.get<std::int64_t>(*garp, "frames_per_second", "garp.frames_per_second")) {
            config.garp.frames_per_second = *rate;  // bounds: validate()
        }
    }
    if (const toml::table* probe = table["probe"].as_table()) {
        reader.reject_unknown(*probe, {"addresses_per_period"}, "probe.");
        if (auto sample = reader.get<std::int64_t>(*probe, "addresses_per_period", "probe.addresses_per_period")) {
            config.probe.addresses_per_period = *sample;  // bounds: validate()
        }
    }

    parse_checks(reader, table, config);

    if (result.errors.empty() && check) {
        result.errors = validate(config);
    }
    if (result.errors.empty()) {
        result.config = config;
    }
    return result;
}

namespace {
constexpr std::size_t kMaximumConfigBytes = std::size_t{1024} * 1024;

}  // namespace

std::string detail::bounds_message(const DurationBounds& bounds) {
    return "must be between " + format(bounds.minimum_ms) + " and " + format(bounds.maximum_ms) + " ms";
}

std::optional<std::string> detail::read_bounded_file(const std::string& path, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        error = path + ": cannot read the configuration file (" + std::strerror(errno) + ")";
        return std::nullopt;
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        error = path + ": cannot read the configuration file (not a regular file)";
        return std::nullopt;
    }
    if (static_cast<std::size_t>(info.st_size) > kMaximumConfigBytes) {
        ::close(fd);
        error = path + ": the configuration file is " + std::to_string(info.st_size) + " bytes; at most " +
                std::to_string(kMaximumConfigBytes) + " are read";
        return std::nullopt;
    }
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            error = path + ": cannot read the configuration file (" + std::strerror(errno) + ")";
            ::close(fd);
            return std::nullopt;
        }
        if (got == 0 || text.size() > kMaximumConfigBytes) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(fd);
    return text;
}

ConfigResult load_config_file(const std::string& path, bool check) {
    std::string error;
    auto text = detail::read_bounded_file(path, error);
    if (!text) {
        ConfigResult result;
        result.errors.push_back(error);
        return result;
    }
    return parse_config_toml(*text, path, check);
}

}  // namespace fo::daemon
