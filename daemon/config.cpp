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

namespace fo::daemon {

namespace {

constexpr std::int64_t kMs = 1'000'000;

std::string format(double value) {
    char text[32];
    std::snprintf(text, sizeof text, value == std::floor(value) ? "%.0f" : "%g", value);
    return text;
}

std::string bounds_message(const DurationBounds& bounds) {
    return "must be between " + format(bounds.minimum_ms) + " and " + format(bounds.maximum_ms) + " ms";
}

class Reader {
  public:
    Reader(const toml::table& table, std::string source, std::vector<std::string>& errors,
           std::map<std::string, std::string>& origins)
        : table_(table), source_(std::move(source)), errors_(errors), origins_(origins) {}

    /// Remembers where `key` was set, for validate()'s messages.
    void note(const toml::node* node, const std::string& key) {
        const auto line = node != nullptr ? node->source().begin.line : 0;
        origins_[key] = source_ + (line != 0 ? ":" + std::to_string(line) : std::string());
    }

    void error(const toml::node* node, const std::string& key, const std::string& message) {
        const auto line = node != nullptr ? node->source().begin.line : 0;
        errors_.push_back(source_ + (line != 0 ? ":" + std::to_string(line) : std::string()) + ": key '" + key +
                          "': " + message);
    }

    template <typename T>
    std::optional<T> get(const toml::table& table, const std::string& key, const std::string& path) {
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        note(node, path);
        if (auto value = node->value<T>()) {
            return value;
        }
        error(node, path, std::string("has the wrong type (expected ") + type_name<T>() + ")");
        return std::nullopt;
    }

    /// A duration in milliseconds: a finite number within its bounds (so the
    /// conversion to nanoseconds is always defined).
    std::optional<std::int64_t> duration_ms(const toml::table& table, const std::string& key,
                                            const DurationBounds& bounds) {
        const std::string path = bounds.key;
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        note(node, path);
        std::optional<double> value = node->value<double>();
        if (!value) {
            error(node, path, "must be a number of milliseconds");
            return std::nullopt;
        }
        if (!std::isfinite(*value)) {
            error(node, path, "must be a finite number of milliseconds (not nan or inf)");
            return std::nullopt;
        }
        if (*value < bounds.minimum_ms || *value > bounds.maximum_ms) {
            error(node, path, bounds_message(bounds));
            return std::nullopt;
        }
        return static_cast<std::int64_t>(std::llround(*value * kMs));
    }

    /// Reports every key of `table` not in `known`.
    void reject_unknown(const toml::table& table, std::initializer_list<std::string_view> known,
                        const std::string& prefix) {
        for (const auto& [key, node] : table) {
            if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
                error(&node, prefix + std::string(key.str()), "unknown key");
            }
        }
    }

    const toml::table& table() const { return table_; }

  private:
    template <typename T>
    static const char* type_name() {
        if constexpr (std::is_same_v<T, std::string>) {
            return "a string";
        } else if constexpr (std::is_same_v<T, bool>) {
            return "true or false";
        } else {
            return "a number";
        }
    }

    const toml::table& table_;
    std::string source_;
    std::vector<std::string>& errors_;
    std::map<std::string, std::string>& origins_;
};

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
                                                    {"failback", true},
                                                    {"failback_hold_down_ms", true},
                                                    {"status_socket", true},
                                                    {"control_group", true},
                                                    {"realtime", true},
                                                    {"link", true},
                                                    {"address", true},
                                                    {"garp", true}};

