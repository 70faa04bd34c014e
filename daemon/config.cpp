#include "fo/daemon/config.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <toml++/toml.h>

namespace fo::daemon {

namespace {

constexpr std::int64_t kMs = 1'000'000;

class Reader {
  public:
    Reader(const toml::table& table, std::string source, std::vector<std::string>& errors)
        : table_(table), source_(std::move(source)), errors_(errors) {}

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
        if (auto value = node->value<T>()) {
            return value;
        }
        error(node, path, std::string("has the wrong type (expected ") + type_name<T>() + ")");
        return std::nullopt;
    }

    std::optional<std::int64_t> duration_ms(const toml::table& table, const std::string& key, double minimum_ms,
                                            double maximum_ms, const std::string& path) {
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        std::optional<double> value = node->value<double>();
        if (!value) {
            error(node, path, "must be a number of milliseconds");
            return std::nullopt;
        }
        if (*value < minimum_ms || *value > maximum_ms) {
            error(node, path, "must be between " + format(minimum_ms) + " and " + format(maximum_ms) + " ms");
            return std::nullopt;
        }
        return static_cast<std::int64_t>(*value * kMs);
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
    static std::string format(double value) {
        std::ostringstream out;
        out << value;
        return out.str();
    }

    const toml::table& table_;
    std::string source_;
    std::vector<std::string>& errors_;
};

const std::map<std::string, bool> kKnownTopLevel = {{"role", true},
                                                    {"node_id", true},
                                                    {"interval_ms", true},
                                                    {"miss_count", true},
                                                    {"initial_dead_time_ms", true},
                                                    {"port", true},
                                                    {"auth_key_file", true},
                                                    {"auth", true},
                                                    {"hooks_dir", true},
                                                    {"hook_timeout_ms", true},
                                                    {"mail_recipient", true},
                                                    {"sendmail", true},
                                                    {"failback", true},
                                                    {"failback_hold_down_ms", true},
                                                    {"status_socket", true},
                                                    {"realtime", true},
                                                    {"link", true},
                                                    {"address", true},
                                                    {"garp", true}};

std::optional<std::pair<wire::Ipv4Address, int>> parse_cidr(const std::string& text) {
    const auto slash = text.find('/');
    const auto ip = wire::Ipv4Address::parse(text.substr(0, slash));
    if (!ip) {
        return std::nullopt;
    }
    int prefix = 32;
    if (slash != std::string::npos) {
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

std::string to_string(FailbackPolicy policy) {
    return policy == FailbackPolicy::automatic ? "automatic" : "manual";
}

ConfigResult parse_config_toml(const std::string& text, const std::string& source) {
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
    Reader reader(table, source, result.errors);

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
    if (auto interval = reader.duration_ms(table, "interval_ms", 1, 60'000, "interval_ms")) {
        config.interval_ns = *interval;
    }
    if (auto miss = reader.get<std::int64_t>(table, "miss_count", "miss_count")) {
        if (*miss < 1 || *miss > 255) {
            reader.error(table.get("miss_count"), "miss_count", "must be between 1 and 255");
        } else {
            config.miss_count = static_cast<std::uint32_t>(*miss);
        }
    }
    if (auto dead = reader.duration_ms(table, "initial_dead_time_ms", 0, 3'600'000, "initial_dead_time_ms")) {
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
    if (auto auth = reader.get<std::string>(table, "auth", "auth")) {
        if (*auth == "none") {
            config.no_auth = true;
        } else if (*auth != "hmac-sha256") {
            reader.error(table.get("auth"), "auth", "must be \"hmac-sha256\" or \"none\"");
        }
    }
    if (config.auth_key_file.empty() && !config.no_auth) {
        reader.error(nullptr, "auth_key_file", "is required (or set auth = \"none\" to run without authentication)");
    }
    if (auto hooks = reader.get<std::string>(table, "hooks_dir", "hooks_dir")) {
        config.hooks_dir = *hooks;
    }
    if (auto timeout = reader.duration_ms(table, "hook_timeout_ms", 1, 3'600'000, "hook_timeout_ms")) {
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
    if (auto hold = reader.duration_ms(table, "failback_hold_down_ms", 0, 86'400'000, "failback_hold_down_ms")) {
        config.failback_hold_down_ns = *hold;
    }
    if (auto socket = reader.get<std::string>(table, "status_socket", "status_socket")) {
        config.status_socket = *socket;
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
            auto interface = reader.get<std::string>(*entry, "interface", path + ".interface");
            auto cidr = reader.get<std::string>(*entry, "address", path + ".address");
            if (!interface || !cidr) {
                reader.error(entry, path, "needs interface and address (\"198.51.100.10/24\")");
                continue;
            }
            auto parsed = parse_cidr(*cidr);
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
        if (auto interval = reader.duration_ms(*garp, "interval_ms", 1, 60'000, "garp.interval_ms")) {
            config.garp.interval_ns = *interval;
        }
        if (auto refresh =
                reader.duration_ms(*garp, "refresh_interval_ms", 0, 86'400'000, "garp.refresh_interval_ms")) {
            config.garp.refresh_interval_ns = *refresh;
        }
        if (auto reply = reader.get<bool>(*garp, "reply_form", "garp.reply_form")) {
            config.garp.also_reply_form = *reply;
        }
    }

    if (result.errors.empty()) {
        result.config = config;
    }
    return result;
}

ConfigResult load_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        ConfigResult result;
        result.errors.push_back(path + ": cannot read the configuration file");
        return result;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_config_toml(text.str(), path);
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
            if (equals != std::string::npos) {
                renames[pair.substr(0, equals)] = pair.substr(equals + 1);
            }
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
    if (auto mail = keys.find("FAILOVER_EMAIL_RECIPIENT"); mail != keys.end()) {
        config.mail_recipient = mail->second.value;
    }
    if (auto pairs = keys.find("FAILOVER_PEER_IP_PAIRS"); pairs != keys.end()) {
        config.role = wire::Role::secondary;
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
                config.links.push_back(LinkConfig{local->name, *ip, false});
            } else {
                error("FAILOVER_PEER_IP", peer->second.value + " is on no subnet of this host's interfaces");
            }
        } else {
            error("FAILOVER_PEER_IP", "'" + peer->second.value + "' is not an IPv4 address");
        }
    } else if (auto broadcast = keys.find("FAILOVER_BCAST_IPS"); broadcast != keys.end()) {
        config.role = wire::Role::primary;
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
            config.links.push_back(LinkConfig{local->name, *ip, (ip->value & 0xFFU) == 0xFFU});
        }
        // Apple's model: the service address is the primary's own address on
        // its public link (the first of FAILOVER_BCAST_IPS), the one the
        // secondary names in FAILOVER_PEER_IP_PAIRS. Managing it is what lets a
        // returning primary wait for the secondary instead of colliding.
        if (!config.links.empty()) {
            for (const HostInterface& local : interfaces) {
                if (local.name == config.links.front().interface) {
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

}  // namespace fo::daemon
