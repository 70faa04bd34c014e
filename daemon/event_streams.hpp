#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "fo/daemon/events.hpp"
#include "fo/runtime/event_loop.hpp"

// `foctl events`: connections of the control socket turned into streams of
// the event bus, one JSON line per event. Never blocks the loop: every send
// is non-blocking, each reader has its own cursor into the bus's bounded
// ring and at most one batch of pending bytes; a reader that falls further
// behind than the ring loses events, and sees it (a gap in `seq` and a
// {"event":"lost","count":N} line), while the daemon goes on.

namespace fo::daemon {

struct EventStreamOptions {
    std::size_t max_streams = 4;          // of the control socket's 8 clients: status always has room
    int send_buffer_bytes = 16 * 1024;    // the kernel's share of a reader's backlog
    std::size_t batch_bytes = 16 * 1024;  // pending bytes per reader, at most (plus one line)
    std::int64_t retry_ns = 50'000'000;   // a reader that could not take everything is retried this often
};

class EventStreams {
  public:
    EventStreams(runtime::EventLoop& loop, EventBus& bus, EventStreamOptions options = {});
    ~EventStreams();
    EventStreams(const EventStreams&) = delete;
    EventStreams& operator=(const EventStreams&) = delete;

    /// Takes over the connected socket `fd` (non-blocking): false when the
    /// streams are full (the caller answers and closes it).
    bool add(int fd);
    [[nodiscard]] std::size_t size() const { return streams_.size(); }
    /// Events that readers lost (they were overwritten before being sent).
    [[nodiscard]] std::uint64_t lost() const { return lost_; }

  private:
    struct Stream {
        std::uint64_t next = 0;  // the next sequence to send
        std::string pending;     // bytes accepted for this reader but not yet sent
    };
    void flush_all();
    /// False when the reader is gone.
    bool flush(int fd, Stream& stream);
    void on_readable(int fd);
    void drop(int fd);

    runtime::EventLoop& loop_;
    EventBus& bus_;
    EventStreamOptions options_;
    int listener_ = -1;
    runtime::EventLoop::TimerId retry_timer_ = -1;
    bool retry_armed_ = false;
    std::map<int, Stream> streams_;
    std::uint64_t lost_ = 0;
};

}  // namespace fo::daemon
