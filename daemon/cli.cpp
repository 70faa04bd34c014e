#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <ifaddrs.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "fo/daemon/config.hpp"
#include "fo/daemon/daemon.hpp"
#include "fo/runtime/duration.hpp"
#include "fo/runtime/log.hpp"
#include "run_daemon.hpp"

// The command line of heartbeatd and failoverd: flags over the file, then
// the daemon (daemon.cpp).

namespace fo::daemon {

namespace {

using runtime::log_warning;

std::vector<HostInterface> local_interfaces() {
    std::vector<HostInterface> found;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
        return found;
    }
    for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET || entry->ifa_netmask == nullptr) {
            continue;
        }
        const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
        const auto* mask = reinterpret_cast<const sockaddr_in*>(entry->ifa_netmask);
        found.push_back(HostInterface{entry->ifa_name, wire::Ipv4Address{ntohl(address->sin_addr.s_addr)},
                                      __builtin_popcount(mask->sin_addr.s_addr)});
    }
    freeifaddrs(list);
    return found;
}

}  // namespace

int daemon_main(int argc, char** argv, wire::Role default_role) {
    const std::string program = default_role == wire::Role::primary ? "heartbeatd" : "failoverd";
    runtime::set_log_identity(program);
    // A sendmail that exits before reading its message, or a foctl that hangs
    // up, must cost an EPIPE, not the daemon (which would stop beating).
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{program + ": fast IP failover (" + std::string(wire::to_string(default_role)) + ")"};
    std::string config_path;
    std::string hostconfig_path;
    std::string interface_map;
    bool check_only = false;
    std::vector<std::string> interfaces;
    std::vector<std::string> peers;
    std::string interval;
    std::string key_file;
    bool no_auth = false;
    std::uint32_t node_id = 0;
    std::string role;
    std::uint16_t port = 0;
    bool realtime = false;
    bool summary_json = false;
    std::string status_socket;
    app.add_option("-c,--config", config_path, "TOML configuration file");
    app.add_option("--hostconfig", hostconfig_path, "read Apple's /etc/hostconfig FAILOVER_* keys instead");
    app.add_option("--interface-map", interface_map, "rename hostconfig interfaces, e.g. en0=eth0,fw0=eth1");
    app.add_flag("--check-config", check_only, "validate the configuration and exit");
    app.add_option("-i,--interface", interfaces, "link interface (repeat); overrides the file's links");
    app.add_option("-p,--peer", peers, "peer IPv4 or 'broadcast', one or one per --interface");
    app.add_option("--interval", interval, "beat interval, e.g. 1ms, 100ms");
    app.add_option("--key-file", key_file, "file holding the shared HMAC key");
    app.add_flag("--no-auth", no_auth, "run without authentication (logged)");
    app.add_option("--node-id", node_id, "node id (default: from /etc/machine-id)");
    app.add_option("--role", role, "primary or secondary")->check(CLI::IsMember({"primary", "secondary"}));
    app.add_option("--port", port, "UDP port (default 1694)");
    app.add_flag("--realtime", realtime, "SCHED_FIFO and locked memory");
    app.add_option("--status-socket", status_socket, "Unix socket for foctl");
    app.add_flag("--summary-json", summary_json, "print the final status as JSON on exit");
    CLI11_PARSE(app, argc, argv);

    ConfigResult loaded;
    if (!config_path.empty()) {
        loaded = load_config_file(config_path);
    } else if (!hostconfig_path.empty()) {
        std::ifstream in(hostconfig_path);
        if (!in) {
            loaded.errors.push_back(hostconfig_path + ": cannot read the file");
        } else {
            std::stringstream text;
            text << in.rdbuf();
            loaded = parse_hostconfig(text.str(), hostconfig_path, interface_map, local_interfaces());
        }
    } else {
        loaded.config = Config{};
        loaded.config->source = "command line";
        loaded.config->role = default_role;
    }
    if (!loaded.config) {
        for (const auto& error : loaded.errors) {
            std::cerr << program << ": " << error << "\n";
        }
        return 1;
    }
    Config config = *loaded.config;
    if (!interfaces.empty()) {
        if (peers.size() != 1 && peers.size() != interfaces.size()) {
            std::cerr << program << ": --peer: give one peer for all interfaces or one per --interface\n";
            return 2;
        }
        config.links.clear();
        for (std::size_t i = 0; i < interfaces.size(); ++i) {
            const std::string& peer = peers.size() == 1 ? peers[0] : peers[i];
            LinkConfig link{interfaces[i], wire::Ipv4Address{0xFFFFFFFFU}, true};
            if (peer != "broadcast") {
                auto ip = wire::Ipv4Address::parse(peer);
                if (!ip) {
                    std::cerr << program << ": --peer '" << peer << "' is not an IPv4 address or 'broadcast'\n";
                    return 2;
                }
                link = LinkConfig{interfaces[i], *ip, (ip->value & 0xFFU) == 0xFFU};
            }
            config.links.push_back(link);
        }
    }
    if (!interval.empty()) {
        auto parsed = runtime::parse_duration_ns(interval);
        if (!parsed || *parsed < 1'000'000) {
            std::cerr << program << ": --interval '" << interval << "': give at least 1ms\n";
            return 2;
        }
        config.interval_ns = *parsed;
    }
    if (!key_file.empty()) {
        config.auth_key_file = key_file;
        config.no_auth = false;
    }
    if (no_auth) {
        config.no_auth = true;
        config.auth_key_file.clear();
    }
    if (node_id != 0) {
        config.node_id = node_id;
    }
    if (!role.empty()) {
        config.role = role == "primary" ? wire::Role::primary : wire::Role::secondary;
    }
    if (port != 0) {
        config.port = port;
    }
    if (realtime) {
        config.realtime = true;
    }
    if (!status_socket.empty()) {
        config.status_socket = status_socket;
    }
    if (config.links.empty()) {
        std::cerr << program << ": " << config.source << ": no links: give [[link]] entries or --interface/--peer\n";
        return 1;
    }
    std::optional<wire::AuthKey> key;
    if (!config.auth_key_file.empty()) {
        auto loaded_key = wire::AuthKey::load_file(config.auth_key_file);
        if (!loaded_key.key) {
            std::cerr << program << ": " << config.source << ": key 'auth_key_file': " << loaded_key.error << "\n";
            return 1;
        }
        if (!loaded_key.warning.empty()) {
            log_warning(loaded_key.warning);
        }
        key = std::move(loaded_key.key);
    } else if (!config.no_auth) {
        std::cerr << program << ": " << config.source
                  << ": no key: give auth_key_file (or --key-file), or auth = \"none\" (--no-auth)\n";
        return 1;
    }
    if (check_only) {
        std::cout << config.source << ": configuration OK (" << wire::to_string(config.role) << ", "
                  << config.links.size() << " link(s), " << config.addresses.size() << " address(es))\n";
        return 0;
    }
    if (config.no_auth) {
        log_warning("authentication is OFF: anyone on these links can forge beats");
    }
    return run_daemon(std::move(config), std::move(key), config_path, summary_json);
}

}  // namespace fo::daemon
