#pragma once

#include <cstdint>

#include "fo/wire/drop_reason.hpp"

namespace fo::wire {

/// The anti-replay window of one sender in one boot epoch, as in RFC 4303
/// section 3.4.3: the highest sequence accepted and a bitmap of the 64 before.
class SequenceWindow {
  public:
    /// Beats up to this far behind the newest may still arrive (reordering).
    static constexpr std::uint64_t kReorderWindow = 64;

    enum class Outcome : std::uint8_t { in_order, reordered, rejected };
    struct Verdict {
        Outcome outcome = Outcome::rejected;
        DropReason reason = DropReason::duplicate_sequence;  // when rejected
        std::uint64_t skipped = 0;  // in_order: sequence numbers jumped over (lost or still to come)
    };

    /// Starts over at `sequence` (the first frame of an epoch); later
    /// arrivals of the 63 before it are still taken (reordering).
    void reset(std::uint64_t sequence) {
        highest_ = sequence;
        seen_ = 1;
    }
    /// Starts over at `sequence`, refusing everything before it: for a
    /// session, whose start is its first frame (a frame older than that was
    /// made before the session and may have been refused already).
    void reset_refusing_older(std::uint64_t sequence) {
        highest_ = sequence;
        seen_ = ~std::uint64_t{0};
    }
    /// Accepts `sequence` unless it is a duplicate or older than the window.
    Verdict accept(std::uint64_t sequence);
    /// Whether accept() would take it, without recording it.
    [[nodiscard]] bool would_accept(std::uint64_t sequence) const;
    [[nodiscard]] std::uint64_t highest() const { return highest_; }

  private:
    std::uint64_t highest_ = 0;
    std::uint64_t seen_ = 0;  // bit i: sequence (highest - i) accepted
};

}  // namespace fo::wire
