#include <stdexcept>

#include "daemon_impl.hpp"
#include "fo/daemon/metrics.hpp"
#include "fo/runtime/log.hpp"

// What the daemon tells the outside: the status document and the control
// socket, the event bus (journal, streams), the metrics file, and the
// mailer's outcomes as events (docs/design.md, "Events and metrics").

namespace fo::daemon {

namespace {
constexpr std::int64_t kMetricsAfterChangeNs = 10'000'000;  // a burst of events: one metrics write
}  // namespace

void Daemon::setup_events() {
    events_ = std::make_unique<EventBus>(
        config_.events_queue, [this] { return now(); }, runtime::realtime_ns);
    events_->listen([this](const Event& event) {
        journal_event(event);
        if (event.record.kind == EventKind::role) {
            last_change_wall_ns_ = event.wall_ns;
        }
        if (metrics_file_ && !metrics_scheduled_) {
            metrics_scheduled_ = true;
            scheduler_.after(kMetricsAfterChangeNs, [this] {
                metrics_scheduled_ = false;
                write_metrics();
            });
        }
    });
    if (!config_.metrics_file.empty()) {
        metrics_file_.emplace(config_.metrics_file);
        loop_.add_timer(config_.metrics_interval_ns, config_.metrics_interval_ns,
                        [this](std::uint64_t) { write_metrics(); });
    }
}

void Daemon::write_first_metrics() {
    if (!metrics_file_) {
        return;
    }
    std::string error;
    if (!metrics_file_->write(format_metrics(*node_, process_status(), {}), error)) {
        throw std::runtime_error(key_origin(config_, "metrics.file") + error);
    }
}

void Daemon::write_metrics() {
    if (!metrics_file_ || !node_) {
        return;
    }
    const MetricsProcess events{last_change_wall_ns_, events_->next_sequence() - 1};
    std::string error;
    if (!metrics_file_->write(format_metrics(*node_, process_status(), events), error)) {
        if (!metrics_failing_) {
            runtime::log_warning("metrics.file: " + error);  // once per episode
        }
        metrics_failing_ = true;
        return;
    }
    metrics_failing_ = false;
}

void Daemon::publish_mail_outcomes() {
    notifier_->set_outcome_listener([this](const takeover::MailOutcomeRecord& outcome) {
        nlohmann::json fields{{"outcome", std::string("mail_") + takeover::to_string(outcome.kind)},
                              {"subject", outcome.subject},
                              {"attempts", outcome.attempts}};
        if (!outcome.reason.empty()) {
            fields["reason"] = outcome.reason;
        }
        if (outcome.kind == takeover::MailOutcomeRecord::Kind::failed) {
            fields["result"] = "failed";
        }
        events_->publish({EventKind::notification, std::move(fields)});
    });
}

ProcessStatus Daemon::process_status() {
    ProcessStatus process;
    for (const PeerLink& link : links_) {
        process.peer_macs.push_back(link.peer_mac ? link.peer_mac->to_string() : "broadcast");
    }
    process.addresses_held = node_->takeover().addresses_present();
    process.mail = notifier_->status(now());
    process.reloads_handled = reloads_handled_;
    process.reloads_refused = reloads_refused_;
    return process;
}

nlohmann::json Daemon::status() {
    return node_status(*node_, process_status(), now());
}

std::string Daemon::handle_command(ControlCommand command) {
    if (command == ControlCommand::release) {
        if (auto refused = node_->admin_release(now())) {
            return nlohmann::json{{"error", *refused}}.dump();
        }
    }
    return status().dump();
}

void Daemon::serve_status() {
    if (!config_.status_socket.empty()) {
        control_ = std::make_unique<ControlSocket>(
            loop_,
            ControlSocketOptions{
                .path = config_.status_socket, .group = config_.control_group, .events = events_.get()},
            [this](ControlCommand command) { return handle_command(command); });
    }
}

}  // namespace fo::daemon
