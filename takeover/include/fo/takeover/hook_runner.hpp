#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "fo/runtime/event_loop.hpp"
#include "fo/takeover/edges.hpp"

namespace fo::takeover {

/// Why `path` must not run as a hook (keepalived's script_security), or
/// nothing: the file and every directory on its path, after resolving
/// symlinks, must be owned by root and not writable by group or others. A
/// root-owned sticky directory (/tmp) is accepted: nobody else can replace
/// what it holds.
std::optional<std::string> hook_insecurity(const std::string& path);

/// In a forked child before exec: closes every descriptor above 2
/// (close_range, else one by one), so hooks and sendmail inherit none of the
/// daemon's sockets (libpcap and libnet do not set close-on-exec).
void close_inherited_descriptors();

/// Hooks from one directory, as Apple's IP failover had them: a sub-folder per
/// phase (Test/, PreAcq/, PostAcq/, PreRel/, PostRel/) and files named with
/// the phase as prefix (PreAcq-10-stop-mail). Only executable regular files
/// run, in name order, and only secure ones (hook_insecurity). Each runs as
/// a child process in its own process group, watched by the event loop
/// (pidfd), so the loop keeps beating meanwhile; it gets `timeout_ns`, then
/// SIGTERM to its group, then after a grace SIGKILL. stdout and stderr go to
/// the log, line by line.
class DirectoryHookRunner final : public HookRunner {
  public:
    using LogLine = std::function<void(const std::string&)>;
    DirectoryHookRunner(runtime::EventLoop& loop, std::string directory, std::int64_t timeout_ns, LogLine log);
    ~DirectoryHookRunner() override;
    DirectoryHookRunner(const DirectoryHookRunner&) = delete;
    DirectoryHookRunner& operator=(const DirectoryHookRunner&) = delete;
    DirectoryHookRunner(DirectoryHookRunner&&) = delete;
    DirectoryHookRunner& operator=(DirectoryHookRunner&&) = delete;

    void start(HookPhase phase, const std::vector<std::string>& arguments,
               const std::map<std::string, std::string>& environment, Done done) override;
    void cancel() override;
    /// SIGHUP: the next phase uses these; a running one is not disturbed.
    void reconfigure(std::string directory, std::int64_t timeout_ns);

    /// The programs `phase` would run, in order (secure or not).
    [[nodiscard]] std::vector<std::string> hooks_for(HookPhase phase) const;
    [[nodiscard]] bool running() const { return static_cast<bool>(done_); }

  private:
    struct Child {
        pid_t pid = -1;
        int pidfd = -1;
        int output = -1;
        std::string pending;
        HookResult result;
        runtime::EventLoop::TimerId timer = -1;
        bool killing = false;  // TERM sent; the timer now means KILL
    };

    void start_next();
    void spawn(const std::string& path);
    void on_output();
    void on_timer();
    void check_exit();
    void read_output(bool at_exit);
    void end_child(int status);
    void complete();

    runtime::EventLoop& loop_;
    std::string directory_;
    std::int64_t timeout_ns_;
    LogLine log_;

    // The running phase.
    Done done_;
    std::vector<std::string> queue_;
    std::size_t next_ = 0;
    std::vector<std::string> arguments_;
    std::map<std::string, std::string> environment_;
    std::vector<HookResult> results_;
    bool cancelled_ = false;
    std::optional<Child> child_;
};

}  // namespace fo::takeover
