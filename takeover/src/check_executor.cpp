#include "fo/takeover/check_executor.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "fo/takeover/hook_runner.hpp"

namespace fo::takeover {

namespace {
constexpr std::int64_t kKillGraceNs = 1'000'000'000;  // TERM -> KILL, as the hook runner
constexpr std::int64_t kExitPollNs = 10'000'000;      // without pidfd_open (kernel < 5.3)
}  // namespace

LoopCheckExecutor::LoopCheckExecutor(runtime::EventLoop& loop, LogLine log) : loop_(loop), log_(std::move(log)) {}

LoopCheckExecutor::~LoopCheckExecutor() {
    for (auto& [index, run] : runs_) {
        if (run.pid > 0) {
            ::kill(-run.pid, SIGKILL);
            ::waitpid(run.pid, nullptr, 0);  // KILL cannot be ignored: ends at once
        }
        release(run);
    }
}

void LoopCheckExecutor::release(Run& run) {
    for (int* fd : {&run.pidfd, &run.socket_poll, &run.socket}) {
        if (*fd >= 0) {
            if (fd != &run.socket) {
                loop_.unwatch(*fd);
            }
            ::close(*fd);
            *fd = -1;
        }
    }
    if (run.timer >= 0) {
        loop_.cancel_timer(run.timer);
        run.timer = -1;
    }
}

void LoopCheckExecutor::start(std::size_t index, const CheckConfig& check, Done done) {
    if (runs_.count(index) != 0) {
        done(CheckOutcome{false, "still running"});
        return;
    }
    Run& run = runs_[index];
    run.done = std::move(done);
    run.timeout_ns = check.timeout_ns;
    if (check.kind == CheckConfig::Kind::tcp) {
        start_tcp(index, check, run);
    } else {
        start_command(index, check, run);
    }
}

void LoopCheckExecutor::finish(std::size_t index, CheckOutcome outcome) {
    auto found = runs_.find(index);
    if (found == runs_.end()) {
        return;
    }
    Done done = std::move(found->second.done);
    release(found->second);
    runs_.erase(found);
    if (done) {
        done(std::move(outcome));  // last: it may start the next run
    }
}

void LoopCheckExecutor::start_command(std::size_t index, const CheckConfig& check, Run& run) {
    if (check.command.empty()) {
        finish(index, CheckOutcome{false, "no command"});
        return;
    }
    if (auto why = hook_insecurity(check.command[0])) {
        log_("check " + check.name + ": refused: " + *why);
        finish(index, CheckOutcome{false, "refused: " + *why});
        return;
    }
    std::vector<std::string> storage = check.command;
    std::vector<char*> argv;
    for (auto& word : storage) {
        argv.push_back(word.data());
    }
    argv.push_back(nullptr);
    // posix_spawn (vfork and exec): no copy of the daemon's page tables, so
    // a check every few milliseconds costs the loop little; the child gets
    // its own process group (TERM/KILL reach its children), an empty signal
    // mask (the daemon blocks signals for signalfd), /dev/null as stdin,
    // stdout and stderr, and no other descriptor of ours.
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_USEVFORK);
    pid_t child = -1;
    const int spawned = ::posix_spawn(&child, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawned != 0) {
        finish(index, CheckOutcome{false, "cannot run " + check.command[0] + ": " + std::strerror(spawned)});
        return;
    }
    run.pid = child;
    run.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    if (run.pidfd >= 0) {
        loop_.watch_readable(run.pidfd, [this, index] { check_exit(index); });
        run.timer = loop_.add_timer(check.timeout_ns, 0,
                                    [this, index](std::uint64_t expirations) { on_command_timer(index, expirations); });
    } else {
        run.timer = loop_.add_timer(kExitPollNs, kExitPollNs,
                                    [this, index](std::uint64_t expirations) { on_command_timer(index, expirations); });
    }
}

void LoopCheckExecutor::on_command_timer(std::size_t index, std::uint64_t expirations) {
    auto found = runs_.find(index);
    if (found == runs_.end()) {
        return;
    }
    Run& run = found->second;
    if (run.pidfd < 0) {  // polling: exit first, then the deadlines by the time waited
        run.waited_ns += static_cast<std::int64_t>(expirations) * kExitPollNs;
        check_exit(index);
        if (runs_.count(index) == 0) {
            return;
        }
        const std::int64_t deadline = run.killing ? run.timeout_ns + kKillGraceNs : run.timeout_ns;
        if (run.waited_ns < deadline) {
            return;
        }
    }
    if (!run.killing) {
        run.killing = true;
        ::kill(-run.pid, SIGTERM);
        if (run.pidfd >= 0) {
            loop_.rearm_timer(run.timer, kKillGraceNs, 0);
        }
        return;
    }
    ::kill(-run.pid, SIGKILL);
}

void LoopCheckExecutor::check_exit(std::size_t index) {
    auto found = runs_.find(index);
    if (found == runs_.end()) {
        return;
    }
    Run& run = found->second;
    int status = 0;
    if (::waitpid(run.pid, &status, WNOHANG) != run.pid) {
        return;
    }
    const bool timed_out = run.killing;
    if (timed_out) {
        ::kill(-run.pid, SIGKILL);  // anything the check left behind in its group
    }
    run.pid = -1;
    if (timed_out) {
        finish(index, CheckOutcome{false, "timed out"});
    } else if (WIFEXITED(status)) {
        finish(index, CheckOutcome{WEXITSTATUS(status) == 0, "exit " + std::to_string(WEXITSTATUS(status))});
    } else {
        finish(index, CheckOutcome{false, "killed by signal " + std::to_string(WTERMSIG(status))});
    }
}

void LoopCheckExecutor::start_tcp(std::size_t index, const CheckConfig& check, Run& run) {
    run.socket = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (run.socket < 0) {
        finish(index, CheckOutcome{false, std::string("socket: ") + std::strerror(errno)});
        return;
    }
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(check.port);
    peer.sin_addr.s_addr = htonl(check.address.value);
    if (::connect(run.socket, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) == 0) {
        finish(index, CheckOutcome{true, "connected"});
        return;
    }
    if (errno != EINPROGRESS) {
        finish(index, CheckOutcome{false, std::strerror(errno)});
        return;
    }
    // The loop watches readability only; an epoll set of its own, holding the
    // socket for EPOLLOUT, is readable exactly when the connect has finished.
    run.socket_poll = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLOUT;
    if (run.socket_poll < 0 || ::epoll_ctl(run.socket_poll, EPOLL_CTL_ADD, run.socket, &event) != 0) {
        finish(index, CheckOutcome{false, std::string("epoll: ") + std::strerror(errno)});
        return;
    }
    loop_.watch_readable(run.socket_poll, [this, index] { on_connect(index); });
    run.timer = loop_.add_timer(check.timeout_ns, 0, [this, index](std::uint64_t) {
        finish(index, CheckOutcome{false, "timed out"});
    });
}

void LoopCheckExecutor::on_connect(std::size_t index) {
    auto found = runs_.find(index);
    if (found == runs_.end()) {
        return;
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(found->second.socket, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        error = errno;
    }
    finish(index, error == 0 ? CheckOutcome{true, "connected"} : CheckOutcome{false, std::strerror(error)});
}

}  // namespace fo::takeover
