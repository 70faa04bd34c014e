#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>

namespace fo::runtime {

/// Single-threaded reactor: epoll over file descriptors, timerfd timers on
/// CLOCK_MONOTONIC, signalfd signals. Setup failures throw std::system_error
/// (startup fails fast); once running, callbacks are expected not to throw.
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
    /// (0: once). Periodic timers are anchored to absolute deadlines, so
    /// they do not drift with callback run time.
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
    void add_to_epoll(int fd) const;
    void dispatch_signals();

    int epoll_fd_ = -1;
    int signal_fd_ = -1;
    bool running_ = true;
    std::map<int, std::shared_ptr<Watch>> watches_;
    std::map<int, Callback> signal_handlers_;
    std::set<int> timers_;  // timerfds we own and close
};

}  // namespace fo::runtime
