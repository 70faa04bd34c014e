#include "fo/runtime/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <limits>
#include <system_error>

#include "fo/runtime/clock.hpp"

namespace fo::runtime {

namespace {
[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

EventLoop::EventLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_fd_ < 0) {
        throw_errno("epoll_create1");
    }
}

EventLoop::~EventLoop() {
    if (signal_fd_ >= 0) {
        close(signal_fd_);
    }
    close(epoll_fd_);
}

void EventLoop::add_to_epoll(int fd) const {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
        throw_errno("epoll_ctl(ADD)");
    }
}

void EventLoop::watch_readable(int fd, Callback on_readable) {
    add_to_epoll(fd);
    watches_[fd] = std::make_shared<Watch>(Watch{std::move(on_readable)});
}

void EventLoop::unwatch(int fd) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    watches_.erase(fd);
}

void EventLoop::enqueue(Deadline deadline) {
    queue_.insert(std::upper_bound(queue_.begin(), queue_.end(), deadline), deadline);
}

void EventLoop::dequeue(Deadline deadline) {
    const auto found = std::lower_bound(queue_.begin(), queue_.end(), deadline);
    if (found != queue_.end() && *found == deadline) {
        queue_.erase(found);
    }
}

EventLoop::TimerId EventLoop::add_timer(std::int64_t delay_ns, std::int64_t period_ns, TimerCallback callback) {
    const TimerId id = next_timer_id_++;
    timers_[id].callback = std::make_shared<TimerCallback>(std::move(callback));
    rearm_timer(id, delay_ns, period_ns);
    return id;
}

void EventLoop::rearm_timer(TimerId timer, std::int64_t delay_ns, std::int64_t period_ns) {
    auto found = timers_.find(timer);
    if (found == timers_.end()) {
        return;
    }
    Timer& entry = found->second;
    if (entry.due_ns != 0) {
        dequeue({entry.due_ns, timer});
    }
    // As a timerfd: the earliest deadline is "now" (1 ns), never "disarmed".
    entry.due_ns = MonotonicClock{}.now_ns() + std::max<std::int64_t>(delay_ns, 1);
    entry.period_ns = std::max<std::int64_t>(period_ns, 0);
    enqueue({entry.due_ns, timer});
}

void EventLoop::cancel_timer(TimerId timer) {
    auto found = timers_.find(timer);
    if (found == timers_.end()) {
        return;
    }
    if (found->second.due_ns != 0) {
        dequeue({found->second.due_ns, timer});
    }
    timers_.erase(found);
}

void EventLoop::run_due_timers() {
    const std::int64_t now = MonotonicClock{}.now_ns();
    // Only what is due now: a timer re-armed by a callback is due later.
    while (running_ && !queue_.empty() && queue_.front().first <= now) {
        const auto [due, id] = queue_.front();
        queue_.erase(queue_.begin());
        Timer& timer = timers_.at(id);
        std::uint64_t expirations = 1;
        if (timer.period_ns > 0) {
            // Late by whole periods (a stall): one call that says how many.
            expirations += static_cast<std::uint64_t>((now - due) / timer.period_ns);
            timer.due_ns = due + static_cast<std::int64_t>(expirations) * timer.period_ns;
            enqueue({timer.due_ns, id});
        } else {
            timer.due_ns = 0;
        }
        const std::shared_ptr<TimerCallback> keep_alive = timer.callback;
        (*keep_alive)(expirations);
    }
}

int EventLoop::wait(epoll_event* events, int size) {
    if (queue_.empty()) {
        return epoll_wait(epoll_fd_, events, size, -1);
    }
    const std::int64_t timeout_ns = std::max<std::int64_t>(queue_.front().first - MonotonicClock{}.now_ns(), 0);
    if (have_epoll_pwait2_) {
        const timespec timeout{static_cast<time_t>(timeout_ns / kNanosPerSecond),
                               static_cast<long>(timeout_ns % kNanosPerSecond)};
        const int count = epoll_pwait2(epoll_fd_, events, size, &timeout, nullptr);
        if (count >= 0 || errno != ENOSYS) {
            return count;
        }
        have_epoll_pwait2_ = false;  // before Linux 5.11: milliseconds, rounded up
    }
    return epoll_wait(epoll_fd_, events, size,
                      static_cast<int>(std::min<std::int64_t>((timeout_ns + kNanosPerMilli - 1) / kNanosPerMilli,
                                                              std::numeric_limits<int>::max())));
}

void EventLoop::on_signal(int signal_number, Callback callback) {
    signal_handlers_[signal_number] = std::move(callback);
    sigset_t mask;
    sigemptyset(&mask);
    for (const auto& [number, handler] : signal_handlers_) {
        (void)handler;
        sigaddset(&mask, number);
    }
    if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
        throw_errno("sigprocmask");
    }
    const bool first = signal_fd_ < 0;
    signal_fd_ = signalfd(signal_fd_, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ < 0) {
        throw_errno("signalfd");
    }
    if (first) {
        watch_readable(signal_fd_, [this] { dispatch_signals(); });
    }
}

void EventLoop::dispatch_signals() {
    signalfd_siginfo info{};
    while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        auto handler = signal_handlers_.find(static_cast<int>(info.ssi_signo));
        if (handler != signal_handlers_.end()) {
            handler->second();
        }
    }
}

void EventLoop::run() {
    constexpr int kMaxEvents = 16;
    std::array<epoll_event, kMaxEvents> events{};
    while (running_) {
        const int count = wait(events.data(), kMaxEvents);
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_errno("epoll_wait");
        }
        for (int i = 0; i < count && running_; ++i) {
            auto watch = watches_.find(events[static_cast<std::size_t>(i)].data.fd);
            if (watch == watches_.end()) {
                continue;  // unwatched by an earlier callback in this batch
            }
            const std::shared_ptr<Watch> keep_alive = watch->second;
            keep_alive->on_readable();
        }
        run_due_timers();
    }
}

}  // namespace fo::runtime
