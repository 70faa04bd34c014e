#include "fo/takeover/garp_pacer.hpp"

#include <algorithm>

namespace fo::takeover {

namespace {
// The bucket holds this much time's worth of frames: a short burst at the
// configured rate, never a whole takeover's worth at once.
constexpr std::int64_t kPacerBurstNs = 1'000'000;
// Budgets count in frame-nanoseconds (frames x 1e9): integers, no rounding.
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// Longer than any bucket takes to fill (at 1 frame/s, 2 frames: 2 s); keeps
// elapsed x rate within 64 bits after a long idle time.
constexpr std::int64_t kMaximumRefillNs = 4 * kNsPerSecond;
}  // namespace

GarpPacer::GarpPacer(std::int64_t frames_per_second, int frames_per_address, Scheduler& scheduler, Clock clock,
                     Send send)
    : rate_(std::max<std::int64_t>(frames_per_second, 1)),
      cost_(std::int64_t{std::max(frames_per_address, 1)} * kNsPerSecond),
      capacity_(std::max(cost_, rate_ * kPacerBurstNs)),
      scheduler_(scheduler),
      clock_(std::move(clock)),
      send_(std::move(send)),
      budget_(capacity_),
      refilled_at_ns_(now()) {}

std::int64_t GarpPacer::now() const {
    return clock_ ? clock_() : virtual_now_ns_;
}

void GarpPacer::refill() {
    const std::int64_t at = now();
    const std::int64_t elapsed = std::clamp<std::int64_t>(at - refilled_at_ns_, 0, kMaximumRefillNs);
    budget_ = std::min(capacity_, budget_ + elapsed * rate_);
    refilled_at_ns_ = at;
}

void GarpPacer::push(std::size_t index) {
    if (index >= in_queue_.size()) {
        in_queue_.resize(index + 1, false);
    }
    if (in_queue_[index]) {
        return;  // still waiting from an earlier round: one announcement does for both
    }
    in_queue_[index] = true;
    queue_.push_back(index);
    drain();
}

void GarpPacer::clear() {
    queue_.clear();
    std::fill(in_queue_.begin(), in_queue_.end(), false);
}

void GarpPacer::drain() {
    refill();
    while (!queue_.empty() && budget_ >= cost_) {
        const std::size_t index = queue_.front();
        queue_.pop_front();
        in_queue_[index] = false;
        budget_ -= cost_;
        send_(index);
    }
    schedule();
}

void GarpPacer::schedule() {
    if (queue_.empty() || timer_pending_) {
        return;
    }
    // Wait until the bucket holds what the queue needs (at most full): the
    // last frame leaves as early as the rate allows, with few timers.
    const std::int64_t wanted = std::min(capacity_, cost_ * static_cast<std::int64_t>(queue_.size()));
    const std::int64_t delay_ns = std::max<std::int64_t>(1, (wanted - budget_ + rate_ - 1) / rate_);
    timer_pending_ = true;
    scheduler_.after(delay_ns, [this, delay_ns] {
        timer_pending_ = false;
        virtual_now_ns_ += delay_ns;
        drain();
    });
}

}  // namespace fo::takeover
