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
/// background: a slow mail system must never stop the beats. reap() collects
/// the results and kills a sendmail that runs past its timeout.
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
    /// Waits (bounded) for every sendmail still running.
    void finish();

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
    };
    std::vector<Running> running_;
};

}  // namespace fo::takeover
