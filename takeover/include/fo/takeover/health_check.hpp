#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fo/takeover/edges.hpp"
#include "fo/wire/addresses.hpp"

namespace fo::takeover {

/// One `[[check]]` of the configuration: is the service itself up?
struct CheckConfig {
    enum class Kind : std::uint8_t { command, tcp };
    std::string name;
    Kind kind = Kind::command;
    std::vector<std::string> command;  // argv; command[0] an absolute path
    wire::Ipv4Address address;         // tcp
    std::uint16_t port = 0;            // tcp
    std::int64_t interval_ns = 1'000'000'000;
    std::int64_t timeout_ns = 1'000'000'000;
    std::uint32_t fall = 3;  // consecutive failures before a passing check fails
    std::uint32_t rise = 2;  // consecutive successes before a failing check passes
    /// "tcp 127.0.0.1:5432" or the command line, for logs and status.
    [[nodiscard]] std::string target() const;
    bool operator==(const CheckConfig&) const = default;
};

struct CheckOutcome {
    bool ok = false;
    std::string detail;  // "exit 0", "exit 1", "timed out", "connection refused", "refused: ..."
};

/// Runs one check once (the OS edge: a child process, a TCP connect).
/// `done` is called exactly once, within the check's timeout (the real one
/// kills a command that overruns: TERM, then KILL), possibly before start()
/// returns. One run per check index at a time.
class CheckExecutor {
  public:
    using Done = std::function<void(CheckOutcome)>;
    virtual ~CheckExecutor() = default;
    virtual void start(std::size_t index, const CheckConfig& check, Done done) = 0;
};

enum class CheckState : std::uint8_t {
    pending,  // no result yet (the first result decides at once)
    passing,
    failing,
};
std::string_view to_string(CheckState state);

/// The node's verdict over all its checks.
enum class HealthVerdict : std::uint8_t {
    passing,  // every check passes (or none is configured)
    pending,  // none fails, but some have no result yet (since the daemon started)
    failing,  // at least one fails
};
std::string_view to_string(HealthVerdict verdict);

struct CheckStatus {
    CheckState state = CheckState::pending;
    std::uint32_t consecutive_ok = 0;
    std::uint32_t consecutive_failed = 0;
    std::uint64_t runs = 0;
    std::uint64_t failures = 0;       // runs that failed
    std::uint64_t state_changes = 0;  // passing <-> failing (not the first result)
    std::string last_detail;
    std::int64_t last_change_ns = 0;  // 0: never changed
    bool running = false;
};

/// The checks of one node with keepalived's fall/rise hysteresis: a passing
/// check fails after `fall` consecutive failures, a failing one passes again
/// after `rise` consecutive successes, so a flapping service changes the
/// verdict at most once per fall (or rise) runs. Each check runs every
/// `interval` from the end of its previous run (never two at once). No OS
/// call: runs go through the CheckExecutor, time through `now`, waits
/// through the Scheduler.
class HealthMonitor {
  public:
    using Logger = std::function<void(const std::string&)>;
    /// The node's verdict, or the checks it names (failing(), pending()), changed.
    using Changed = std::function<void()>;
    /// One check went pending/passing/failing -> passing/failing (called
    /// before Changed, so that a listener sees the cause first).
    using CheckChanged = std::function<void(const CheckConfig& check, CheckState from, const CheckStatus& now)>;

    HealthMonitor(std::vector<CheckConfig> checks, CheckExecutor& executor, Scheduler& scheduler,
                  std::function<std::int64_t()> now, Logger logger);
    ~HealthMonitor();
    HealthMonitor(const HealthMonitor&) = delete;
    HealthMonitor& operator=(const HealthMonitor&) = delete;
    HealthMonitor(HealthMonitor&&) = delete;
    HealthMonitor& operator=(HealthMonitor&&) = delete;

    void on_change(Changed changed) { changed_ = std::move(changed); }
    void on_check_change(CheckChanged changed) { check_changed_ = std::move(changed); }
    /// Runs every check now, then each every interval.
    void start();

    /// failing when one check fails; else pending while one has no result
    /// yet; else passing. A check is pending only until its first result
    /// (at most its timeout after start()): it never becomes pending again.
    [[nodiscard]] HealthVerdict verdict() const;
    /// No check failing (a pending one is not failing).
    [[nodiscard]] bool healthy() const;
    /// The failing checks' names, comma separated.
    [[nodiscard]] std::string failing() const;
    /// The names of the checks with no result yet, comma separated.
    [[nodiscard]] std::string pending() const;
    [[nodiscard]] const std::vector<CheckConfig>& checks() const { return checks_; }
    [[nodiscard]] const std::vector<CheckStatus>& statuses() const { return statuses_; }

  private:
    void run(std::size_t index);
    void on_result(std::size_t index, const CheckOutcome& outcome);
    void log(const std::string& line) const;
    [[nodiscard]] std::string names_in(CheckState state) const;

    std::vector<CheckConfig> checks_;
    std::vector<CheckStatus> statuses_;
    CheckExecutor& executor_;
    Scheduler& scheduler_;
    std::function<std::int64_t()> now_;
    Logger logger_;
    Changed changed_;
    CheckChanged check_changed_;
    // Scheduled callbacks and executor completions outlive us in the event
    // loop: they hold this token weakly and do nothing once it is gone.
    std::shared_ptr<HealthMonitor*> alive_;
};

}  // namespace fo::takeover
