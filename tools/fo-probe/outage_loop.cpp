#include "outage_loop.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "fo/runtime/clock.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/runtime/log.hpp"

namespace fo::probe {

namespace {
constexpr int kPacketsPerRead = 512;
constexpr double kUntilRecoveredLimitS = 300;  // --until-recovered without --duration
constexpr std::int64_t kRecoveryCheckNs = 50'000'000;
}  // namespace

int open_probe_socket(int family, int type, int protocol, const std::string& interface, const std::string& what) {
    const int fd = socket(family, type | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
        throw std::runtime_error(what + ": " + std::strerror(errno));
    }
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), static_cast<socklen_t>(interface.size())) != 0) {
        const std::string error = std::strerror(errno);
        close(fd);
        throw std::runtime_error("cannot bind to " + interface + ": " + error);
    }
    return fd;
}

std::uint16_t bind_ephemeral_port(int fd, int family) {
    sockaddr_storage local{};
    local.ss_family = static_cast<sa_family_t>(family);
    socklen_t length = family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), length) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        const std::string error = std::strerror(errno);
        close(fd);
        throw std::runtime_error("cannot bind the UDP probe socket: " + error);
    }
    return ntohs(family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(local).sin6_port
                                    : reinterpret_cast<const sockaddr_in&>(local).sin_port);
}

void run_probe_loop(capture::PacketSource& source, capture::PacketHandler& handler, const OutageOptions& options,
                    std::int64_t period_ns, OutageAnalyzer& analyzer, const std::function<void(std::uint64_t)>& send) {
    runtime::EventLoop loop;
    std::uint64_t next_index = 1;
    bool stopping = false;
    const auto drain = [&] {
        int count = 0;
        for (int round = 0; round < 64; ++round) {
            if (source.read_waiting(handler, kPacketsPerRead, count) != capture::PacketSource::ReadStatus::ok ||
                count < kPacketsPerRead) {
                break;
            }
        }
    };
    loop.watch_readable(source.selectable_fd(), drain);
    const auto stop_after_grace = [&] {
        if (stopping) {
            return;
        }
        stopping = true;
        loop.add_timer(kReplyGraceNs, 0, [&](std::uint64_t) { loop.stop(); });
    };
    loop.add_timer(0, period_ns, [&](std::uint64_t) {
        if (stopping) {
            return;
        }
        const std::uint64_t index = next_index++;
        analyzer.on_probe_sent(index, runtime::realtime_ns());
        send(index);
    });
    const double limit_s =
        options.duration_s > 0 ? options.duration_s : (options.until_recovered ? kUntilRecoveredLimitS : 0);
    if (limit_s > 0) {
        loop.add_timer(static_cast<std::int64_t>(limit_s * 1e9), 0, [&](std::uint64_t) { stop_after_grace(); });
    }
    if (options.until_recovered) {
        const auto streak =
            std::max<std::uint64_t>(static_cast<std::uint64_t>(options.recovered_after_s * options.rate_hz), 1);
        loop.add_timer(kRecoveryCheckNs, kRecoveryCheckNs, [&, streak](std::uint64_t) {
            if (analyzer.recovered(streak, runtime::realtime_ns() - kReplyGraceNs)) {
                stop_after_grace();
            }
        });
    }
    loop.on_signal(SIGINT, stop_after_grace);
    loop.on_signal(SIGTERM, stop_after_grace);
    runtime::log_info("probing " + options.target + " on " + options.interface + " at " +
                      std::to_string(static_cast<int>(options.rate_hz)) + "/s");
    loop.run();
    drain();
}

int print_outage_report(const OutageAnalyzer& analyzer, const OutageOptions& options) {
    // Probes of the last grace period may still have been answered after we
    // stopped listening; judge only those sent before it.
    const std::int64_t settle_from_ns = runtime::realtime_ns() - kReplyGraceNs;
    const OutageReport report = analyzer.report(settle_from_ns);
    if (options.json) {
        std::cout << outage_report_json(report, options).dump(2) << std::endl;
    } else {
        std::cout << outage_report_text(report) << std::flush;
    }
    if (!options.plot_file.empty() && !write_outage_plot(report, analyzer.timeline(settle_from_ns), options)) {
        return 1;
    }
    return 0;
}

}  // namespace fo::probe
