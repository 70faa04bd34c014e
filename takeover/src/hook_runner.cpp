#include "fo/takeover/hook_runner.hpp"

#include <climits>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

namespace fo::takeover {

namespace {
constexpr std::int64_t kKillGraceNs = 1'000'000'000;  // TERM -> KILL
constexpr std::int64_t kExitPollNs = 10'000'000;      // without pidfd_open (kernel < 5.3)
constexpr int kFallbackDescriptorLimit = 65536;

bool executable_file(const std::filesystem::path& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::string> insecure_entry(const std::string& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
        return "cannot stat " + path;
    }
    if (info.st_uid != 0) {
        return path + " is owned by uid " + std::to_string(info.st_uid) + ", not root";
    }
    const bool sticky_directory = S_ISDIR(info.st_mode) && (info.st_mode & S_ISVTX) != 0;
    if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !sticky_directory) {
        return path + " is writable by " + ((info.st_mode & S_IWOTH) != 0 ? "others" : "group");
    }
    return std::nullopt;
}

/// `path` (resolved) and every directory above it.
std::optional<std::string> insecure_chain(const std::filesystem::path& resolved) {
    for (std::filesystem::path entry = resolved;; entry = entry.parent_path()) {
        if (auto why = insecure_entry(entry.string())) {
            return why;
        }
        if (entry == entry.root_path() || entry.parent_path() == entry) {
            return std::nullopt;
        }
    }
}

std::optional<std::filesystem::path> resolve(const std::filesystem::path& path) {
    char* real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr) {
        return std::nullopt;
    }
    std::filesystem::path out(real);
    std::free(real);  // NOLINT(cppcoreguidelines-no-malloc): realpath allocates with malloc
    return out;
}
}  // namespace

std::optional<std::string> hook_insecurity(const std::string& path) {
    const std::filesystem::path given = std::filesystem::absolute(path);
    // The directories the entry lives in (a symlink's own location counts)...
    const auto folder = resolve(given.parent_path());
    if (!folder) {
        return "cannot resolve " + given.parent_path().string();
    }
    if (auto why = insecure_chain(*folder)) {
        return why;
    }
    // ...and the file it finally is, with every directory above that.
    const auto target = resolve(given);
    if (!target) {
        return "cannot resolve " + given.string();
    }
    return insecure_chain(*target);
}

void close_inherited_descriptors() {
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) == 0) {
        return;
    }
#endif
    rlimit limit{};
    int highest = kFallbackDescriptorLimit;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        highest = static_cast<int>(std::min<rlim_t>(limit.rlim_cur, INT_MAX));
    }
    for (int fd = 3; fd < highest; ++fd) {
        ::close(fd);
    }
}

std::string_view hook_folder(HookPhase phase) {
    switch (phase) {
        case HookPhase::test: return "Test";
        case HookPhase::pre_acquire: return "PreAcq";
        case HookPhase::post_acquire: return "PostAcq";
        case HookPhase::pre_release: return "PreRel";
        case HookPhase::post_release: return "PostRel";
    }
    return "?";
}

DirectoryHookRunner::DirectoryHookRunner(runtime::EventLoop& loop, std::string directory, std::int64_t timeout_ns,
                                         LogLine log)
    : loop_(loop), directory_(std::move(directory)), timeout_ns_(timeout_ns), log_(std::move(log)) {}

DirectoryHookRunner::~DirectoryHookRunner() {
    if (!child_) {
        return;
    }
    ::kill(-child_->pid, SIGKILL);
    ::waitpid(child_->pid, nullptr, 0);  // KILL cannot be ignored: ends at once
    if (child_->pidfd >= 0) {
        loop_.unwatch(child_->pidfd);
        ::close(child_->pidfd);
    }
    if (child_->output >= 0) {
        loop_.unwatch(child_->output);
        ::close(child_->output);
    }
    loop_.cancel_timer(child_->timer);
}

void DirectoryHookRunner::reconfigure(std::string directory, std::int64_t timeout_ns) {
    directory_ = std::move(directory);
    timeout_ns_ = timeout_ns;
}

