#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The event bus: every state change of a node (link, peer, role, check,
// acquire, release, veto, hook, notification) as one event with a sequence
// number and a monotonic and a wall-clock timestamp, kept in a small bounded
// ring. The pure parts publish through EventSink (no OS call); the daemon
// streams the ring to `foctl events` readers, writes the journal and
// refreshes the metrics file from it. docs/design.md, "Events and metrics".

namespace fo::daemon {

enum class EventKind : std::uint8_t {
    link,          // a link's state as the detector sees it: link, link_state, from, reason
    peer,          // the detector's peer state: peer_state, from, reason
    role,          // our hold state (RoleMachine::set_hold): state, from, reason, term
    check,         // a [[check]] changed state: check, check_state, from, target, detail
    acquire,       // an acquisition ended: result (acquired|failed), address, reason
    release,       // a release ended: result (released|failed), address, reason
    veto,          // the Test hook vetoed: action (acquire|release)
    hook,          // one hook ended: phase, hook, exit, timed_out, refused
    notification,  // a notification (mail and log): subject; outcome mail_sent|mail_failed from the mailer
};
std::string_view to_string(EventKind kind);

/// What a pure part publishes: the kind and its fields (JSON scalars; keys
/// are lower_snake_case: the journal field is FAILOVER_ + the key in upper
/// case, e.g. peer_state -> FAILOVER_PEER_STATE).
struct EventRecord {
    EventKind kind = EventKind::link;
    nlohmann::json fields = nlohmann::json::object();
};

/// A published event, stamped by the bus.
struct Event {
    std::uint64_t sequence = 0;  // 1, 2, 3, ... without gaps on the bus
    std::int64_t monotonic_ns = 0;
    std::int64_t wall_ns = 0;
    EventRecord record;
};

/// Where the pure parts publish; the daemon's EventBus, or nothing.
class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void publish(EventRecord record) = 0;
};

/// A bounded ring of the newest `capacity` events. No OS call: the clocks
/// are injected. Readers keep their own cursor (the next sequence they
/// want); a reader whose cursor fell out of the ring has lost events.
class EventBus final : public EventSink {
  public:
    using Clock = std::function<std::int64_t()>;
    using Listener = std::function<void(const Event&)>;

    EventBus(std::size_t capacity, Clock monotonic, Clock wall);

    void publish(EventRecord record) override;
    /// Called after every publish, in order (streams, journal, metrics);
    /// returns an id for unlisten().
    int listen(Listener listener);
    void unlisten(int id);

    /// The sequence the next event will get.
    [[nodiscard]] std::uint64_t next_sequence() const { return next_sequence_; }
    /// The oldest sequence still in the ring (== next_sequence() when empty).
    [[nodiscard]] std::uint64_t oldest_sequence() const;
    /// The event `sequence`, if still in the ring.
    [[nodiscard]] const Event* find(std::uint64_t sequence) const;
    [[nodiscard]] std::size_t capacity() const { return ring_.size(); }

  private:
    std::vector<Event> ring_;
    std::uint64_t next_sequence_ = 1;
    Clock monotonic_;
    Clock wall_;
    std::vector<std::pair<int, Listener>> listeners_;
    int next_listener_ = 0;
    bool publishing_ = false;
    std::vector<EventRecord> queued_;  // published by a listener: after the current one
};

/// One line of `foctl events` (without the newline):
/// {"seq":N,"mono_ns":..,"wall":"2026-11-27T16:42:35.123456Z","event":"acquire",...fields}.
std::string event_json_line(const Event& event);
/// The marker a reader gets in place of the events it lost.
std::string lost_events_line(std::uint64_t lost, std::uint64_t next_sequence);
/// The first line of a stream: which sequence comes next.
std::string subscribed_line(std::uint64_t next_sequence, std::size_t capacity);
/// "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (UTC).
std::string iso8601_utc(std::int64_t wall_ns);

/// The journal fields of an event (besides MESSAGE and PRIORITY):
/// FAILOVER_EVENT=acquire, FAILOVER_SEQ=..., FAILOVER_<KEY>=value for every
/// field, so that `journalctl FAILOVER_EVENT=acquire` finds it.
std::vector<std::pair<std::string, std::string>> journal_fields(const Event& event);
/// A one-line summary for MESSAGE: "failover event acquire: result=acquired address=...".
std::string event_summary(const Event& event);
/// Sends the event to the journal with its fields (runtime::log_structured):
/// nothing when there is no journal (today's log lines stay as they are).
void journal_event(const Event& event);

}  // namespace fo::daemon
