// foctl: asks a running heartbeatd or failoverd over its Unix socket.
//   foctl [--socket PATH] status [--json]
//   foctl [--socket PATH] release        (manual failback on the secondary)
//   foctl [--socket PATH] events         (every state change as a JSON line, until interrupted)
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
#include <sstream>
#include <string_view>

#include "fo/version.hpp"

namespace {

constexpr std::size_t kMaximumReplyBytes = std::size_t{4} * 1024 * 1024;

int ask(const std::string& socket_path, const std::string& command, std::string& reply) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);  // length checked in main
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
        if (reply.size() > kMaximumReplyBytes) {
            std::cerr << "foctl: the daemon's reply is larger than " << kMaximumReplyBytes << " bytes\n";
            close(fd);
            return 1;
        }
    }
    close(fd);
    if (reply.empty()) {
        std::cerr << "foctl: the daemon at " << socket_path << " closed the connection without a reply\n";
        return 1;
    }
    return 0;
}

/// `foctl events`: the daemon's event stream copied to stdout as it comes,
/// until the daemon closes it (or we are interrupted). No receive timeout:
/// a quiet pair sends nothing for hours.
int stream_events(const std::string& socket_path) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);  // length checked in main
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        std::cerr << "foctl: cannot reach the daemon at " << socket_path << ": " << std::strerror(errno) << "\n";
        if (fd >= 0) {
            close(fd);
        }
        return 1;
    }
    const std::string line = "events\n";
    (void)!write(fd, line.data(), line.size());
    std::string first;  // the first line says "subscribed" or carries an error
    bool subscribed = false;
    char buffer[4096];
    for (ssize_t got = 0; (got = read(fd, buffer, sizeof buffer)) > 0;) {
        std::string_view chunk(buffer, static_cast<std::size_t>(got));
        if (!subscribed) {
            first.append(chunk);
            const auto newline = first.find('\n');
            if (newline == std::string::npos && first.size() < kMaximumReplyBytes) {
                continue;
            }
            const auto reply = nlohmann::json::parse(first.substr(0, newline), nullptr, false);
            if (reply.is_object() && reply.contains("error")) {
                const auto& error = reply["error"];
                std::cerr << "foctl: " << (error.is_string() ? error.get<std::string>() : error.dump()) << "\n";
                close(fd);
                return 1;
            }
            subscribed = true;
            chunk = first;
        }
        for (std::size_t written = 0; written < chunk.size();) {
            const ssize_t wrote = write(STDOUT_FILENO, chunk.data() + written, chunk.size() - written);
            if (wrote <= 0) {
                close(fd);
                return wrote < 0 && errno == EPIPE ? 0 : 1;  // `foctl events | head` ends quietly
            }
            written += static_cast<std::size_t>(wrote);
        }
    }
    close(fd);
    if (!subscribed) {
        std::cerr << "foctl: the daemon at " << socket_path << " closed the connection without a reply\n";
        return 1;
    }
    return 0;
}

std::string rounded(const nlohmann::json& value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value.get<double>());
    return buffer;
}

void print_human(const nlohmann::json& status, std::ostream& out) {
    out << status.at("role").get<std::string>() << " node " << status.at("node_id") << ": "
        << status.at("state").get<std::string>() << (status.at("holding").get<bool>() ? " (holding)" : "") << "\n";
    out << "peer: " << status.at("peer").at("state").get<std::string>() << " ("
        << status.at("peer").at("sender_state").get<std::string>() << ")\n";
    for (const auto& link : status.at("links")) {
        out << "link " << link.at("interface").get<std::string>() << ": " << link.at("state").get<std::string>()
            << ", last beat " << rounded(link.at("last_beat_age_ms")) << " ms ago, interval p50 "
            << rounded(link.at("interval_us").at("p50")) << " us p99 " << rounded(link.at("interval_us").at("p99"))
            << " us, sent " << link.at("beats_sent") << "\n";
    }
    if (const auto auth = status.find("auth"); auth != status.end() && !auth->at("send_key_id").is_null()) {
        out << "keys: accepting " << auth->at("key_ids").dump() << ", sending with " << auth->at("send_key_id")
            << ", peer sends with " << (auth->at("peer_key_id").is_null() ? "-" : auth->at("peer_key_id").dump())
            << "\n";
    } else if (auth != status.end()) {
        out << "keys: none (no authentication)\n";
    }
    if (const auto health = status.find("health"); health != status.end()) {
        for (const auto& check : health->at("checks")) {
            out << "check " << check.at("name").get<std::string>() << ": " << check.at("state").get<std::string>()
                << " (" << check.at("target").get<std::string>() << ": " << check.at("last_result").get<std::string>()
                << ")\n";
        }
        if (!health->at("can_serve").get<bool>()) {
            out << "cannot serve: " << health->at("cannot_serve_reason").get<std::string>() << "\n";
        } else if (!health->value("can_take_over", true)) {
            out << "cannot take over: " << health->at("cannot_take_over_reason").get<std::string>() << "\n";
        }
    }
    out << "addresses held: " << status.at("addresses_held").dump() << "\n";
    out << "counters: " << status.at("counters").dump() << "\n";
    out << "drops: " << status.at("drops").dump() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"foctl: status and control of heartbeatd/failoverd"};
    std::string socket_path = "/run/fastfailover/failoverd.sock";
    bool json = false;
    app.add_option("-s,--socket", socket_path, "the daemon's status socket");
    app.set_version_flag("--version", fo::version_line("foctl"), "print the version and the protocol version");
    app.require_subcommand(1);
    CLI::App* status = app.add_subcommand("status", "role, peer, links, addresses, counters");
    status->add_flag("--json", json, "print the status as JSON");
    CLI::App* release = app.add_subcommand("release", "secondary: hand the addresses back now (manual failback)");
    CLI::App* events = app.add_subcommand(
        "events",
        "every state change (link, peer, role, check, acquire, release, veto, hook, notification) as JSON "
        "lines, until interrupted");
    CLI11_PARSE(app, argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    if (socket_path.empty() || socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
        std::cerr << "foctl: --socket: the path is " << socket_path.size() << " bytes; a Unix socket path holds 1 to "
                  << sizeof(sockaddr_un::sun_path) - 1 << "\n";
        return 2;
    }
    if (events->parsed()) {
        return stream_events(socket_path);
    }
    std::string reply;
    if (ask(socket_path, release->parsed() ? "release" : "status", reply) != 0) {
        return 1;
    }
    const auto parsed = nlohmann::json::parse(reply, nullptr, false);
    if (parsed.is_discarded()) {
        std::cerr << "foctl: the daemon sent something that is not JSON\n";
        return 1;
    }
    if (!parsed.is_object()) {
        std::cerr << "foctl: unexpected reply from the daemon (not a JSON object): " << parsed.dump().substr(0, 200)
                  << "\n";
        return 1;
    }
    if (parsed.contains("error")) {
        const auto& error = parsed["error"];
        std::cerr << "foctl: " << (error.is_string() ? error.get<std::string>() : error.dump()) << "\n";
        return 1;
    }
    if (json) {
        std::cout << parsed.dump(2) << "\n";
        return 0;
    }
    // A daemon of another version, or something else on the socket: a
    // message, never an abort.
    std::ostringstream out;
    try {
        print_human(parsed, out);
    } catch (const nlohmann::json::exception& error) {
        std::cerr << "foctl: unexpected reply from the daemon (" << error.what() << "); try --json\n";
        return 1;
    }
    std::cout << out.str();
    return 0;
}
