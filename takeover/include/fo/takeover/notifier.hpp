#pragma once

#include <functional>
#include <string>

#include "fo/takeover/edges.hpp"

namespace fo::takeover {

/// Apple's NotifyFailover: mail through the system's sendmail program
/// (`sendmail -t`, message on stdin, bounded in time) when a recipient is
/// configured; every notification also goes to the log (syslog/journal).
class MailNotifier final : public Notifier {
  public:
    using LogLine = std::function<void(const std::string&)>;
    MailNotifier(std::string sendmail_path, std::string recipient, std::string host_name, LogLine log);

    void notify(const std::string& subject, const std::string& body) override;

    [[nodiscard]] std::uint64_t sent() const { return sent_; }
    [[nodiscard]] std::uint64_t failed() const { return failed_; }

  private:
    std::string sendmail_path_;
    std::string recipient_;
    std::string host_name_;
    LogLine log_;
    std::uint64_t sent_ = 0;
    std::uint64_t failed_ = 0;
};

}  // namespace fo::takeover
