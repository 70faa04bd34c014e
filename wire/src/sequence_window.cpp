#include "fo/wire/sequence_window.hpp"

namespace fo::wire {

bool SequenceWindow::would_accept(std::uint64_t sequence) const {
    if (sequence > highest_) {
        return true;
    }
    const std::uint64_t behind = highest_ - sequence;
    return behind < kReorderWindow && (seen_ & (std::uint64_t{1} << behind)) == 0;
}

SequenceWindow::Verdict SequenceWindow::accept(std::uint64_t sequence) {
    if (sequence > highest_) {
        const std::uint64_t advance = sequence - highest_;
        seen_ = advance >= kReorderWindow ? 0 : seen_ << advance;
        seen_ |= 1U;
        highest_ = sequence;
        return Verdict{Outcome::in_order, DropReason::duplicate_sequence, advance - 1};
    }
    const std::uint64_t behind = highest_ - sequence;
    if (behind >= kReorderWindow) {
        return Verdict{Outcome::rejected, DropReason::stale_sequence, 0};
    }
    const std::uint64_t bit = std::uint64_t{1} << behind;
    if ((seen_ & bit) != 0) {
        return Verdict{Outcome::rejected, DropReason::duplicate_sequence, 0};
    }
    seen_ |= bit;
    return Verdict{Outcome::reordered, DropReason::duplicate_sequence, 0};
}

}  // namespace fo::wire
