#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fo/takeover/edges.hpp"
#include "fo/takeover/mail_transport.hpp"

namespace fo::takeover {

/// What mail is sent and how it is retried (the mail_* and smtp_* keys).
struct MailPolicy {
    std::string recipient;                  // "" = log only, no mail
    std::string from;                       // "" = "failover@<host>"
    std::vector<std::string> addresses;     // the service addresses, for the body
    int attempts = 4;                       // per message, the first included
    std::int64_t retry_ns = 5'000'000'000;  // before the 2nd attempt; doubles after each failure
    std::int64_t max_retry_ns = 300'000'000'000;
};

/// One message's latest outcome, for status and events.
struct MailOutcomeRecord {
    enum class Kind : std::uint8_t { sent, retrying, failed };
    Kind kind = Kind::sent;
    std::string subject;
    std::string reason;            // of the last failed attempt
    int attempts = 0;              // made so far
    std::int64_t retry_in_ns = 0;  // retrying: until the next attempt
};
const char* to_string(MailOutcomeRecord::Kind kind);

struct MailStatus {
    std::string transport;  // "sendmail", "smtp"
    std::uint64_t sent = 0;
    std::uint64_t failed = 0;   // messages given up on
    std::uint64_t retries = 0;  // attempts that failed and were retried
    std::size_t pending = 0;    // messages waiting or being sent
    std::optional<MailOutcomeRecord> last;
};

/// Apple's NotifyFailover: every notification goes to the log; with a
/// recipient it is also mailed, through the system's sendmail or an SMTP
/// relay (MailTransport). Nothing here blocks the beat: the transport works
/// in child processes, reap() (the event loop, every 20 ms) collects the
/// outcomes without waiting, and a failed attempt is retried after
/// retry_ns, 2 x retry_ns, ... (capped at max_retry_ns), `attempts` times
/// in all. At most kMaximumQueued messages wait; beyond that the oldest is
/// given up on (a relay that is down for hours must not grow the daemon).
class MailNotifier final : public Notifier {
  public:
    static constexpr std::size_t kMaximumQueued = 32;
    using LogLine = std::function<void(const std::string&)>;
    using Clock = std::function<std::int64_t()>;
    /// Every outcome as it happens: the hook for an event stream.
    using OutcomeListener = std::function<void(const MailOutcomeRecord&)>;

    MailNotifier(std::unique_ptr<MailTransport> transport, MailPolicy policy, std::string host_name, LogLine log,
                 Clock monotonic, Clock wall);
    ~MailNotifier() override = default;
    MailNotifier(const MailNotifier&) = delete;
    MailNotifier& operator=(const MailNotifier&) = delete;
    MailNotifier(MailNotifier&&) = delete;
    MailNotifier& operator=(MailNotifier&&) = delete;

    void notify(const std::string& subject, const std::string& body) override;
    /// Collects outcomes and starts the attempts that are due (never blocks).
    void reap(std::int64_t now_ns);
    /// At exit: waits (bounded, `wait_ns`) for the attempts running now; no retries.
    void finish(std::int64_t wait_ns = 2'000'000'000);
    /// SIGHUP: later mail uses these; attempts running now still end normally.
    void reconfigure(std::unique_ptr<MailTransport> transport, MailPolicy policy);
    void set_outcome_listener(OutcomeListener listener) { listener_ = std::move(listener); }

    [[nodiscard]] MailStatus status(std::int64_t now_ns) const;
    [[nodiscard]] std::uint64_t sent() const { return sent_; }
    [[nodiscard]] std::uint64_t failed() const { return failed_; }

  private:
    struct Queued {
        std::uint64_t id;
        std::string subject;
        MailEnvelope envelope;
        int attempts = 0;
        std::int64_t due_ns = 0;
        bool in_flight = false;  // an attempt runs (in transport_ or a retired one)
    };
    void record(MailOutcomeRecord outcome);
    void start_due(std::int64_t now_ns);
    void collect_from(MailTransport& transport, std::int64_t now_ns);
    std::int64_t backoff_ns(int failed_attempts) const;

    std::unique_ptr<MailTransport> transport_;
    std::vector<std::unique_ptr<MailTransport>> retired_;  // replaced by a reload, still running
    MailPolicy policy_;
    std::string host_name_;
    LogLine log_;
    Clock monotonic_;
    Clock wall_;
    OutcomeListener listener_;
    std::deque<Queued> queue_;
    std::uint64_t next_id_ = 1;
    std::uint64_t sent_ = 0;
    std::uint64_t failed_ = 0;
    std::uint64_t retries_ = 0;
    std::optional<MailOutcomeRecord> last_;
    std::int64_t last_due_ns_ = 0;  // of the last retrying outcome, for retry_in
};

}  // namespace fo::takeover
