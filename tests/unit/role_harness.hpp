#pragma once

// The role machine's test harness: one RoleMachine with its log, its changes,
// the peer's frames and the detector's view (role_machine_test.cpp,
// role_health_test.cpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fo/role/role_machine.hpp"

namespace fo::role {
namespace {

using detector::PeerState;
using Kind = Action::Kind;
using wire::MessageType;
using wire::Role;
using wire::SenderState;

constexpr std::uint32_t kAddress = 0xC6336464;  // 198.51.100.100
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kInterval = 100 * kMs;
constexpr std::uint32_t kPrimaryNode = 1;
constexpr std::uint32_t kSecondaryNode = 2;

RoleConfig config_for(Role role) {
    RoleConfig config;
    config.role = role;
    config.node_id = role == Role::primary ? kPrimaryNode : kSecondaryNode;
    config.addresses = {kAddress};
    config.interval_ns = kInterval;
    config.miss_count = 3;
    config.initial_dead_time_ns = 5'000 * kMs;
    return config;
}

/// One RoleMachine with its log, its published changes, the peer's frames
/// (numbered per link as the wire does) and the detector's view.
class Harness {
  public:
    explicit Harness(Role role, const std::function<void(RoleConfig&)>& tweak = {}) {
        RoleConfig config = config_for(role);
        if (tweak) {
            tweak(config);
        }
        machine_.emplace(config, [this](const std::string& line) { log.push_back(line); });
        machine().subscribe([this](const RoleChange& change) { changes.push_back(change); });
        peer_role_ = role == Role::primary ? Role::secondary : Role::primary;
        view.interval_ns = kInterval;
    }

    RoleMachine& machine() { return *machine_; }

    /// The detector's view; each state change counts as one peer change.
    void peer(PeerState state) {
        if (view.state != state) {
            ++view.changes;
            machine().on_peer_change(detector::PeerChange{view.state, state, "test"}, "eth1", now);
            view.state = state;
        }
    }

    wire::Heartbeat beat(SenderState state, std::uint64_t term, MessageType type = MessageType::beat,
                         std::uint8_t link = 0) {
        wire::Heartbeat beat;
        beat.type = type;
        beat.role = peer_role_;
        beat.state = state;
        beat.node_id = peer_role_ == Role::primary ? kPrimaryNode : kSecondaryNode;
        beat.boot_epoch = peer_epoch;
        beat.link_id = link;
        beat.sequence = ++peer_sequence[link];
        // The peer answers our newest frame: one of ours goes out first
        // (unless the test holds our frames back) and the peer echoes it.
        if (peer_hears_us) {
            send(link);
        }
        beat.echo_sequence = our_sequence[link];
        beat.echo_generation = our_generation_heard;
        beat.term = term;
        // As the sender counts: one more generation per change of its state.
        if (last_peer_state_ && *last_peer_state_ != state) {
            ++peer_generation_;
        }
        last_peer_state_ = state;
        beat.generation = peer_generation_;
        return beat;
    }
    /// One frame of ours on `link`, as the Node reports it.
    /// It reaches the peer: the peer's next frames echo it and our generation.
    void send(std::uint8_t link = 0) {
        machine().on_frame_sent(link, ++our_sequence[link], now);
        our_generation_heard = static_cast<std::uint32_t>(machine().generation());
    }
    /// A frame of the peer, accepted by its session, then a decision.
    void frame(SenderState state, std::uint64_t term, MessageType type = MessageType::beat, std::uint8_t link = 0) {
        hear(beat(state, term, type, link));
    }
    void hear(const wire::Heartbeat& beat) {
        if (view.state == PeerState::waiting || view.state == PeerState::dead) {
            peer(PeerState::alive);
        }
        view.last_beat_ns = now;
        machine().on_peer_frame(beat, beat.link_id, now);
    }

    /// evaluate() and return the actions it asked for.
    std::vector<Action> evaluate() {
        machine().evaluate(view, now);
        return machine().take_actions();
    }
    void advance(std::int64_t ns) { now += ns; }

    /// Runs the acquire or release the machine asked for, as the Node does.
    void complete(const std::vector<Action>& actions, bool ok = true) {
        for (const Action& action : actions) {
            if (action.kind == Kind::acquire) {
                machine().on_acquire_result(ok, view, now);
            } else if (action.kind == Kind::release) {
                if (ok) {
                    machine().on_addresses_removed(now);
                }
                machine().on_release_result(ok, now);
            }
        }
    }

