// foctl: asks a running heartbeatd or failoverd over its Unix socket.
//   foctl [--socket PATH] status [--json]
//   foctl [--socket PATH] release        (manual failback on the secondary)
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace {

int ask(const std::string& socket_path, const std::string& command, std::string& reply) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        std::cerr << "foctl: cannot reach the daemon at " << socket_path << ": " << std::strerror(errno) << "\n";
        if (fd >= 0) {
            close(fd);
        }
        return 1;
    }
    const std::string line = command + "\n";
    (void)!write(fd, line.data(), line.size());
    char buffer[4096];
    for (ssize_t got = 0; (got = read(fd, buffer, sizeof buffer)) > 0;) {
        reply.append(buffer, static_cast<std::size_t>(got));
    }
    close(fd);
    return reply.empty() ? 1 : 0;
}

std::string rounded(const nlohmann::json& value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value.get<double>());
    return buffer;
}

void print_human(const nlohmann::json& status) {
    std::cout << status["role"].get<std::string>() << " node " << status["node_id"] << ": "
              << status["state"].get<std::string>() << (status["holding"].get<bool>() ? " (holding)" : "") << "\n";
    std::cout << "peer: " << status["peer"]["state"].get<std::string>() << " ("
              << status["peer"]["sender_state"].get<std::string>() << ")\n";
    for (const auto& link : status["links"]) {
        std::cout << "link " << link["interface"].get<std::string>() << ": " << link["state"].get<std::string>()
                  << ", last beat " << rounded(link["last_beat_age_ms"]) << " ms ago, interval p50 "
                  << rounded(link["interval_us"]["p50"]) << " us p99 " << rounded(link["interval_us"]["p99"])
                  << " us, sent " << link["beats_sent"] << "\n";
    }
    std::cout << "addresses held: " << status["addresses_held"].dump() << "\n";
    std::cout << "counters: " << status["counters"].dump() << "\n";
    std::cout << "drops: " << status["drops"].dump() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"foctl: status and control of heartbeatd/failoverd"};
    std::string socket_path = "/run/fastfailover/failoverd.sock";
    bool json = false;
    app.add_option("-s,--socket", socket_path, "the daemon's status socket");
    app.require_subcommand(1);
    CLI::App* status = app.add_subcommand("status", "role, peer, links, addresses, counters");
    status->add_flag("--json", json, "print the status as JSON");
    CLI::App* release = app.add_subcommand("release", "secondary: hand the addresses back now (manual failback)");
    CLI11_PARSE(app, argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    std::string reply;
    if (ask(socket_path, release->parsed() ? "release" : "status", reply) != 0) {
        return 1;
    }
    const auto parsed = nlohmann::json::parse(reply, nullptr, false);
    if (parsed.is_discarded()) {
        std::cerr << "foctl: the daemon sent something that is not JSON\n";
        return 1;
    }
    if (parsed.contains("error")) {
        std::cerr << "foctl: " << parsed["error"].get<std::string>() << "\n";
        return 1;
    }
    if (json) {
        std::cout << parsed.dump(2) << "\n";
    } else {
        print_human(parsed);
    }
    return 0;
}
