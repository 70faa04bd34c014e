#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fo/takeover/edges.hpp"

namespace fo::takeover {

/// Apple's NotifyFailover: mail through the system's sendmail program
/// (`sendmail -t`, message on stdin) when a recipient is configured; every
/// notification also goes to the log (syslog/journal). sendmail runs in the
/// background: a slow mail system must never stop the beats. reap() (the
/// event loop, every 20 ms) collects the results without waiting and kills a
/// sendmail that runs past its timeout. sendmail inherits no descriptor of
/// ours above 2.
class MailNotifier final : public Notifier {
  public:
    using LogLine = std::function<void(const std::string&)>;
    MailNotifier(std::string sendmail_path, std::string recipient, std::string host_name, LogLine log);
    ~MailNotifier() override;
    MailNotifier(const MailNotifier&) = delete;
    MailNotifier& operator=(const MailNotifier&) = delete;
    MailNotifier(MailNotifier&&) noexcept = default;
    MailNotifier& operator=(MailNotifier&&) noexcept = default;

    void notify(const std::string& subject, const std::string& body) override;
    /// Call now and then (never blocks).
    void reap(std::int64_t now_ns);
    /// Waits (bounded) for every sendmail still running; at exit only.
    void finish();
    /// SIGHUP: later mail uses these; running sendmails are still reaped.
    void reconfigure(std::string sendmail_path, std::string recipient);

    [[nodiscard]] std::uint64_t sent() const { return sent_; }
    [[nodiscard]] std::uint64_t failed() const { return failed_; }

  private:
    std::string sendmail_path_;
    std::string recipient_;
    std::string host_name_;
    LogLine log_;
    std::uint64_t sent_ = 0;
    std::uint64_t failed_ = 0;
    struct Running {
        int pid;
        std::int64_t started_ns;
        bool killed;  // at its timeout; reaped by a later reap()
    };
    std::vector<Running> running_;
};

}  // namespace fo::takeover
