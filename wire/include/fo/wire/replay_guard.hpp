#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>

#include "fo/wire/drop_reason.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/sequence_window.hpp"

namespace fo::wire {

/// A sender is a node on one link: each link has its own sequence counter.
struct SenderKey {
    std::uint32_t node_id = 0;
    std::uint8_t link_id = 0;
    auto operator<=>(const SenderKey&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
};

inline SenderKey sender_of(const Heartbeat& beat) {
    return SenderKey{beat.node_id, beat.link_id};
}

/// Anti-replay per sender and boot epoch, with a sliding window in the manner
/// of RFC 4303 section 3.4.3. Only frames that already passed the MAC check
/// may be given to it: that is what makes "a new boot epoch is accepted only
/// with a valid MAC" hold.
class ReplayGuard {
  public:
    /// Beats up to this far behind the newest may still arrive (reordering).
    static constexpr std::uint64_t kReorderWindow = SequenceWindow::kReorderWindow;
    /// Boot epochs a sender has left behind that we still recognise as stale.
    static constexpr std::size_t kRetiredEpochs = 8;
    /// Bound on tracked senders; the least recently heard is forgotten first.
    static constexpr std::size_t kMaxSenders = 1024;

    enum class Outcome : std::uint8_t { first, new_epoch, in_order, reordered, rejected };

    struct Verdict {
        Outcome outcome = Outcome::rejected;
        DropReason reason = DropReason::duplicate_sequence;  // when rejected
        std::uint64_t skipped = 0;  // in_order: sequence numbers jumped over (lost or still to come)

        [[nodiscard]] bool accepted() const { return outcome != Outcome::rejected; }
    };

    Verdict check(const Heartbeat& beat);

  private:
    struct Window {
        std::uint64_t epoch = 0;
        SequenceWindow sequences;
        std::array<std::uint64_t, kRetiredEpochs> retired{};
        std::size_t retired_count = 0;
        std::uint64_t last_used = 0;

        [[nodiscard]] bool is_retired(std::uint64_t epoch_value) const;
        void retire_current();
    };

    void evict_least_recent();

    std::map<SenderKey, Window> windows_;
    std::uint64_t use_counter_ = 0;
};

}  // namespace fo::wire
