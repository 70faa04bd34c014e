#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "fo/runtime/event_loop.hpp"
#include "fo/takeover/health_check.hpp"

namespace fo::takeover {

/// Runs checks for real, without blocking the event loop.
/// - command: the program (hook_insecurity() must accept it, as for hooks)
///   runs as a child in its own process group, stdin/stdout/stderr on
///   /dev/null, no inherited descriptor; exit 0 passes. It is watched by
///   pidfd; at the timeout its group gets TERM, a second later KILL, and the
///   run fails ("timed out").
/// - tcp: a non-blocking connect to ADDRESS:PORT; established within the
///   timeout passes, refused, unreachable or late fails. Nothing is sent.
class LoopCheckExecutor final : public CheckExecutor {
  public:
    using LogLine = std::function<void(const std::string&)>;
    LoopCheckExecutor(runtime::EventLoop& loop, LogLine log);
    ~LoopCheckExecutor() override;
    LoopCheckExecutor(const LoopCheckExecutor&) = delete;
    LoopCheckExecutor& operator=(const LoopCheckExecutor&) = delete;
    LoopCheckExecutor(LoopCheckExecutor&&) = delete;
    LoopCheckExecutor& operator=(LoopCheckExecutor&&) = delete;

    void start(std::size_t index, const CheckConfig& check, Done done) override;

  private:
    struct Run {
        Done done;
        pid_t pid = -1;
        int pidfd = -1;
        int socket = -1;
        int socket_poll = -1;  // an epoll set holding `socket` for writability: readable when it is
        runtime::EventLoop::TimerId timer = -1;
        std::int64_t waited_ns = 0;  // without pidfd: polled
        std::int64_t timeout_ns = 0;
        bool killing = false;
    };

    void start_command(std::size_t index, const CheckConfig& check, Run& run);
    void start_tcp(std::size_t index, const CheckConfig& check, Run& run);
    void on_command_timer(std::size_t index, std::uint64_t expirations);
    void check_exit(std::size_t index);
    void on_connect(std::size_t index);
    void finish(std::size_t index, CheckOutcome outcome);
    void release(Run& run);

    runtime::EventLoop& loop_;
    LogLine log_;
    std::map<std::size_t, Run> runs_;
};

}  // namespace fo::takeover
