#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

struct epoll_event;

namespace fo::runtime {

/// Single-threaded reactor: epoll over file descriptors, timers on
/// CLOCK_MONOTONIC, signalfd signals. The timers live in the loop (a queue
/// ordered by deadline) and the earliest one is the epoll_pwait2 timeout:
/// a wakeup costs one system call, and arming or moving a timer none.
/// Setup failures throw std::system_error (startup fails fast); once running,
/// callbacks are expected not to throw.
class EventLoop {
  public:
    using Callback = std::function<void()>;
    /// Receives the number of expirations since the last call (> 1 when the
    /// process was late, e.g. after a scheduling stall).
    using TimerCallback = std::function<void(std::uint64_t expirations)>;
    using TimerId = int;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    void watch_readable(int fd, Callback on_readable);
    void unwatch(int fd);

    /// A timer that first fires after `delay_ns` and then every `period_ns`
    /// (0: once; it stays valid for rearm_timer until cancelled). Periodic
    /// timers are anchored to absolute deadlines, so they do not drift with
    /// callback run time.
    TimerId add_timer(std::int64_t delay_ns, std::int64_t period_ns, TimerCallback callback);
    void rearm_timer(TimerId timer, std::int64_t delay_ns, std::int64_t period_ns);
    void cancel_timer(TimerId timer);

    /// Blocks `signal_number` for the process and delivers it here instead.
    void on_signal(int signal_number, Callback callback);

    /// Runs until stop(); returns immediately if stop() was already called.
    void run();
    void stop() { running_ = false; }

  private:
    struct Watch {
        Callback on_readable;
    };
    struct Timer {
        std::int64_t due_ns = 0;  // 0: not armed
        std::int64_t period_ns = 0;
        std::shared_ptr<TimerCallback> callback;  // kept alive while it runs (it may cancel itself)
    };
    using Deadline = std::pair<std::int64_t, TimerId>;
    void add_to_epoll(int fd) const;
    void enqueue(Deadline deadline);
    void dequeue(Deadline deadline);
    void dispatch_signals();
    void run_due_timers();
    [[nodiscard]] int wait(epoll_event* events, int size);

    int epoll_fd_ = -1;
    int signal_fd_ = -1;
    bool running_ = true;
    std::map<int, std::shared_ptr<Watch>> watches_;
    std::map<int, Callback> signal_handlers_;
    std::map<TimerId, Timer> timers_;
    // Armed timers by deadline. A sorted vector: a daemon has about ten
    // timers and moves two of them every beat; this costs no allocation
    // per move (a std::set allocated a node for each).
    std::vector<Deadline> queue_;
    TimerId next_timer_id_ = 1;
    bool have_epoll_pwait2_ = true;
};

}  // namespace fo::runtime
