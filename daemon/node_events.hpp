#pragma once

#include <map>
#include <string>
#include <vector>

#include "fo/daemon/events.hpp"
#include "fo/detector/peer_detector.hpp"
#include "fo/role/role_machine.hpp"
#include "fo/takeover/edges.hpp"
#include "fo/takeover/health_check.hpp"

// How a Node publishes its state changes into an EventSink without any OS
// call: it subscribes to the detector and the role machine, and puts a tap
// in front of the hook runner and the notifier it hands the takeover
// controller (their results pass through unchanged).

namespace fo::daemon {

/// Forwards to the real hook runner and publishes one `hook` event per hook.
class HookRunnerTap final : public takeover::HookRunner {
  public:
    HookRunnerTap(takeover::HookRunner& inner, EventSink& sink) : inner_(inner), sink_(sink) {}
    void start(takeover::HookPhase phase, const std::vector<std::string>& arguments,
               const std::map<std::string, std::string>& environment, Done done) override;
    void cancel() override { inner_.cancel(); }

  private:
    takeover::HookRunner& inner_;
    EventSink& sink_;
};

/// Forwards to the real notifier and publishes a `notification` event.
class NotifierTap final : public takeover::Notifier {
  public:
    NotifierTap(takeover::Notifier& inner, EventSink& sink) : inner_(inner), sink_(sink) {}
    void notify(const std::string& subject, const std::string& body) override;

  private:
    takeover::Notifier& inner_;
    EventSink& sink_;
};

/// Subscribes `sink` to the detector's link and peer changes and the role
/// machine's changes (set_hold).
void publish_state_changes(detector::PeerDetector& detector, role::RoleMachine& role, EventSink& sink);

/// Subscribes `sink` to each [[check]]'s state changes (`check` events).
void publish_check_changes(takeover::HealthMonitor& health, EventSink& sink);

/// The end of an acquisition or a release: `acquire`/`release` with its
/// result, and a `veto` first when the Test hook refused it.
void publish_takeover_result(EventSink& sink, EventKind kind, bool succeeded, bool vetoed, const std::string& reason,
                             const std::string& addresses);

}  // namespace fo::daemon