std::vector<std::string> DirectoryHookRunner::hooks_for(HookPhase phase) const {
    std::vector<std::string> found;
    if (directory_.empty()) {
        return found;
    }
    const std::string name(hook_folder(phase));
    std::error_code error;
    const std::filesystem::path root(directory_);
    const auto collect = [&](const std::filesystem::path& folder, bool by_prefix) {
        for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
            const std::string file = entry.path().filename().string();
            if ((!by_prefix || file.rfind(name, 0) == 0) && executable_file(entry.path())) {
                found.push_back(entry.path().string());
            }
        }
    };
    if (std::filesystem::is_directory(root / name, error)) {
        collect(root / name, false);
    }
    collect(root, true);  // Apple's prefixes: PreAcq*, and a plain file named Test
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
        return std::filesystem::path(a).filename() < std::filesystem::path(b).filename();
    });
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
}

void DirectoryHookRunner::start(HookPhase phase, const std::vector<std::string>& arguments,
                                const std::map<std::string, std::string>& environment, Done done) {
    if (running()) {
        log_("hooks " + std::string(hook_folder(phase)) + ": another phase is running; not started");
        done({});
        return;
    }
    done_ = std::move(done);
    queue_ = hooks_for(phase);
    next_ = 0;
    arguments_ = arguments;
    environment_ = environment;
    results_.clear();
    cancelled_ = false;
    start_next();
}

void DirectoryHookRunner::cancel() {
    if (!running()) {
        return;
    }
    cancelled_ = true;
    if (child_ && !child_->killing) {
        log_("hook " + child_->result.name + ": cancelled, sending TERM");
        child_->result.timed_out = true;
        child_->killing = true;
        ::kill(-child_->pid, SIGTERM);
        loop_.rearm_timer(child_->timer, kKillGraceNs, 0);
    }
}

void DirectoryHookRunner::start_next() {
    while (!child_ && next_ < queue_.size() && !cancelled_) {
        const std::string path = queue_[next_++];
        if (auto why = hook_insecurity(path)) {
            HookResult refused;
            refused.name = std::filesystem::path(path).filename().string();
            refused.exit_code = -1;
            refused.refused = true;
            refused.refusal = *why;
            log_("hook " + refused.name + ": refused: " + *why);
            results_.push_back(refused);
            continue;
        }
        spawn(path);
    }
    if (!child_) {
        complete();
    }
}

void DirectoryHookRunner::complete() {
    Done done = std::move(done_);
    done_ = nullptr;
    std::vector<HookResult> results = std::move(results_);
    results_.clear();
    queue_.clear();
    if (done) {
        done(std::move(results));  // last: it may start the next phase
    }
}

