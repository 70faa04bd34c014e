#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <grp.h>
#include <ifaddrs.h>
#include <net/if.h>

#include <csignal>
#include <iostream>

#include "fo/daemon/config.hpp"
#include "fo/daemon/daemon.hpp"
#include "fo/runtime/duration.hpp"
#include "fo/runtime/log.hpp"
#include "fo/version.hpp"
#include "mail_setup.hpp"
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

HostFacts this_host() {
    HostFacts host;
    host.interface_exists = [](const std::string& name) { return if_nametoindex(name.c_str()) != 0; };
    host.group_exists = [](const std::string& name) { return getgrnam(name.c_str()) != nullptr; };
    for (const HostInterface& interface : local_interfaces()) {
        host.own_addresses.push_back(interface.address);
    }
    return host;
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
    std::string control_group;
    app.set_version_flag("--version", version_line(program), "print the version and the protocol version");
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
    app.add_option("--control-group", control_group, "group that may run foctl release besides root");
    app.add_flag("--summary-json", summary_json, "print the final status as JSON on exit");
    CLI11_PARSE(app, argc, argv);

    // One validation path: the file (or hostconfig) is parsed, the flags are
    // applied onto it, and validate() runs once over the result.
    ConfigResult loaded;
    if (!config_path.empty()) {
        loaded = load_config_file(config_path, false);
    } else if (!hostconfig_path.empty()) {
        loaded = load_hostconfig_file(hostconfig_path, interface_map, local_interfaces());
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
    const auto from_flag = [&config](const std::string& key, const std::string& flag) {
        config.origins[key] = "command line (" + flag + ")";
    };
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
            from_flag("link[" + std::to_string(i) + "]", "--interface " + interfaces[i] + " --peer " + peer);
            config.links.push_back(link);
        }
    } else if (!peers.empty()) {
        std::cerr << program << ": --peer needs --interface\n";
        return 2;
    }
    if (!interval.empty()) {
        auto parsed = runtime::parse_duration_ns(interval);
        if (!parsed) {
            std::cerr << program << ": --interval '" << interval << "' is not a duration (e.g. 10ms, 500us, 1s)\n";
            return 2;
        }
        config.interval_ns = *parsed;
        from_flag("interval_ms", "--interval " + interval);
    }
    if (!key_file.empty()) {
        config.auth_key_file = key_file;
        config.auth_key_dir.clear();  // the flag replaces the file's keys
        config.auth_send_key_id.reset();
        config.no_auth = false;
        from_flag("auth_key_file", "--key-file");
    }
    if (no_auth) {
        config.no_auth = true;
        from_flag("auth", "--no-auth");
        if (key_file.empty()) {
            config.auth_key_file.clear();
            config.auth_key_dir.clear();
            config.auth_send_key_id.reset();
        }
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
        from_flag("status_socket", "--status-socket");
    }
    if (!control_group.empty()) {
        config.control_group = control_group;
        from_flag("control_group", "--control-group");
    }
    if (const auto errors = validate(config, this_host()); !errors.empty()) {
        for (const auto& error : errors) {
            std::cerr << program << ": " << error << "\n";
        }
        return 1;
    }
    auto keys = load_keyring(config, wire::KeyFilePolicy::daemon());
    if (!keys.error.empty()) {
        std::cerr << program << ": " << keys.error << "\n";
        return 1;
    }
    if (auto problem = smtp_credentials_problem(config); !problem.empty()) {
        std::cerr << program << ": " << problem << "\n";
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
    return run_daemon(std::move(config), std::move(keys.keyring), config_path, summary_json);
}

}  // namespace fo::daemon
