#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

#include "fo/wire/drop_reason.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/sequence_window.hpp"

namespace fo::wire {

/// One link's session with the peer, seen from our side. RFC 5880 (BFD)
/// sections 6.2 and 6.8.6 are the model: our boot epoch plays "My
/// Discriminator", the echoed epoch "Your Discriminator".
///
/// - down: nothing heard. init: an authentic frame heard that does not echo
///   our current epoch; we echo its epoch so that the peer can answer. up: a
///   frame echoed our current epoch: three-way done, its epoch is the session's.
/// - Only frames that echo our current epoch count (proof of life, state,
///   term, handover messages): a frame recorded in any earlier session of
///   ours, or sent before the peer heard us, is `unechoed_epoch`.
/// - While up, a frame of another peer epoch replaces the session only if it
///   echoes a newer sequence of ours than the session ever did: it was made
///   after the session's frames, so the peer restarted. Anything older is
///   `stale_session`: an epoch retired during our session never comes back,
///   and no list of old epochs is needed to know it.
/// - Within the session's epoch, the RFC 4303 window refuses duplicates and
///   frames older than 64 sequences.
///
/// - A sender is (node id, link id): once up, a frame of another node or of
///   another of the peer's links is `foreign_node` (sequences count per link).
///
/// - In init, the last few distinct senders heard (kInitCandidates) are
///   echoed in turn, one per frame we send: a recorded frame replayed just
///   before each of our frames cannot keep us echoing a retired epoch, since
///   the live peer's epoch comes round too and completes the exchange.
///
/// Give it only frames that passed the MAC check and are not our own.
class LinkSession {
  public:
    enum class State : std::uint8_t { down, init, up };

    struct Verdict {
        bool accepted = false;
        DropReason reason = DropReason::unechoed_epoch;  // when not accepted
        bool came_up = false;                            // this frame completed the three-way exchange
        bool replaced = false;                           // a new peer epoch (the peer restarted) took the session over
    };

    /// Distinct senders echoed in turn while in init.
    static constexpr std::size_t kInitCandidates = 4;

    explicit LinkSession(std::uint64_t own_epoch) : own_epoch_(own_epoch) {}

    Verdict receive(const Heartbeat& beat);

    /// What our next frame on this link echoes back to the peer.
    [[nodiscard]] std::uint64_t echo_epoch() const;
    [[nodiscard]] std::uint64_t echo_sequence() const;
    /// The echo for a frame about to be sent; in init, moves on to the next
    /// candidate for the frame after it.
    std::pair<std::uint64_t, std::uint64_t> take_echo();

    [[nodiscard]] State state() const { return state_; }
    [[nodiscard]] std::uint64_t own_epoch() const { return own_epoch_; }
    /// The session's peer epoch (up) or the one we echo (init).
    [[nodiscard]] std::uint64_t peer_epoch() const { return peer_epoch_; }
    [[nodiscard]] std::uint32_t peer_node() const { return peer_node_; }
    [[nodiscard]] std::uint8_t peer_link() const { return peer_link_; }
    [[nodiscard]] std::uint64_t replacements() const { return replacements_; }

  private:
    struct Candidate {
        std::uint64_t epoch = 0;
        std::uint32_t node = 0;
        std::uint8_t link = 0;
        std::uint64_t sequence = 0;  // the newest heard
        std::uint64_t heard = 0;     // when, in frames heard: the least recent is replaced first
    };

    void start(const Heartbeat& beat);
    void hear_candidate(const Heartbeat& beat);
    [[nodiscard]] const Candidate& current_candidate() const { return candidates_[next_candidate_ % candidate_count_]; }

    std::uint64_t own_epoch_;
    State state_ = State::down;
    std::uint64_t peer_epoch_ = 0;
    std::uint32_t peer_node_ = 0;
    std::uint8_t peer_link_ = 0;                           // the peer's link id: a sender is (node id, link id)
    std::array<Candidate, kInitCandidates> candidates_{};  // init
    std::size_t candidate_count_ = 0;
    std::size_t next_candidate_ = 0;
    std::uint64_t frames_heard_ = 0;
    SequenceWindow window_;                      // up: the session epoch's sequences
    std::uint64_t highest_echoed_sequence_ = 0;  // up: of ours, as echoed by the session's frames
    std::uint64_t replacements_ = 0;
};

std::string_view to_string(LinkSession::State state);

}  // namespace fo::wire
