#include "node_events.hpp"

namespace fo::daemon {

void HookRunnerTap::start(takeover::HookPhase phase, const std::vector<std::string>& arguments,
                          const std::map<std::string, std::string>& environment, Done done) {
    inner_.start(phase, arguments, environment,
                 [this, phase, done = std::move(done)](std::vector<takeover::HookResult> results) {
                     for (const auto& result : results) {
                         sink_.publish({EventKind::hook,
                                        {{"phase", std::string(takeover::hook_folder(phase))},
                                         {"hook", result.name},
                                         {"exit", result.exit_code},
                                         {"timed_out", result.timed_out},
                                         {"refused", result.refused},
                                         {"result", result.ok() ? "ok" : "failed"}}});
                     }
                     if (done) {
                         done(std::move(results));
                     }
                 });
}

void NotifierTap::notify(const std::string& subject, const std::string& body) {
    sink_.publish({EventKind::notification, {{"subject", subject}}});
    inner_.notify(subject, body);
}

void publish_state_changes(detector::PeerDetector& detector, role::RoleMachine& role, EventSink& sink) {
    detector.subscribe([&detector, &sink](const detector::LinkChange& change) {
        sink.publish({EventKind::link,
                      {{"link", detector.links()[change.link].name},
                       {"link_state", std::string(detector::to_string(change.to))},
                       {"from", std::string(detector::to_string(change.from))},
                       {"reason", std::string(change.reason)}}});
    });
    detector.subscribe([&sink](const detector::PeerChange& change) {
        sink.publish({EventKind::peer,
                      {{"peer_state", std::string(detector::to_string(change.to))},
                       {"from", std::string(detector::to_string(change.from))},
                       {"reason", std::string(change.reason)}}});
    });
    role.subscribe([&role, &sink](const role::RoleChange& change) {
        sink.publish({EventKind::role,
                      {{"state", std::string(role::to_string(change.to))},
                       {"from", std::string(role::to_string(change.from))},
                       {"reason", change.reason},
                       {"term", role.term()}}});
    });
}

void publish_check_changes(takeover::HealthMonitor& health, EventSink& sink) {
    health.on_check_change(
        [&sink](const takeover::CheckConfig& check, takeover::CheckState from, const takeover::CheckStatus& now) {
            sink.publish({EventKind::check,
                          {{"check", check.name},
                           {"check_state", std::string(takeover::to_string(now.state))},
                           {"from", std::string(takeover::to_string(from))},
                           {"target", check.target()},
                           {"detail", now.last_detail}}});
        });
}

void publish_takeover_result(EventSink& sink, EventKind kind, bool succeeded, bool vetoed, const std::string& reason,
                             const std::string& addresses) {
    const std::string action(to_string(kind));
    if (vetoed) {
        sink.publish({EventKind::veto, {{"action", action}, {"address", addresses}, {"reason", reason}}});
    }
    const char* done = kind == EventKind::acquire ? "acquired" : "released";
    sink.publish(
        {kind,
         {{"result", succeeded ? done : (vetoed ? "vetoed" : "failed")}, {"address", addresses}, {"reason", reason}}});
}

}  // namespace fo::daemon
