// The adversary: re-injects recorded frames and checks invariant 3 (a frame
// that must be refused changes no role or detector state and is counted).

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "pair_sim.hpp"

namespace fo::sim {

std::string PairSim::must_refuse(std::size_t index, int to) {
    const RecordedFrame& frame = recorded_[index];
    Host& h = hosts_[to];
    if (frame.sender == to || !h.running()) {
        return "";
    }
    if (frame.beat.echo_epoch != h.instance->epoch) {
        return "unechoed";
    }
    const auto& session = h.node().intake().sessions()[frame.link];
    if (session.state() == wire::LinkSession::State::up && session.peer_epoch() != frame.beat.boot_epoch) {
        auto owner = epoch_owner_.find(session.peer_epoch());
        if (owner != epoch_owner_.end() && owner->second.gen > frame.sender_gen) {
            return "older sender instance";
        }
    }
    if (h.delivered.count(index) != 0) {
        return "already delivered";
    }
    return "";
}

void PairSim::inject(std::size_t index, int to) {
    Host& h = hosts_[to];
    const RecordedFrame& frame = recorded_[index];
    if (!h.running() || frame.sender == to) {
        return;
    }
    if (h.paused) {  // lands in the capture buffer like any frame
        h.capture.push_back(Captured{frame.link, now_, frame.bytes, index});
        return;
    }
    const std::string why = must_refuse(index, to);
    if (why.empty() && !options_.late_replays && now_ - frame.sent_ns > 2 * options_.interval_ns) {
        return;  // a withheld frame of the live session, long after: see late_replays
    }
    log_line(to, "adversary injects #" + std::to_string(index) + " " + describe(frame) +
                     (why.empty() ? " (may be live)" : " (must refuse: " + why + ")"));
    checked_on_frame(to, frame.link, frame.bytes, why, false);
    h.delivered.insert(index);
    if (why.empty()) {
        // A live frame relayed around a cut is a one-way link for the
        // detector: the sender counts as heard, liveness waits again.
        gap_until_[frame.sender] = std::max(gap_until_[frame.sender], now_);
    }
}

void PairSim::inject_foreign(const RecordedFrame& frame, int to) {
    Host& h = hosts_[to];
    if (!h.running() || h.paused) {
        return;
    }
    const bool own = frame.beat.node_id == h.config.node_id;
    log_line(to, "adversary injects a frame of an earlier pair: " + describe(frame));
    checked_on_frame(to, frame.link, frame.bytes, own ? "" : "another life of the pair", own);
}

void PairSim::checked_on_frame(int to, std::size_t link, const testing::Frame& bytes, const std::string& why,
                               bool own) {
    daemon::Node& node = hosts_[to].node();
    const Snapshot before = snapshot(to);
    const auto sessions_before = session_view(to);
    const auto own_before = node.intake().own_frames();
    node.on_frame(link, bytes, now_);
    const Snapshot after = snapshot(to);
    if (own) {
        if (!(after == before) || node.intake().own_frames() != own_before + 1) {
            fail("invariant 3: our own frame replayed to " + host_name(to) + " changed state:" + diff(before, after));
        }
        return;
    }
    if (why.empty()) {
        ++dual_stats().replays_late;
        return;
    }
    ++dual_stats().replays_checked;
    if (session_view(to) != sessions_before) {
        ++dual_stats().session_steered;
    }
    Snapshot expected = before;
    expected.refused = before.refused + 1;
    if (!(after == expected)) {
        fail("invariant 3: a replayed frame (" + why + ") changed " + host_name(to) +
             "'s state:" + diff(before, after));
    }
}

std::vector<std::tuple<int, std::uint64_t, std::uint64_t>> PairSim::session_view(int i) {
    std::vector<std::tuple<int, std::uint64_t, std::uint64_t>> view;
    for (const auto& session : hosts_[i].node().intake().sessions()) {
        view.emplace_back(static_cast<int>(session.state()), session.echo_epoch(), session.echo_sequence());
    }
    return view;
}

}  // namespace fo::sim
