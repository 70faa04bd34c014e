#include "fo/wire/replay_guard.hpp"

#include <algorithm>

namespace fo::wire {

bool ReplayGuard::Window::is_retired(std::uint64_t epoch_value) const {
    return std::find(retired.begin(), retired.begin() + static_cast<std::ptrdiff_t>(retired_count), epoch_value) !=
           retired.begin() + static_cast<std::ptrdiff_t>(retired_count);
}

void ReplayGuard::Window::retire_current() {
    if (retired_count < retired.size()) {
        retired[retired_count++] = epoch;
        return;
    }
    std::shift_left(retired.begin(), retired.end(), 1);
    retired.back() = epoch;
}

void ReplayGuard::evict_least_recent() {
    auto oldest = std::min_element(windows_.begin(), windows_.end(), [](const auto& a, const auto& b) {
        return a.second.last_used < b.second.last_used;
    });
    if (oldest != windows_.end()) {
        windows_.erase(oldest);
    }
}

ReplayGuard::Verdict ReplayGuard::check(const Heartbeat& beat) {
    const SenderKey key = sender_of(beat);
    auto found = windows_.find(key);
    if (found == windows_.end()) {
        if (windows_.size() >= kMaxSenders) {
            evict_least_recent();
        }
        Window window;
        window.epoch = beat.boot_epoch;
        window.sequences.reset(beat.sequence);
        window.last_used = ++use_counter_;
        windows_.emplace(key, window);
        return Verdict{Outcome::first, DropReason::duplicate_sequence, 0};
    }
    Window& window = found->second;
    if (beat.boot_epoch != window.epoch) {
        if (window.is_retired(beat.boot_epoch)) {
            return Verdict{Outcome::rejected, DropReason::stale_epoch, 0};
        }
        window.retire_current();
        window.epoch = beat.boot_epoch;
        window.sequences.reset(beat.sequence);
        window.last_used = ++use_counter_;
        return Verdict{Outcome::new_epoch, DropReason::duplicate_sequence, 0};
    }
    const auto verdict = window.sequences.accept(beat.sequence);
    switch (verdict.outcome) {
        case SequenceWindow::Outcome::rejected: return Verdict{Outcome::rejected, verdict.reason, 0};
        case SequenceWindow::Outcome::in_order:
            window.last_used = ++use_counter_;
            return Verdict{Outcome::in_order, DropReason::duplicate_sequence, verdict.skipped};
        case SequenceWindow::Outcome::reordered: break;
    }
    window.last_used = ++use_counter_;
    return Verdict{Outcome::reordered, DropReason::duplicate_sequence, 0};
}

}  // namespace fo::wire
