#include "fo/wire/session.hpp"

#include <algorithm>

namespace fo::wire {

std::string_view to_string(LinkSession::State state) {
    switch (state) {
        case LinkSession::State::down: return "down";
        case LinkSession::State::init: return "init";
        case LinkSession::State::up: return "up";
    }
    return "unknown";
}

std::uint64_t LinkSession::echo_epoch() const {
    switch (state_) {
        case State::down: return 0;
        case State::init: return current_candidate().epoch;
        case State::up: return peer_epoch_;
    }
    return 0;
}

std::uint64_t LinkSession::echo_sequence() const {
    switch (state_) {
        case State::down: return 0;
        case State::init: return current_candidate().sequence;
        case State::up: return window_.highest();
    }
    return 0;
}

std::pair<std::uint64_t, std::uint64_t> LinkSession::take_echo() {
    const std::pair<std::uint64_t, std::uint64_t> echo{echo_epoch(), echo_sequence()};
    if (state_ == State::init) {
        next_candidate_ = (next_candidate_ + 1) % candidate_count_;
    }
    return echo;
}

void LinkSession::hear_candidate(const Heartbeat& beat) {
    ++frames_heard_;
    const auto begin = candidates_.begin();
    const auto end = begin + static_cast<std::ptrdiff_t>(candidate_count_);
    auto found = std::find_if(begin, end, [&](const Candidate& candidate) {
        return candidate.epoch == beat.boot_epoch && candidate.node == beat.node_id && candidate.link == beat.link_id;
    });
    if (found == end) {
        if (candidate_count_ < candidates_.size()) {
            ++candidate_count_;
        } else {
            found =
                std::min_element(begin, end, [](const Candidate& a, const Candidate& b) { return a.heard < b.heard; });
        }
        *found = Candidate{beat.boot_epoch, beat.node_id, beat.link_id, beat.sequence, frames_heard_};
    } else {
        found->sequence = std::max(found->sequence, beat.sequence);
        found->heard = frames_heard_;
    }
    // For status: the sender heard last.
    peer_epoch_ = beat.boot_epoch;
    peer_node_ = beat.node_id;
    peer_link_ = beat.link_id;
}

void LinkSession::start(const Heartbeat& beat) {
    state_ = State::up;
    peer_epoch_ = beat.boot_epoch;
    peer_node_ = beat.node_id;
    peer_link_ = beat.link_id;
    window_.reset_refusing_older(beat.sequence);
    highest_echoed_sequence_ = beat.echo_sequence;
}

LinkSession::Verdict LinkSession::receive(const Heartbeat& beat) {
    if (beat.echo_epoch != own_epoch_) {
        // Not made in this session of ours. Before the session is up it tells
        // us whom to echo; once up, nothing unechoed changes anything.
        if (state_ != State::up) {
            hear_candidate(beat);
            state_ = State::init;
        }
        return Verdict{false, DropReason::unechoed_epoch, false, false};
    }
    if (state_ != State::up) {
        start(beat);
        return Verdict{true, DropReason::unechoed_epoch, true, false};
    }
    // A sender is (node id, link id): sequences, ours echoed and the peer's,
    // count per link, so a frame made for another link (bridged or replayed)
    // is not comparable with this session's.
    if (beat.node_id != peer_node_ || beat.link_id != peer_link_) {
        return Verdict{false, DropReason::foreign_node, false, false};
    }
    if (beat.boot_epoch == peer_epoch_) {
        const auto verdict = window_.accept(beat.sequence);
        if (verdict.outcome == SequenceWindow::Outcome::rejected) {
            return Verdict{false, verdict.reason, false, false};
        }
        highest_echoed_sequence_ = std::max(highest_echoed_sequence_, beat.echo_sequence);
        return Verdict{true, DropReason::unechoed_epoch, false, false};
    }
    if (beat.echo_sequence <= highest_echoed_sequence_) {
        return Verdict{false, DropReason::stale_session, false, false};
    }
    start(beat);
    ++replacements_;
    return Verdict{true, DropReason::unechoed_epoch, false, true};
}

}  // namespace fo::wire
