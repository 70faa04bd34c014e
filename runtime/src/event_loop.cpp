#include "fo/runtime/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <system_error>

#include "fo/runtime/clock.hpp"

namespace fo::runtime {

namespace {
[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

itimerspec to_itimerspec(std::int64_t delay_ns, std::int64_t period_ns) {
    itimerspec spec{};
    // A zero it_value disarms a timerfd; the earliest deadline is "now".
    const std::int64_t delay = delay_ns > 0 ? delay_ns : 1;
    spec.it_value.tv_sec = static_cast<time_t>(delay / kNanosPerSecond);
    spec.it_value.tv_nsec = static_cast<long>(delay % kNanosPerSecond);
    spec.it_interval.tv_sec = static_cast<time_t>(period_ns / kNanosPerSecond);
    spec.it_interval.tv_nsec = static_cast<long>(period_ns % kNanosPerSecond);
    return spec;
}
}  // namespace

EventLoop::EventLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_fd_ < 0) {
        throw_errno("epoll_create1");
    }
}

EventLoop::~EventLoop() {
    for (const int timer : timers_) {
        close(timer);
    }
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

EventLoop::TimerId EventLoop::add_timer(std::int64_t delay_ns, std::int64_t period_ns, TimerCallback callback) {
    const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) {
        throw_errno("timerfd_create");
    }
    watch_readable(fd, [fd, callback = std::move(callback)] {
        std::uint64_t expirations = 0;
        if (read(fd, &expirations, sizeof expirations) == static_cast<ssize_t>(sizeof expirations) && expirations > 0) {
            callback(expirations);
        }
    });
    timers_.insert(fd);
    rearm_timer(fd, delay_ns, period_ns);
    return fd;
}

void EventLoop::rearm_timer(TimerId timer, std::int64_t delay_ns, std::int64_t period_ns) {
    const itimerspec spec = to_itimerspec(delay_ns, period_ns);
    if (timerfd_settime(timer, 0, &spec, nullptr) != 0) {
        throw_errno("timerfd_settime");
    }
}

void EventLoop::cancel_timer(TimerId timer) {
    unwatch(timer);
    if (timers_.erase(timer) != 0) {
        close(timer);
    }
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
        const int count = epoll_wait(epoll_fd_, events.data(), kMaxEvents, -1);
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
    }
}

}  // namespace fo::runtime
