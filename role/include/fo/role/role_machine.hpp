#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fo/detector/peer_detector.hpp"
#include "fo/wire/heartbeat.hpp"

namespace fo::role {

/// Our side of the protocol, carried in every frame as wire::SenderState.
enum class HoldState : std::uint8_t {
    starting,   // primary: not holding, wants the addresses
    standby,    // secondary: not holding
    active,     // holding the addresses
    releasing,  // primary: cannot serve (service link down), handed over
    stopping,   // shutting down, handed over
};
std::string_view to_string(HoldState state);
wire::SenderState wire_state(HoldState state);

/// The verdict of the node's [[check]]s.
enum class ServiceHealth : std::uint8_t {
    passing,  // every check passes, or none is configured
    pending,  // none fails, some have no result yet: keep the addresses, take none
    failing,  // one fails: hand over, cannot stand by
};

struct RoleConfig {
    wire::Role role = wire::Role::primary;
    std::uint32_t node_id = 0;
    std::vector<std::uint32_t> addresses;  // service IPv4 addresses (host order); empty: a pure watcher
    /// Keys in `addresses` that are not IPv4 addresses (IPv6 ones: Node's keys), by their text.
    std::map<std::uint32_t, std::string> address_names;
    bool manual_failback = false;
    std::int64_t failback_hold_down_ns = 0;
    std::int64_t interval_ns = 100'000'000;
    std::uint32_t miss_count = 3;
    std::int64_t initial_dead_time_ns = 5'000'000'000;
};

/// What the detector says at the time of a call.
struct PeerView {
    detector::PeerState state = detector::PeerState::waiting;
    bool any_link_late = false;
    std::int64_t last_beat_ns = 0;  // the newest beat of the session on any link; 0: never
    std::int64_t interval_ns = 0;   // the peer's advertised interval (largest over links); 0: unknown
    std::uint64_t changes = 0;      // the detector's count of peer changes
};

struct Action {
    enum class Kind : std::uint8_t {
        probe,          // RFC 5227 probes for every service address
        acquire,        // Test, PreAcq, addresses, GARP burst, PostAcq; answer with on_acquire_result
        release,        // Test (unless forced), PreRel, remove, on_addresses_removed, PostRel; then on_release_result
        send_released,  // "released" now, repeated (the peer may act at once)
        announce,       // a fresh gratuitous-ARP burst for the addresses we hold
        notify,         // mail and log
    };
    Kind kind = Kind::probe;
    std::string reason;   // acquire, release; notify: the subject
    std::string body;     // notify
    bool forced = false;  // release: no Test veto
    bool operator==(const Action&) const = default;
};
std::string_view to_string(Action::Kind kind);

struct RoleChange {
    HoldState from = HoldState::standby;
    HoldState to = HoldState::standby;
    std::string reason;
};

struct RoleCounters {
    std::uint64_t transitions = 0;
    std::uint64_t yielded_to_newer_term = 0;  // released: the peer held with a newer term
    std::uint64_t reasserted = 0;             // kept the addresses against an older-term holder, re-announced
    std::uint64_t vetoed_acquisitions = 0;
};

/// The role and handover logic of one node, pure: inputs in (the peer's
/// frames of the current session, detector changes, our carrier, ARP claims
/// seen, ticks, admin commands, the results of acquire and release), actions
/// out (take_actions). No OS calls and no clock: every input carries `now`.
/// Every change of our state goes through set_hold, which logs
/// `role secondary: standby -> active reason=...`, counts and publishes.
///
/// One owner after any heal: each acquisition takes a term above every term
/// heard; a holder that hears its peer holding too yields when the peer's
/// term is newer (ties: the primary keeps; same role: the higher node id) and
/// otherwise re-announces the addresses once per conflict.
class RoleMachine {
  public:
    using Logger = std::function<void(const std::string&)>;
    using Subscriber = std::function<void(const RoleChange&)>;

    RoleMachine(RoleConfig config, Logger logger = {});

    void subscribe(Subscriber subscriber) { subscribers_.push_back(std::move(subscriber)); }
    /// Reloadable parts only.
    void set_failback(bool manual, std::int64_t hold_down_ns);