void DirectoryHookRunner::spawn(const std::string& path) {
    HookResult result;
    result.name = std::filesystem::path(path).filename().string();
    std::array<int, 2> output{};
    if (::pipe2(output.data(), O_CLOEXEC) != 0) {
        result.exit_code = -1;
        log_("hook " + result.name + ": pipe failed");
        results_.push_back(result);
        return;
    }
    ::fcntl(output[0], F_SETFL, O_NONBLOCK);
    std::vector<std::string> argv_storage{path};
    argv_storage.insert(argv_storage.end(), arguments_.begin(), arguments_.end());
    std::vector<std::string> env_storage;
    for (char** variable = environ; *variable != nullptr; ++variable) {
        env_storage.emplace_back(*variable);
    }
    for (const auto& [key, value] : environment_) {
        env_storage.push_back(key + "=" + value);
    }
    std::vector<char*> argv;
    std::vector<char*> envp;
    for (auto& text : argv_storage) {
        argv.push_back(text.data());
    }
    for (auto& text : env_storage) {
        envp.push_back(text.data());
    }
    argv.push_back(nullptr);
    envp.push_back(nullptr);

    const pid_t child = ::fork();
    if (child == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);  // the daemon blocks signals for signalfd
        setpgid(0, 0);                             // so TERM/KILL reach the hook's own children
        dup2(output[1], STDOUT_FILENO);
        dup2(output[1], STDERR_FILENO);
        const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        dup2(null_fd, STDIN_FILENO);
        close_inherited_descriptors();
        execve(path.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    ::close(output[1]);
    if (child < 0) {
        ::close(output[0]);
        result.exit_code = -1;
        log_("hook " + result.name + ": fork failed");
        results_.push_back(result);
        return;
    }
    ::setpgid(child, child);  // also here: a TERM before the child ran setpgid must reach it
    Child running;
    running.pid = child;
    running.output = output[0];
    running.result = result;
    running.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    child_ = std::move(running);
    loop_.watch_readable(child_->output, [this] { on_output(); });
    if (child_->pidfd >= 0) {
        loop_.watch_readable(child_->pidfd, [this] { check_exit(); });
    }
    child_->timer = loop_.add_timer(
        child_->pidfd >= 0 ? timeout_ns_ : std::min(timeout_ns_, kExitPollNs), child_->pidfd >= 0 ? 0 : kExitPollNs,
        [this, deadline_ns = timeout_ns_, waited = std::int64_t{0}](std::uint64_t expirations) mutable {
            if (child_ && child_->pidfd < 0) {
                waited += static_cast<std::int64_t>(expirations) * kExitPollNs;
                check_exit();
                if (!child_ || (waited < deadline_ns && !child_->killing)) {
                    return;
                }
                if (child_->killing && waited < deadline_ns + kKillGraceNs) {
                    return;
                }
            }
            on_timer();
        });
}

void DirectoryHookRunner::on_timer() {
    if (!child_) {
        return;
    }
    if (!child_->killing) {
        child_->result.timed_out = true;
        child_->killing = true;
        log_("hook " + child_->result.name + ": timed out, sending TERM");
        ::kill(-child_->pid, SIGTERM);
        if (child_->pidfd >= 0) {
            loop_.rearm_timer(child_->timer, kKillGraceNs, 0);
        }
        return;
    }
    log_("hook " + child_->result.name + ": still running, sending KILL");
    ::kill(-child_->pid, SIGKILL);
}

void DirectoryHookRunner::on_output() {
    read_output(false);
}

void DirectoryHookRunner::read_output(bool at_exit) {
    if (!child_ || child_->output < 0) {
        return;
    }
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t got = ::read(child_->output, buffer.data(), buffer.size());
        if (got > 0) {
            child_->pending.append(buffer.data(), static_cast<std::size_t>(got));
            for (std::size_t newline = child_->pending.find('\n'); newline != std::string::npos;
                 newline = child_->pending.find('\n')) {
                log_("hook " + child_->result.name + ": " + child_->pending.substr(0, newline));
                child_->pending.erase(0, newline + 1);
            }
            continue;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got == 0 || at_exit || (got < 0 && errno != EAGAIN)) {
            // EOF; or the hook ended and what it left running keeps the pipe open.
            loop_.unwatch(child_->output);
            ::close(child_->output);
            child_->output = -1;
        }
        return;
    }
}

void DirectoryHookRunner::check_exit() {
    if (!child_) {
        return;
    }
    int status = 0;
    if (::waitpid(child_->pid, &status, WNOHANG) == child_->pid) {
        end_child(status);
    }
}

void DirectoryHookRunner::end_child(int status) {
    read_output(true);
    if (!child_->pending.empty()) {
        log_("hook " + child_->result.name + ": " + child_->pending);
    }
    if (child_->result.timed_out) {
        ::kill(-child_->pid, SIGKILL);  // anything the hook left behind in its group
    }
    if (child_->pidfd >= 0) {
        loop_.unwatch(child_->pidfd);
        ::close(child_->pidfd);
    }
    loop_.cancel_timer(child_->timer);
    HookResult result = child_->result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    log_("hook " + result.name + ": exit " + std::to_string(result.exit_code) +
         (result.timed_out ? " (timed out)" : ""));
    results_.push_back(result);
    child_.reset();
    start_next();
}

}  // namespace fo::takeover
