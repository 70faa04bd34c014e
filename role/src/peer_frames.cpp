// The role machine's view of the peer: its frames (ordered across links
// and boots), our own frames' echoes (whether a peer state answers ours),
// and the detector's changes. role_machine.cpp decides on it.

#include <algorithm>

#include "fo/role/role_machine.hpp"

namespace fo::role {

namespace {
using detector::PeerState;

// The peer's replaced boots remembered (a delayed frame comes from the last
// one or two; each link's session refuses older ones on its own).
constexpr std::size_t kRetiredBoots = 8;
}  // namespace

void RoleMachine::new_generation() {
    ++generation_;
    answer_from_sequence_.resize(sent_.size());
    for (std::size_t link = 0; link < sent_.size(); ++link) {
        answer_from_sequence_[link] = sent_[link].newest() + 1;
    }
    answering_generation_.reset();
}

void RoleMachine::on_frame_sent(std::size_t link, std::uint64_t sequence, std::int64_t now) {
    if (link >= sent_.size()) {
        sent_.resize(link + 1);
    }
    sent_[link].push(sequence, now);
}

void RoleMachine::SentLog::push(std::uint64_t sequence, std::int64_t sent_ns) {
    if (size_ != 0 && sequence <= newest()) {
        return;
    }
    entries_[next_] = {sequence, sent_ns};
    next_ = (next_ + 1) % kFrames;
    size_ = std::min(size_ + 1, kFrames);
}

std::uint64_t RoleMachine::SentLog::newest() const {
    return size_ == 0 ? 0 : entry(size_ - 1).first;
}

std::int64_t RoleMachine::SentLog::sent_at(std::uint64_t sequence) const {
    if (size_ == 0 || sequence < entry(0).first) {
        return 0;
    }
    // The newest frame of ours at or before the echoed one (a frame that
    // failed to send has no number of its own): the first entry after it,
    // found by bisection over the ring in send order, minus one.
    std::size_t low = 0;
    std::size_t high = size_;
    while (low < high) {
        const std::size_t middle = low + (high - low) / 2;
        if (entry(middle).first <= sequence) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return entry(low - 1).second;
}

std::int64_t RoleMachine::sent_at(std::size_t link, std::uint64_t echo_sequence) const {
    return link < sent_.size() ? sent_[link].sent_at(echo_sequence) : 0;
}

std::uint32_t RoleMachine::echo_generation(std::uint64_t peer_epoch) const {
    return peer_generation_ && peer_generation_->first == peer_epoch ? peer_generation_->second : 0;
}

bool RoleMachine::peer_state_answers_us() const {
    return answering_generation_.has_value() && answering_generation_ == peer_generation_;
}

void RoleMachine::on_peer_frame(const wire::Heartbeat& beat, std::size_t link, std::int64_t now) {
    highest_term_ = std::max(highest_term_, beat.term);
    // The session's window accepts frames out of order (RFC 4303): one older
    // than the newest of its link says nothing about the peer's present.
    auto& newest = newest_frame_[beat.link_id];
    if (newest.first == beat.boot_epoch && beat.sequence <= newest.second) {
        return;
    }
    // Each link's session orders the peer's boots on its own link only: a
    // frame of the peer's previous boot, delayed on one link, can arrive
    // after its new boot was heard on another. The newer boot heard our
    // later frames: a frame of another boot that echoes nothing of ours
    // sent after what the current boot echoed is history.
    // A boot once replaced never comes back, whatever its delayed frames
    // echo (links of different delays can make one echo a later frame).
    if (std::find(retired_epochs_.begin(), retired_epochs_.end(), beat.boot_epoch) != retired_epochs_.end()) {
        return;
    }
    const std::int64_t heard_us_at = sent_at(link, beat.echo_sequence);
    const bool another_boot = peer_generation_ && peer_generation_->first != beat.boot_epoch;
    if (another_boot && heard_us_at <= peer_heard_us_at_) {
        // Which boot is the present is not known yet: no handover on the
        // current one's word until it is (the timeout path still works).
        peer_sent_released_ = false;
        answering_generation_.reset();
        return;
    }
    if (another_boot) {
        retired_epochs_.push_back(peer_generation_->first);
        if (retired_epochs_.size() > kRetiredBoots) {
            retired_epochs_.pop_front();
        }
    }
    peer_heard_us_at_ = another_boot ? heard_us_at : std::max(peer_heard_us_at_, heard_us_at);
    newest = {beat.boot_epoch, beat.sequence};
    // Across links only the sender's own count of its state changes orders
    // its frames: one made before its latest change is history.
    if (peer_generation_ && peer_generation_->first == beat.boot_epoch && beat.generation < peer_generation_->second) {
        return;
    }
    if (peer_generation_ &&
        (peer_generation_->first != beat.boot_epoch || beat.generation > peer_generation_->second)) {
        // The peer changed its state since its last message: it has answered
        // it itself (a "released" followed by a new acquisition is void).
        peer_sent_released_ = false;
        peer_requests_release_ = false;
    }
    peer_generation_ = std::make_pair(beat.boot_epoch, beat.generation);
    // The echo says what of ours the peer had heard when it sent this
    // frame: our current generation (on any link), or on this link a frame
    // sent after our last change (sequences count per link; before our
    // first change, our first frame). Then the state it carries was chosen
    // knowing ours, and stays so for its generation.
    const std::uint64_t answer_from = link < answer_from_sequence_.size() ? answer_from_sequence_[link] : 1;
    if (beat.echo_generation == static_cast<std::uint32_t>(generation_) || beat.echo_sequence >= answer_from) {
        answering_generation_ = peer_generation_;
    }
    peer_state_ = beat.state;
    if (beat.state == wire::SenderState::releasing && peer_up_since_ns_ != 0) {
        // It cannot serve (its service link or a check): the failback
        // hold-down counts from when it last said so, so a primary whose
        // service flaps does not bounce the addresses either.
        peer_up_since_ns_ = now;
    }
    peer_role_ = beat.role;
    peer_node_ = beat.node_id;
    peer_term_ = beat.term;
    if (beat.state != wire::SenderState::active) {
        reasserted_against_term_.reset();
    }
    if (beat.type == wire::MessageType::released) {
        if (!peer_sent_released_) {
            log("peer says released");
        }
        peer_sent_released_ = true;
    } else if (beat.type == wire::MessageType::release_request) {
        if (!peer_requests_release_) {
            log("peer asks for its addresses");
        }
        peer_requests_release_ = true;
    }
}

void RoleMachine::on_peer_change(const detector::PeerChange& change, const std::string& silent_links,
                                 std::int64_t now) {
    if (change.to == PeerState::dead) {
        peer_up_since_ns_ = 0;
        peer_requests_release_ = false;
        if (config_.role == wire::Role::primary) {
            notify("standby lost", "no beats from the secondary on any link (" + std::string(change.reason) + ")");
        }
    } else if (change.to == PeerState::alive || change.to == PeerState::degraded) {
        if (peer_up_since_ns_ == 0) {
            peer_up_since_ns_ = now;
        }
    }
    if (change.to == PeerState::degraded) {
        notify("network anomaly: link " + silent_links + " silent",
               "the peer still beats on another link; no takeover (split-brain guard)");
    }
}

}  // namespace fo::role