    // Inputs.
    /// A frame of the peer that our link `link`'s session accepted (echoes our epoch).
    void on_peer_frame(const wire::Heartbeat& beat, std::size_t link, std::int64_t now);
    /// Our frame numbered `sequence` went out on link `link` at `now` (each
    /// link numbers its own frames). A peer state is an answer to ours only
    /// from a frame that echoes our current generation or one of our frames
    /// sent after our last change; the send times order the peer's boots.
    void on_frame_sent(std::size_t link, std::uint64_t sequence, std::int64_t now);
    /// The detector's peer state changed; `silent_links` names the links not up.
    void on_peer_change(const detector::PeerChange& change, const std::string& silent_links, std::int64_t now);
    /// Our carrier: whether every service interface has it, and whether a link
    /// just came back (the peer's beats have not had time to arrive yet).
    void on_carrier(bool service_carrier, bool link_came_back, std::int64_t now);
    /// The service's own health checks ([[check]]) and the names of the
    /// checks that decide it (the failing ones; when pending, the ones with
    /// no result yet). Like a lost service link, a failing check makes the
    /// holder hand over at once and a standby unable to take over ("cannot
    /// stand by"). Pending (the checks started with the daemon and have not
    /// all answered) blocks every acquisition, the handover handshake
    /// included, and a primary does not ask for the addresses meanwhile;
    /// but a holder keeps them: nothing is known against it.
    void on_health(ServiceHealth health, const std::string& names, std::int64_t now);
    /// passing (healthy) or failing.
    void on_health(bool healthy, const std::string& failing, std::int64_t now) {
        on_health(healthy ? ServiceHealth::passing : ServiceHealth::failing, failing, now);
    }
    /// An ARP frame from another MAC claiming one of our service addresses.
    void on_claim(std::uint32_t address, std::int64_t now);
    /// Decide: after every input and on every tick.
    void evaluate(const PeerView& peer, std::int64_t now);
    void on_acquire_result(bool acquired, const PeerView& peer, std::int64_t now);
    /// From inside the release: the addresses are gone, PostRel has not run.
    void on_addresses_removed(std::int64_t now);
    void on_release_result(bool released, std::int64_t now);
    /// `foctl release`; returns an error text when refused.
    std::optional<std::string> admin_release(const PeerView& peer, std::int64_t now);
    void shutdown(std::int64_t now);

    std::vector<Action> take_actions();

    // Outputs read by the frame emitter.
    [[nodiscard]] HoldState hold() const { return hold_; }
    /// The state our frames carry. While an acquisition runs (its hooks take
    /// time, the beats go on) we hold nothing yet and want the addresses:
    /// `starting`, never `active`, and never `standby`, which would invite
    /// the peer to take them at the same time.
    [[nodiscard]] HoldState advertised() const {
        return pending_ == Pending::acquire && hold_ != HoldState::active ? HoldState::starting : hold_;
    }
    /// Counts every change of what our frames say (the frames' generation),
    /// from 1 (an echoed generation of 0 means none heard).
    [[nodiscard]] std::uint64_t generation() const { return generation_; }
    /// What our frames echo of the peer's generation when they echo its boot
    /// `peer_epoch`: the newest heard in that boot, or 0.
    [[nodiscard]] std::uint32_t echo_generation(std::uint64_t peer_epoch) const;
    [[nodiscard]] wire::MessageType outgoing_type() const { return outgoing_type_; }
    [[nodiscard]] std::uint64_t term() const { return term_; }
    [[nodiscard]] bool stopping() const { return stopping_; }
    [[nodiscard]] bool busy() const { return pending_ != Pending::none; }
    /// Why we cannot serve the addresses now (service link down, a failing
    /// check), or nothing.
    [[nodiscard]] std::optional<std::string> cannot_serve() const;
    /// Why we may not take the addresses now: cannot_serve(), or checks with
    /// no result yet ("checks have no result yet (NAMES)"); or nothing.
    [[nodiscard]] std::optional<std::string> cannot_take_over() const;

    // Status.
    [[nodiscard]] const RoleConfig& config() const { return config_; }
    [[nodiscard]] const RoleCounters& counters() const { return counters_; }
    [[nodiscard]] const std::optional<RoleChange>& last_change() const { return last_change_; }
    [[nodiscard]] std::optional<wire::SenderState> peer_sender_state() const { return peer_state_; }
    [[nodiscard]] std::uint64_t peer_term() const { return peer_term_; }
    [[nodiscard]] std::optional<std::string> last_acquire_reason() const { return last_acquire_reason_; }
    /// Whether the peer's state was sent after it heard our current state
    /// (a handover is taken only then).
    [[nodiscard]] bool peer_state_answers_us() const;

  private:
    enum class Pending : std::uint8_t { none, acquire, release };

    void set_hold(HoldState state, const std::string& reason);
    /// What our frames say changed: a new generation, and peer states heard
    /// so far are no answer to it.
    void new_generation();
    void notify(const std::string& subject, const std::string& body);
    void log(const std::string& line) const;
    bool resolve_both_holding(const PeerView& peer);
    void evaluate_primary(const PeerView& peer, std::int64_t now);
    void evaluate_secondary(const PeerView& peer, std::int64_t now);
    void probe(const PeerView& peer, std::int64_t now);
    /// The send time of our frame `echo_sequence` on `link`; 0 when unknown
    /// (older than the log, or never sent).
    [[nodiscard]] std::int64_t sent_at(std::size_t link, std::uint64_t echo_sequence) const;
    [[nodiscard]] std::int64_t probe_period(const PeerView& peer) const;
    [[nodiscard]] bool addresses_in_use(const PeerView& peer, std::string& who) const;
    void try_acquire(const std::string& reason, bool handover, const PeerView& peer, std::int64_t now);
    void release(const std::string& reason, bool forced, HoldState next);