    /// Brings the machine to active with the given term (a fresh acquisition).
    void make_active(std::uint64_t peer_term_before = 0) {
        if (machine().config().role == Role::primary) {
            frame(SenderState::standby, peer_term_before);
        } else {
            frame(SenderState::stopping, peer_term_before, MessageType::released);
        }
        auto actions = evaluate();
        ASSERT_TRUE(has(actions, Kind::acquire));
        complete(actions);
        ASSERT_EQ(machine().hold(), HoldState::active);
    }

    static bool has(const std::vector<Action>& actions, Kind kind) {
        for (const Action& action : actions) {
            if (action.kind == kind) {
                return true;
            }
        }
        return false;
    }
    static const Action* find(const std::vector<Action>& actions, Kind kind) {
        for (const Action& action : actions) {
            if (action.kind == kind) {
                return &action;
            }
        }
        return nullptr;
    }
    /// Every transition logged once, counted and published.
    void expect_transitions_consistent() const {
        std::size_t role_lines = 0;
        for (const auto& line : log) {
            role_lines += line.rfind("role ", 0) == 0 ? 1 : 0;
        }
        EXPECT_EQ(role_lines, changes.size());
        EXPECT_EQ(machine_->counters().transitions, changes.size());
        for (std::size_t i = 1; i < changes.size(); ++i) {
            EXPECT_EQ(changes[i].from, changes[i - 1].to);
        }
    }

    std::vector<std::string> log;
    std::vector<RoleChange> changes;
    PeerView view;
    std::int64_t now = 1'000 * kMs;
    std::uint64_t peer_epoch = 0x5EED;
    std::uint64_t peer_sequence[4] = {0, 0, 0, 0};
    std::uint64_t our_sequence[4] = {0, 0, 0, 0};
    std::uint32_t our_generation_heard = 0;  // our generation as the peer last heard it (any link)
    /// false: the peer's frames echo only what we sent before (our newer
    /// frames are still on the wire), so they do not answer a change since.
    bool peer_hears_us = true;

  private:
    std::optional<RoleMachine> machine_;
    Role peer_role_;
    std::optional<SenderState> last_peer_state_;
    std::uint32_t peer_generation_ = 0;
};

std::string kinds(const std::vector<Action>& actions) {
    std::string out;
    for (const Action& action : actions) {
        out += std::string(to_string(action.kind)) + (action.forced ? "(forced)" : "") + ":" + action.reason + ";";
    }
    return out;
}

/// evaluate(), the acquire or release completed, and what that asked for.
[[maybe_unused]] std::vector<Action> decide(Harness& h) {
    auto actions = h.evaluate();
    h.complete(actions);
    for (auto& later : h.machine().take_actions()) {
        actions.push_back(later);
    }
    return actions;
}

/// What the other harness hears from `from` after its actions: its state,
/// term and, when it just said so, "released".
[[maybe_unused]] void relay(Harness& from, Harness& to, const std::vector<Action>& actions) {
    const bool released = Harness::has(actions, Kind::send_released);
    to.frame(wire_state(from.machine().advertised()), from.machine().term(),
             released ? MessageType::released : from.machine().outgoing_type());
}

/// One boot of the peer, for tests of restarts: its own epoch, a
/// sequence per link, a generation per change of what it says. Each frame
/// echoes the newest frame of ours on its link when it is made (one of ours
/// goes out first); a test may overwrite echo_sequence for a frame of ours
/// that reached the peer late.
struct PeerBoot {
    PeerBoot(std::uint64_t boot_epoch, Role sender_role) : epoch(boot_epoch), role(sender_role) {}

    std::uint64_t epoch;
    Role role;
    std::uint32_t generation = 0;
    std::uint64_t sequence[2] = {0, 0};
    std::optional<SenderState> last_state;

    wire::Heartbeat make(Harness& to, SenderState state, std::uint64_t term, std::uint8_t link,
                         MessageType type = MessageType::beat) {
        if (last_state && *last_state != state) {
            ++generation;
        }
        last_state = state;
        to.send(link);
        wire::Heartbeat beat;
        beat.type = type;
        beat.role = role;
        beat.state = state;
        beat.node_id = role == Role::primary ? kPrimaryNode : kSecondaryNode;
        beat.boot_epoch = epoch;
        beat.echo_epoch = 1;
        beat.link_id = link;
        beat.sequence = ++sequence[link];
        beat.echo_sequence = to.our_sequence[link];
        beat.term = term;
        beat.generation = generation;
        return beat;
    }
};

/// Holds the addresses or is acquiring them.
[[maybe_unused]] bool takes(Harness& h) {
    return h.machine().hold() == HoldState::active || h.machine().busy();
}

}  // namespace
}  // namespace fo::role
