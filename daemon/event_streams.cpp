#include "event_streams.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace fo::daemon {

EventStreams::EventStreams(runtime::EventLoop& loop, EventBus& bus, EventStreamOptions options)
    : loop_(loop), bus_(bus), options_(options) {
    listener_ = bus_.listen([this](const Event&) { flush_all(); });
    retry_timer_ = loop_.add_timer(options_.retry_ns, 0, [this](std::uint64_t) {
        retry_armed_ = false;
        flush_all();
    });
}

EventStreams::~EventStreams() {
    bus_.unlisten(listener_);
    loop_.cancel_timer(retry_timer_);
    while (!streams_.empty()) {
        drop(streams_.begin()->first);
    }
}

bool EventStreams::add(int fd) {
    if (streams_.size() >= options_.max_streams) {
        return false;
    }
    // A small kernel buffer: a reader that stops reading is soon behind the
    // ring, and loses events instead of holding memory.
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &options_.send_buffer_bytes, sizeof options_.send_buffer_bytes);
    Stream stream;
    stream.next = bus_.next_sequence();
    stream.pending = subscribed_line(stream.next, bus_.capacity()) + "\n";
    auto [at, added] = streams_.emplace(fd, std::move(stream));
    loop_.watch_readable(fd, [this, fd] { on_readable(fd); });
    if (!flush(fd, at->second)) {
        drop(fd);
    }
    return true;
}

void EventStreams::flush_all() {
    std::vector<int> gone;
    bool behind = false;
    for (auto& [fd, stream] : streams_) {
        if (!flush(fd, stream)) {
            gone.push_back(fd);
        } else if (!stream.pending.empty() || stream.next < bus_.next_sequence()) {
            behind = true;
        }
    }
    for (const int fd : gone) {
        drop(fd);
    }
    if (behind && !retry_armed_) {
        retry_armed_ = true;
        loop_.rearm_timer(retry_timer_, options_.retry_ns, 0);
    }
}

bool EventStreams::flush(int fd, Stream& stream) {
    for (;;) {
        if (stream.pending.empty()) {
            const std::uint64_t oldest = bus_.oldest_sequence();
            if (stream.next < oldest) {
                lost_ += oldest - stream.next;
                stream.pending = lost_events_line(oldest - stream.next, oldest) + "\n";
                stream.next = oldest;
            }
            while (stream.next < bus_.next_sequence() && stream.pending.size() < options_.batch_bytes) {
                stream.pending += event_json_line(*bus_.find(stream.next)) + "\n";
                ++stream.next;
            }
            if (stream.pending.empty()) {
                return true;
            }
        }
        const ssize_t sent = ::send(fd, stream.pending.data(), stream.pending.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent > 0) {
            stream.pending.erase(0, static_cast<std::size_t>(sent));
            continue;
        }
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        return sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // full: later; else the reader is gone
    }
}

void EventStreams::on_readable(int fd) {
    char buffer[256];
    for (int reads = 0; reads < 16; ++reads) {  // bounded: a chatty reader cannot hold the loop
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got > 0) {
            continue;  // a reader has nothing more to say: ignored
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            drop(fd);
        }
        return;
    }
}

void EventStreams::drop(int fd) {
    if (streams_.erase(fd) == 0) {
        return;
    }
    loop_.unwatch(fd);
    ::close(fd);
}

}  // namespace fo::daemon