    RoleConfig config_;
    Logger logger_;
    std::vector<Subscriber> subscribers_;
    std::vector<Action> actions_;

    HoldState hold_;
    wire::MessageType outgoing_type_ = wire::MessageType::beat;
    std::uint64_t term_ = 0;          // of our last acquisition; carried in every frame
    std::uint64_t highest_term_ = 0;  // the highest term heard or held
    Pending pending_ = Pending::none;
    std::uint64_t generation_ = 1;
    std::string pending_reason_;
    std::uint64_t pending_term_ = 0;
    HoldState pending_next_ = HoldState::standby;

    // The peer, from the newest frame of the session.
    std::optional<wire::SenderState> peer_state_;
    std::optional<wire::Role> peer_role_;
    std::uint32_t peer_node_ = 0;
    std::uint64_t peer_term_ = 0;
    bool peer_sent_released_ = false;
    bool peer_requests_release_ = false;
    std::int64_t peer_up_since_ns_ = 0;  // since when the peer beats without a DEAD in between
    std::optional<std::uint64_t> reasserted_against_term_;
    // The peer's link id -> (epoch, sequence) of the newest frame heard on it.
    std::map<std::uint8_t, std::pair<std::uint64_t, std::uint64_t>> newest_frame_;
    std::optional<std::pair<std::uint64_t, std::uint32_t>> peer_generation_;  // (boot epoch, newest generation)
    // Our link -> the recent (sequence, send time) of our frames on it, and
    // the first sequence sent after our last change (a frame of the peer
    // answers that change when it echoes at least that one).
    /// The (sequence, send time) of our last 256 frames on one link, to order
    /// the peer's boots by what they echo; a fixed ring: on_frame_sent runs
    /// per beat and allocates nothing.
    class SentLog {
      public:
        void push(std::uint64_t sequence, std::int64_t sent_ns);
        [[nodiscard]] std::uint64_t newest() const;  // 0: none
        /// The send time of the newest frame at or before `sequence`; 0 when
        /// older than the log.
        [[nodiscard]] std::int64_t sent_at(std::uint64_t sequence) const;

      private:
        static constexpr std::size_t kFrames = 256;
        [[nodiscard]] const std::pair<std::uint64_t, std::int64_t>& entry(std::size_t oldest_first) const {
            return entries_[(next_ + kFrames - size_ + oldest_first) % kFrames];
        }
        std::array<std::pair<std::uint64_t, std::int64_t>, kFrames> entries_{};
        std::size_t next_ = 0;
        std::size_t size_ = 0;
    };
    std::vector<SentLog> sent_;
    std::vector<std::uint64_t> answer_from_sequence_;
    // When we sent the newest frame of ours that the peer's current boot
    // echoed: a frame of another boot must echo a later one to replace it.
    std::int64_t peer_heard_us_at_ = 0;
    std::deque<std::uint64_t> retired_epochs_;  // the peer's boots replaced by a newer one
    // The peer generation (epoch, generation) seen in a frame that answered
    // our current generation: its state was chosen knowing ours.
    std::optional<std::pair<std::uint64_t, std::uint32_t>> answering_generation_;

    bool service_carrier_ = true;
    bool service_healthy_ = true;
    std::string failing_checks_;
    std::string pending_checks_;        // the checks with no result yet; empty: none
    bool releasing_for_check_ = false;  // primary: `releasing` because of a check, not the service link
    std::int64_t carrier_back_ns_ = 0;
    std::uint64_t vetoed_at_peer_change_ = ~std::uint64_t{0};
    bool in_use_notified_ = false;
    bool manual_failback_notified_ = false;
    bool cannot_stand_by_notified_ = false;
    bool release_requested_by_admin_ = false;
    bool stopping_ = false;
    std::map<std::uint32_t, std::int64_t> last_claim_ns_;  // service address -> last ARP claim by another MAC
    std::int64_t last_probe_ns_ = 0;
    std::int64_t previous_probe_ns_ = 0;
    std::uint64_t probes_since_start_ = 0;
    std::int64_t probing_since_ns_ = 0;  // 0: not probing

    RoleCounters counters_;
    std::optional<RoleChange> last_change_;
    std::optional<std::string> last_acquire_reason_;
};

}  // namespace fo::role
