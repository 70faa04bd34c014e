#include "fo/takeover/hook_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>

namespace fo::takeover {

namespace {
constexpr std::int64_t kKillGraceNs = 1'000'000'000;  // TERM -> KILL

std::int64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

bool executable_file(const std::filesystem::path& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}
}  // namespace

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

DirectoryHookRunner::DirectoryHookRunner(std::string directory, std::int64_t timeout_ns, LogLine log)
    : directory_(std::move(directory)), timeout_ns_(timeout_ns), log_(std::move(log)) {}

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

std::vector<HookResult> DirectoryHookRunner::run(HookPhase phase, const std::vector<std::string>& arguments,
                                                 const std::map<std::string, std::string>& environment) {
    std::vector<HookResult> results;
    for (const std::string& path : hooks_for(phase)) {
        results.push_back(run_one(path, arguments, environment));
    }
    return results;
}

HookResult DirectoryHookRunner::run_one(const std::string& path, const std::vector<std::string>& arguments,
                                        const std::map<std::string, std::string>& environment) {
    HookResult result;
    result.name = std::filesystem::path(path).filename().string();
    std::array<int, 2> output{};
    if (pipe2(output.data(), O_CLOEXEC) != 0) {
        result.exit_code = -1;
        log_("hook " + result.name + ": pipe failed");
        return result;
    }
    std::vector<std::string> argv_storage{path};
    argv_storage.insert(argv_storage.end(), arguments.begin(), arguments.end());
    std::vector<std::string> env_storage;
    for (char** variable = environ; *variable != nullptr; ++variable) {
        env_storage.emplace_back(*variable);
    }
    for (const auto& [key, value] : environment) {
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

    const pid_t child = fork();
    if (child == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);  // the daemon blocks signals for signalfd
        setpgid(0, 0);                             // so TERM/KILL reach the hook's own children
        dup2(output[1], STDOUT_FILENO);
        dup2(output[1], STDERR_FILENO);
        const int null_fd = open("/dev/null", O_RDONLY);
        dup2(null_fd, STDIN_FILENO);
        execve(path.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    close(output[1]);
    if (child < 0) {
        close(output[0]);
        result.exit_code = -1;
        log_("hook " + result.name + ": fork failed");
        return result;
    }
    const std::int64_t deadline = monotonic_ns() + timeout_ns_;
    std::int64_t kill_at = 0;
    std::string pending;
    int status = 0;
    bool reaped = false;
    bool output_open = true;
    while (!reaped) {
        const std::int64_t now = monotonic_ns();
        if (!result.timed_out && now >= deadline) {
            result.timed_out = true;
            log_("hook " + result.name + ": timed out, sending TERM");
            kill(-child, SIGTERM);
            kill_at = now + kKillGraceNs;
        } else if (kill_at != 0 && now >= kill_at) {
            log_("hook " + result.name + ": still running, sending KILL");
            kill(-child, SIGKILL);
            kill_at = 0;
        }
        if (output_open) {
            pollfd poll_fd{output[0], POLLIN, 0};
            if (poll(&poll_fd, 1, 10) > 0) {
                std::array<char, 4096> buffer{};
                const ssize_t got = read(output[0], buffer.data(), buffer.size());
                if (got > 0) {
                    pending.append(buffer.data(), static_cast<std::size_t>(got));
                    for (std::size_t newline = pending.find('\n'); newline != std::string::npos;
                         newline = pending.find('\n')) {
                        log_("hook " + result.name + ": " + pending.substr(0, newline));
                        pending.erase(0, newline + 1);
                    }
                } else {
                    output_open = false;  // EOF: the hook (and its children) closed their output
                }
            }
        } else {
            usleep(10'000);
        }
        const pid_t done = waitpid(child, &status, WNOHANG);
        reaped = done == child;
    }
    close(output[0]);
    if (!pending.empty()) {
        log_("hook " + result.name + ": " + pending);
    }
    if (result.timed_out) {
        kill(-child, SIGKILL);  // anything the hook left behind in its group
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    log_("hook " + result.name + ": exit " + std::to_string(result.exit_code) +
         (result.timed_out ? " (timed out)" : ""));
    return result;
}

}  // namespace fo::takeover
