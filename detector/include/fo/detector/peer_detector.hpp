#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fo/wire/heartbeat.hpp"

namespace fo::detector {

enum class LinkState : std::uint8_t { unknown, up, down };
/// waiting: never heard the peer and the initial dead time is not over, so
/// nothing may be decided yet (Apple's flaw was to take over at once).
/// degraded: some links silent, some beating: notify, never take over.
/// dead: every link silent: take over.
enum class PeerState : std::uint8_t { waiting, alive, degraded, dead };

std::string_view to_string(LinkState state);
std::string_view to_string(PeerState state);

struct DetectorConfig {
    std::vector<std::string> link_names;  // index = our link index
    std::uint32_t miss_count = 3;         // a link is down after miss_count x the peer's interval
    std::int64_t initial_dead_time_ns = 5'000'000'000;
    /// Used for the deadline until the peer has told us its interval.
    std::int64_t assumed_interval_ns = 100'000'000;
};

struct LinkChange {
    std::size_t link = 0;
    LinkState from = LinkState::unknown;
    LinkState to = LinkState::unknown;
    std::string_view reason;
};

struct PeerChange {
    PeerState from = PeerState::waiting;
    PeerState to = PeerState::waiting;
    std::string_view reason;
};

struct LinkStatus {
    std::string name;
    LinkState state = LinkState::unknown;
    std::int64_t last_beat_ns = 0;  // 0: never
    std::int64_t peer_interval_ns = 0;
    std::uint64_t beats = 0;
    std::uint64_t went_down = 0;
};

struct DetectorCounters {
    std::uint64_t link_changes = 0;
    std::uint64_t peer_changes = 0;
    std::uint64_t peer_restarts = 0;
    std::uint64_t times_dead = 0;
    std::uint64_t times_degraded = 0;
};

/// Watches one peer over several links. Pure: the caller feeds beats that
/// already passed decoding, the MAC check and the replay guard, with their
/// capture timestamps, and ticks with the current monotonic time. Every
/// state change goes through set_link_state / set_peer_state, which log,
/// count and notify subscribers.
class PeerDetector {
  public:
    using LinkSubscriber = std::function<void(const LinkChange&)>;
    using PeerSubscriber = std::function<void(const PeerChange&)>;
    using Logger = std::function<void(const std::string&)>;

    PeerDetector(DetectorConfig config, std::int64_t start_ns, Logger logger = {});

    void subscribe(LinkSubscriber subscriber) { link_subscribers_.push_back(std::move(subscriber)); }
    void subscribe(PeerSubscriber subscriber) { peer_subscribers_.push_back(std::move(subscriber)); }

    /// A valid beat from the peer arrived on `link` at `arrival_ns`.
    void on_beat(std::size_t link, const wire::Heartbeat& beat, std::int64_t arrival_ns);
    /// Evaluates deadlines at `now_ns`. Callers must first feed every beat
    /// already captured: a late timer must not turn queued beats into a
    /// takeover.
    void on_tick(std::int64_t now_ns);
    /// Our own cable on `link` is unplugged (or back): a down link of ours
    /// is down for the peer too, without waiting for the deadline.
    void on_local_link(std::size_t link, bool carrier, std::int64_t now_ns);

    /// The earliest time at which on_tick could change something.
    [[nodiscard]] std::optional<std::int64_t> next_deadline() const;
    /// A link is late once its peer missed half a beat beyond one interval:
    /// the moment to start preparing a takeover (probes), well before DEAD.
    [[nodiscard]] bool any_link_late(std::int64_t now_ns) const;

    [[nodiscard]] PeerState peer_state() const { return peer_state_; }
    [[nodiscard]] const std::vector<LinkStatus>& links() const { return links_; }
    [[nodiscard]] const DetectorCounters& counters() const { return counters_; }
    [[nodiscard]] std::optional<std::uint64_t> peer_boot_epoch() const { return peer_epoch_; }
    [[nodiscard]] std::optional<wire::SenderState> peer_sender_state() const { return peer_sender_state_; }

  private:
    [[nodiscard]] std::int64_t link_deadline(const LinkStatus& link) const;
    [[nodiscard]] std::int64_t link_late_time(const LinkStatus& link) const;
    void set_link_state(std::size_t link, LinkState to, std::string_view reason);
    void set_peer_state(PeerState to, std::string_view reason);
    void reevaluate_peer(std::int64_t now_ns, std::string_view reason);

    DetectorConfig config_;
    std::int64_t start_ns_;
    Logger logger_;
    std::vector<LinkStatus> links_;
    std::vector<bool> local_carrier_;
    PeerState peer_state_ = PeerState::waiting;
    bool ever_heard_ = false;
    std::optional<std::uint64_t> peer_epoch_;
    std::optional<wire::SenderState> peer_sender_state_;
    DetectorCounters counters_;
    std::vector<LinkSubscriber> link_subscribers_;
    std::vector<PeerSubscriber> peer_subscribers_;
};

}  // namespace fo::detector
