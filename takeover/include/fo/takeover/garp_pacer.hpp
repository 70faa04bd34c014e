#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "fo/takeover/edges.hpp"

namespace fo::takeover {

/// Paces gratuitous ARPs across addresses at a rate (frames per second; a
/// token bucket holding kPacerBurstNs worth of frames, full at the start):
/// switches throttle ARP (keepalived issue #108), so a takeover of many
/// addresses must not send them all in one burst. An address pushed while
/// the bucket has room goes at once; the others wait in push order, each at
/// most once in the queue, and a Scheduler timer sends them as the bucket
/// refills.
class GarpPacer {
  public:
    /// Sends the announcement(s) of address `index`.
    using Send = std::function<void(std::size_t index)>;
    /// Monotonic nanoseconds; unset: the pacer counts the time its own timers
    /// waited (enough under a fake scheduler).
    using Clock = std::function<std::int64_t()>;

    /// `frames_per_address`: 2 when the reply form goes too.
    GarpPacer(std::int64_t frames_per_second, int frames_per_address, Scheduler& scheduler, Clock clock, Send send);

    void push(std::size_t index);
    /// Forgets every queued address (the addresses were released).
    void clear();
    [[nodiscard]] std::size_t queued() const { return queue_.size(); }

  private:
    [[nodiscard]] std::int64_t now() const;
    void refill();
    void drain();
    void schedule();

    std::int64_t rate_;      // frames per second
    std::int64_t cost_;      // of one address, in frame-nanoseconds
    std::int64_t capacity_;  // of the bucket, in frame-nanoseconds
    Scheduler& scheduler_;
    Clock clock_;
    Send send_;
    std::int64_t virtual_now_ns_ = 0;  // without a clock (before refilled_at_ns_: now() reads it)
    std::int64_t budget_;              // frame-nanoseconds
    std::int64_t refilled_at_ns_;
    bool timer_pending_ = false;
    std::deque<std::size_t> queue_;
    std::vector<bool> in_queue_;
};

}  // namespace fo::takeover
