#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fo/daemon/config.hpp"
#include "fo/daemon/events.hpp"
#include "fo/detector/beat_intake.hpp"
#include "fo/detector/interval_histogram.hpp"
#include "fo/detector/peer_detector.hpp"
#include "fo/inject/beat_emitter.hpp"
#include "fo/role/role_machine.hpp"
#include "fo/takeover/health_check.hpp"
#include "fo/takeover/takeover.hpp"

namespace fo::daemon {

class HookRunnerTap;
class NotifierTap;

/// The OS edges of one node: the daemon passes the real ones, the in-memory
/// pair simulation fakes. Pointers must outlive the node.
struct NodeEdges {
    std::vector<inject::HeartbeatTransmitter*> transmitters;  // one per configured link, in order
    std::vector<wire::MacAddress> link_macs;                  // ours, per link: ARP from them is not a claim
    takeover::TakeoverController::ArpFor arp_for;
    takeover::TakeoverController::NdpFor ndp_for;  // IPv6 service addresses' announcements and probes
    takeover::AddressManager* addresses = nullptr;
    takeover::HookRunner* hooks = nullptr;
    takeover::Notifier* notifier = nullptr;
    takeover::Scheduler* scheduler = nullptr;
    std::function<std::int64_t()> wall_clock;  // CLOCK_REALTIME, only written into frames
    // CLOCK_MONOTONIC, read when an acquire or release completes later (its
    // hooks ran in the background); unset: the time of the last entry point.
    std::function<std::int64_t()> monotonic_clock;
    std::function<void(const std::string&)> logger;
    // Runs the [[check]]s (a child process, a TCP connect); needed when the
    // configuration has checks, else unused.
    takeover::CheckExecutor* checks = nullptr;
    EventSink* events = nullptr;  // every state change is published here (nullptr: nowhere)
};

struct NodeIdentity {
    std::uint32_t node_id = 0;
    std::uint64_t boot_epoch = 0;
    const wire::Keyring* keyring = nullptr;  // nullptr: --no-auth; read at every frame (reloads)
};

struct NodeCounters {
    /// Episodes of frames failing authentication while the peer was not heard
    /// (keys that differ between the nodes): each logged and mailed once.
    std::uint64_t authentication_alarms = 0;
};

/// One node of the pair without any OS call: frames in (intake -> sessions ->
/// detector -> role machine), actions out (frames, probes, takeover). Data
/// flows one way; every entry point takes the current monotonic time.
class Node {
  public:
    Node(const Config& config, NodeIdentity identity, NodeEdges edges, std::int64_t start_ns);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    /// A captured frame on `link`: a heartbeat, or ARP on a service link.
    /// Only records; decide() acts.
    void on_frame(std::size_t link, std::span<const std::uint8_t> frame, std::int64_t arrival_ns);
    /// One frame on every link: our state, term and each link's echo. Also sent
    /// by the node itself at once after any change of what the frames say.
    void emit(std::int64_t now);
    /// The detector deadline timer: the same as decide().
    void tick(std::int64_t now);
    /// Detector deadlines at `now` (feed every captured frame first), then
    /// the role machine decides and its actions are carried out.
    void decide(std::int64_t now);
    void on_carrier(std::size_t link, bool carrier, std::int64_t now);
    std::optional<std::string> admin_release(std::int64_t now);
    /// Releases (if holding) and says "released" with state stopping; an
    /// acquisition running its hooks is cancelled first. Done when !busy().
    void shutdown(std::int64_t now);
    /// An acquire or release is running (its hooks); the process must keep
    /// its event loop running until it ends.
    [[nodiscard]] bool busy() const { return role_->busy() || takeover_->busy(); }
    void set_failback(FailbackPolicy policy, std::int64_t hold_down_ns);

    [[nodiscard]] std::optional<std::int64_t> next_deadline() const { return detector_->next_deadline(); }
    [[nodiscard]] const detector::PeerDetector& detector() const { return *detector_; }
    [[nodiscard]] const detector::BeatIntake& intake() const { return *intake_; }
    [[nodiscard]] const role::RoleMachine& role() const { return *role_; }
    [[nodiscard]] takeover::TakeoverController& takeover() { return *takeover_; }
    [[nodiscard]] const inject::BeatEmitter& emitter() const { return *emitter_; }
    [[nodiscard]] const detector::IntervalHistogram& intervals(std::size_t link) const {
        return links_[link].intervals;
    }
    [[nodiscard]] bool carrier(std::size_t link) const { return links_[link].carrier; }
    /// The peer's beats missing on `link`: sequence gaps within one boot epoch.
    [[nodiscard]] std::uint64_t beats_lost(std::size_t link) const { return links_[link].lost; }
    [[nodiscard]] const Config& config() const { return config_; }
    [[nodiscard]] const NodeIdentity& identity() const { return identity_; }
    [[nodiscard]] const NodeCounters& counters() const { return counters_; }
    [[nodiscard]] role::PeerView peer_view(std::int64_t now) const;
    /// The [[check]]s; nullptr when none is configured.
    [[nodiscard]] const takeover::HealthMonitor* health() const { return health_.get(); }

  private:
    struct LinkState {
        bool carrier = true;
        bool service = false;  // a service address lives on this interface
        detector::IntervalHistogram intervals;
        std::int64_t last_counted_beat_ns = 0;
        std::uint64_t last_epoch = 0;  // of the peer's newest beat here, and its sequence
        std::uint64_t last_sequence = 0;
        std::uint64_t lost = 0;
    };

    [[nodiscard]] std::uint64_t authentication_failures() const;
    void on_neighbor_discovery(std::size_t link, std::span<const std::uint8_t> frame, std::int64_t arrival_ns);
    void run_actions(std::int64_t now);
    [[nodiscard]] std::int64_t clock_now() const;
    void send_released();
    /// Tells the role machine the newest sequence sent on each link.
    void report_sent();
    void publish_result(EventKind kind, bool succeeded, std::uint64_t vetoed_before, const std::string& reason);
    [[nodiscard]] bool service_carrier() const;
    void on_health_change();
    /// The checks' verdict to the role machine.
    void feed_health(std::int64_t now);

    Config config_;
    NodeIdentity identity_;
    NodeEdges edges_;
    std::vector<LinkState> links_;
    std::unique_ptr<detector::PeerDetector> detector_;
    std::unique_ptr<detector::BeatIntake> intake_;
    std::unique_ptr<role::RoleMachine> role_;
    std::unique_ptr<takeover::TakeoverController> takeover_;
    std::map<wire::Ipv6Address, std::uint32_t> ipv6_keys_;  // IPv6 service address -> the role machine's claim key
    std::unique_ptr<inject::BeatEmitter> emitter_;
    std::unique_ptr<takeover::HealthMonitor> health_;
    bool health_started_ = false;  // the checks start at the first decide()
    bool deciding_ = false;
    std::uint64_t emitted_generation_ = 0;  // the role generation our last frames carried
    std::int64_t now_ = 0;                  // of the entry point running: detector callbacks carry no time
    bool authentication_alarm_ = false;     // raised once per episode of failures without the peer
    NodeCounters counters_;
    std::unique_ptr<HookRunnerTap> hook_tap_;  // in front of edges_.hooks and edges_.notifier when publishing events
    std::unique_ptr<NotifierTap> notifier_tap_;
};

}  // namespace fo::daemon