std::optional<std::pair<wire::Ipv4Address, int>> parse_cidr(const std::string& text) {
    const auto slash = text.find('/');
    const auto ip = wire::Ipv4Address::parse(text.substr(0, slash));
    if (!ip || slash == std::string::npos) {
        return std::nullopt;
    }
    int prefix = 32;
    {
        try {
            std::size_t used = 0;
            prefix = std::stoi(text.substr(slash + 1), &used);
            if (used != text.size() - slash - 1 || prefix < 1 || prefix > 32) {
                return std::nullopt;
            }
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return std::make_pair(*ip, prefix);
}

}  // namespace

wire::KeyringLoadResult load_keyring(const Config& config, wire::KeyFilePolicy policy) {
    wire::KeyringLoadResult result;
    const auto origin = [&config](const std::string& key) {
        const auto found = config.origins.find(key);
        return (found != config.origins.end() ? found->second : config.source) + ": key '" + key + "': ";
    };
    if (!config.auth_key_dir.empty()) {
        result = wire::Keyring::load_directory(config.auth_key_dir, config.auth_send_key_id.value_or(0), policy);
        if (!result.keyring) {
            result.error = origin("auth_key_dir") + result.error;
        }
    } else if (!config.auth_key_file.empty()) {
        auto loaded = wire::AuthKey::load_file(config.auth_key_file, policy);
        if (loaded.key) {
            result.keyring = wire::Keyring::single(std::move(*loaded.key));
        } else {
            result.error = origin("auth_key_file") + loaded.error;
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
            if (!parsed && wire::Ipv4Address::parse(*cidr)) {
                reader.error(entry->get("address"), path + ".address",
                             "'" + *cidr + "' has no /PREFIX (write it as ADDRESS/PREFIX, e.g. " + *cidr + "/24)");
                continue;
            }
            if (!parsed) {
                reader.error(entry->get("address"), path + ".address", "'" + *cidr + "' is not ADDRESS/PREFIX");
                continue;
            }
            config.addresses.push_back(takeover::ServiceAddress{*interface, parsed->first, parsed->second});
        }
    }

    if (const toml::table* garp = table["garp"].as_table()) {
        reader.reject_unknown(*garp, {"repeat", "interval_ms", "refresh_interval_ms", "reply_form"}, "garp.");
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
    }

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

/// A configuration file: a regular file of bounded size, opened without
/// blocking (a FIFO or a device is an error, not a hang).
std::optional<std::string> read_bounded_file(const std::string& path, std::string& error) {
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
}  // namespace

ConfigResult load_config_file(const std::string& path, bool check) {
    std::string error;
    auto text = read_bounded_file(path, error);
    if (!text) {
        ConfigResult result;
        result.errors.push_back(error);
        return result;
    }
    return parse_config_toml(*text, path, check);
}

}  // namespace fo::daemon

namespace fo::daemon {

namespace {

bool is_interface_name(const std::string& name) {
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

bool is_multicast_or_reserved(wire::Ipv4Address address) {
    return (address.value >> 28U) >= 0xEU;  // 224.0.0.0/4 multicast, 240.0.0.0/4 reserved and 255.255.255.255
}
bool is_loopback(wire::Ipv4Address address) {
    return (address.value >> 24U) == 127U;
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
            error(bounds.key, bounds_message(bounds));
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
        if (!is_interface_name(name)) {
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
    for (std::size_t i = 0; i < config.addresses.size(); ++i) {
        const takeover::ServiceAddress& address = config.addresses[i];
        const std::string path = "address[" + std::to_string(i) + "]";
        check_interface(path + ".interface", address.interface);
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
    return errors;
}

}  // namespace fo::daemon

namespace fo::daemon {

namespace {
struct HostconfigLine {
    std::string value;
    std::size_t line = 0;
};

std::vector<std::string> split_words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string word; in >> word;) {
        words.push_back(word);
    }
    return words;
}

bool contains(const HostInterface& interface, wire::Ipv4Address address) {
    const std::uint32_t mask =
        interface.prefix_length == 0 ? 0 : ~std::uint32_t{0} << static_cast<unsigned>(32 - interface.prefix_length);
    return (interface.address.value & mask) == (address.value & mask);
}
}  // namespace

ConfigResult parse_hostconfig(const std::string& text, const std::string& source, const std::string& interface_map,
                              const std::vector<HostInterface>& interfaces) {
    ConfigResult result;
    std::map<std::string, HostconfigLine> keys;
    std::istringstream in(text);
    std::size_t number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        const auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#') {
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string::npos) {
            continue;  // not a KEY=VALUE line; hostconfig holds other things too
        }
        std::string key = line.substr(start, equals - start);
        std::string value = line.substr(equals + 1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        keys[key] = HostconfigLine{value, number};
    }
    std::map<std::string, std::string> renames;
    {
        std::string map_text = interface_map;
        std::replace(map_text.begin(), map_text.end(), ',', ' ');
        for (const std::string& pair : split_words(map_text)) {
            const auto equals = pair.find('=');
            if (equals == std::string::npos || !is_interface_name(pair.substr(0, equals)) ||
                !is_interface_name(pair.substr(equals + 1))) {
                result.errors.push_back("--interface-map: '" + pair +
                                        "' is not HOSTCONFIG_NAME=INTERFACE (en0=eth0), each a plain interface name");
                continue;
            }
            renames[pair.substr(0, equals)] = pair.substr(equals + 1);
        }
    }
    const auto error = [&](const std::string& key, const std::string& message) {
        const auto found = keys.find(key);
        const std::size_t line = found != keys.end() ? found->second.line : 0;
        result.errors.push_back(source + ":" + std::to_string(line) + ": key '" + key + "': " + message);
    };
    const auto interface_reaching = [&](wire::Ipv4Address address) -> const HostInterface* {
        for (const HostInterface& interface : interfaces) {
            if (contains(interface, address)) {
                return &interface;
            }
        }
        return nullptr;
    };

    Config config;
    config.source = source;
    const auto origin = [&](const std::string& key) {
        const auto found = keys.find(key);
        return source + ":" + std::to_string(found != keys.end() ? found->second.line : 0) + " (" + key + ")";
    };
    if (auto mail = keys.find("FAILOVER_EMAIL_RECIPIENT"); mail != keys.end()) {
        config.mail_recipient = mail->second.value;
        config.origins["mail_recipient"] = origin("FAILOVER_EMAIL_RECIPIENT");
    }
    const bool has_pairs = keys.count("FAILOVER_PEER_IP_PAIRS") != 0;
    const bool has_broadcast = keys.count("FAILOVER_BCAST_IPS") != 0;
    if (has_pairs && has_broadcast) {
        error("FAILOVER_BCAST_IPS",
              "FAILOVER_PEER_IP_PAIRS (a secondary) and FAILOVER_BCAST_IPS (a primary) are both set: keep one");
        return result;
    }
    if (auto pairs = keys.find("FAILOVER_PEER_IP_PAIRS"); pairs != keys.end()) {
        config.role = wire::Role::secondary;
        if (split_words(pairs->second.value).empty()) {
            error("FAILOVER_PEER_IP_PAIRS", "is empty: give INTERFACE:ADDRESS pairs (en0:192.168.254.165)");
        }
        for (const std::string& pair : split_words(pairs->second.value)) {
            const auto colon = pair.find(':');
            const auto ip =
                colon == std::string::npos ? std::nullopt : wire::Ipv4Address::parse(pair.substr(colon + 1));
            if (!ip) {
                error("FAILOVER_PEER_IP_PAIRS", "'" + pair + "' is not INTERFACE:ADDRESS (en0:192.168.254.165)");
                continue;
            }
            std::string interface = pair.substr(0, colon);
            if (auto renamed = renames.find(interface); renamed != renames.end()) {
                interface = renamed->second;
            }
            if (!is_interface_name(interface)) {
                error("FAILOVER_PEER_IP_PAIRS",
                      "'" + pair + "': '" + interface + "' is not an interface name (1 to 15 characters, no '/')");
                continue;
            }
            config.origins["link[" + std::to_string(config.links.size()) + "]"] = origin("FAILOVER_PEER_IP_PAIRS");
            config.origins["address[" + std::to_string(config.addresses.size()) + "]"] =
                origin("FAILOVER_PEER_IP_PAIRS");
            int prefix = 24;
            for (const HostInterface& local : interfaces) {
                if (local.name == interface) {
                    prefix = local.prefix_length;
                }
            }
            config.addresses.push_back(takeover::ServiceAddress{interface, *ip, prefix});
            config.links.push_back(LinkConfig{interface, *ip, false});
        }
        auto peer = keys.find("FAILOVER_PEER_IP");
        if (peer == keys.end()) {
            error("FAILOVER_PEER_IP", "is required with FAILOVER_PEER_IP_PAIRS (the primary's private-link address)");
        } else if (auto ip = wire::Ipv4Address::parse(peer->second.value)) {
            if (const HostInterface* local = interface_reaching(*ip)) {
                config.origins["link[" + std::to_string(config.links.size()) + "]"] = origin("FAILOVER_PEER_IP");
                config.links.push_back(LinkConfig{local->name, *ip, false});
            } else {
                error("FAILOVER_PEER_IP", peer->second.value + " is on no subnet of this host's interfaces");
            }
        } else {
            error("FAILOVER_PEER_IP", "'" + peer->second.value + "' is not an IPv4 address");
        }
    } else if (auto broadcast = keys.find("FAILOVER_BCAST_IPS"); broadcast != keys.end()) {
        config.role = wire::Role::primary;
        if (split_words(broadcast->second.value).empty()) {
            error("FAILOVER_BCAST_IPS", "is empty: give the broadcast or peer address of each link");
        }
        for (const std::string& word : split_words(broadcast->second.value)) {
            const auto ip = wire::Ipv4Address::parse(word);
            if (!ip) {
                error("FAILOVER_BCAST_IPS", "'" + word + "' is not an IPv4 address");
                continue;
            }
            const HostInterface* local = interface_reaching(*ip);
            if (local == nullptr) {
                error("FAILOVER_BCAST_IPS", word + " is on no subnet of this host's interfaces");
                continue;
            }
            config.origins["link[" + std::to_string(config.links.size()) + "]"] = origin("FAILOVER_BCAST_IPS");
            config.links.push_back(LinkConfig{local->name, *ip, (ip->value & 0xFFU) == 0xFFU});
        }
        // Apple's model: the service address is the primary's own address on
        // its public link (the first of FAILOVER_BCAST_IPS), the one the
        // secondary names in FAILOVER_PEER_IP_PAIRS. Managing it is what lets a
        // returning primary wait for the secondary instead of colliding.
        if (!config.links.empty()) {
            for (const HostInterface& local : interfaces) {
                if (local.name == config.links.front().interface) {
                    config.origins["address[0]"] = origin("FAILOVER_BCAST_IPS");
                    config.addresses.push_back(
                        takeover::ServiceAddress{local.name, local.address, local.prefix_length});
                    break;
                }
            }
        }
    } else {
        result.errors.push_back(source +
                                ": neither FAILOVER_PEER_IP_PAIRS (secondary) nor FAILOVER_BCAST_IPS "
                                "(primary) is set");
    }
    if (result.errors.empty()) {
        result.config = config;
    }
    return result;
}

ConfigResult load_hostconfig_file(const std::string& path, const std::string& interface_map,
                                  const std::vector<HostInterface>& interfaces) {
    std::string error;
    auto text = read_bounded_file(path, error);
    if (!text) {
        ConfigResult result;
        result.errors.push_back(error);
        return result;
    }
    return parse_hostconfig(*text, path, interface_map, interfaces);
}

}  // namespace fo::daemon
