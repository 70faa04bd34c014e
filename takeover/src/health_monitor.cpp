#include "fo/takeover/health_check.hpp"

namespace fo::takeover {

std::string CheckConfig::target() const {
    if (kind == Kind::tcp) {
        return "tcp " + address.to_string() + ":" + std::to_string(port);
    }
    std::string line;
    for (const auto& word : command) {
        line += (line.empty() ? "" : " ") + word;
    }
    return line;
}

std::string_view to_string(CheckState state) {
    switch (state) {
        case CheckState::pending: return "pending";
        case CheckState::passing: return "passing";
        case CheckState::failing: return "failing";
    }
    return "?";
}

std::string_view to_string(HealthVerdict verdict) {
    switch (verdict) {
        case HealthVerdict::passing: return "passing";
        case HealthVerdict::pending: return "pending";
        case HealthVerdict::failing: return "failing";
    }
    return "?";
}

HealthMonitor::HealthMonitor(std::vector<CheckConfig> checks, CheckExecutor& executor, Scheduler& scheduler,
                             std::function<std::int64_t()> now, Logger logger)
    : checks_(std::move(checks)),
      statuses_(checks_.size()),
      executor_(executor),
      scheduler_(scheduler),
      now_(std::move(now)),
      logger_(std::move(logger)),
      alive_(std::make_shared<HealthMonitor*>(this)) {}

HealthMonitor::~HealthMonitor() = default;

void HealthMonitor::log(const std::string& line) const {
    if (logger_) {
        logger_(line);
    }
}

void HealthMonitor::start() {
    for (std::size_t i = 0; i < checks_.size(); ++i) {
        run(i);
    }
}

HealthVerdict HealthMonitor::verdict() const {
    HealthVerdict verdict = HealthVerdict::passing;
    for (const auto& status : statuses_) {
        if (status.state == CheckState::failing) {
            return HealthVerdict::failing;
        }
        if (status.state == CheckState::pending) {
            verdict = HealthVerdict::pending;
        }
    }
    return verdict;
}

bool HealthMonitor::healthy() const {
    return verdict() != HealthVerdict::failing;
}

std::string HealthMonitor::names_in(CheckState state) const {
    std::string names;
    for (std::size_t i = 0; i < checks_.size(); ++i) {
        if (statuses_[i].state == state) {
            names += (names.empty() ? "" : ", ") + checks_[i].name;
        }
    }
    return names;
}

std::string HealthMonitor::failing() const {
    return names_in(CheckState::failing);
}

std::string HealthMonitor::pending() const {
    return names_in(CheckState::pending);
}

void HealthMonitor::run(std::size_t index) {
    if (statuses_[index].running) {
        return;
    }
    statuses_[index].running = true;
    std::weak_ptr<HealthMonitor*> alive = alive_;
    executor_.start(index, checks_[index], [alive, index](const CheckOutcome& outcome) {
        if (auto self = alive.lock()) {
            (*self)->on_result(index, outcome);
        }
    });
}

void HealthMonitor::on_result(std::size_t index, const CheckOutcome& outcome) {
    CheckStatus& status = statuses_[index];
    const CheckConfig& check = checks_[index];
    status.running = false;
    ++status.runs;
    status.last_detail = outcome.detail;
    if (outcome.ok) {
        ++status.consecutive_ok;
        status.consecutive_failed = 0;
    } else {
        ++status.failures;
        ++status.consecutive_failed;
        status.consecutive_ok = 0;
    }
    const CheckState before = status.state;
    if (before == CheckState::pending) {
        status.state = outcome.ok ? CheckState::passing : CheckState::failing;  // the first result decides
    } else if (before == CheckState::passing && status.consecutive_failed >= check.fall) {
        status.state = CheckState::failing;
    } else if (before == CheckState::failing && status.consecutive_ok >= check.rise) {
        status.state = CheckState::passing;
    }
    if (status.state != before) {
        if (before != CheckState::pending) {
            ++status.state_changes;
        }
        status.last_change_ns = now_();
        log("check " + check.name + ": " + std::string(to_string(before)) + " -> " +
            std::string(to_string(status.state)) + " (" + check.target() + ": " + outcome.detail + ")");
        if (check_changed_) {
            check_changed_(check, before, status);
        }
    }
    std::weak_ptr<HealthMonitor*> alive = alive_;
    scheduler_.after(check.interval_ns, [alive, index] {
        if (auto self = alive.lock()) {
            (*self)->run(index);
        }
    });
    // A check that changes state changes the verdict or the names it gives.
    if (status.state != before && changed_) {
        changed_();
    }
}

}  // namespace fo::takeover
