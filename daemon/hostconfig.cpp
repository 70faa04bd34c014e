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

// Apple's /etc/hostconfig FAILOVER_* keys.

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
            if (equals == std::string::npos || !detail::is_interface_name(pair.substr(0, equals)) ||
                !detail::is_interface_name(pair.substr(equals + 1))) {
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
            if (!detail::is_interface_name(interface)) {
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
    auto text = detail::read_bounded_file(path, error);
    if (!text) {
        ConfigResult result;
        result.errors.push_back(error);
        return result;
    }
    return parse_hostconfig(*text, path, interface_map, interfaces);
}

}  // namespace fo::daemon
