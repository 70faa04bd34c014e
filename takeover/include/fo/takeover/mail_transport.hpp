#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fo::takeover {

/// One message for one recipient, as the transport hands it on.
struct MailEnvelope {
    std::string from;
    std::string to;
    std::string message;  // format_mail()
};

struct MailAttemptOutcome {
    std::uint64_t attempt = 0;  // as given to start()
    bool sent = false;
    std::string reason;  // why it failed ("" when sent)
};

/// Hands a message to a mail system. Never blocks: start() begins an
/// attempt, collect() returns the attempts that ended (and ends those past
/// their timeout). One fake in tests/fakes/fake_mail_transport.hpp.
class MailTransport {
  public:
    virtual ~MailTransport() = default;
    virtual void start(std::uint64_t attempt, const MailEnvelope& envelope, std::int64_t now_ns) = 0;
    virtual std::vector<MailAttemptOutcome> collect(std::int64_t now_ns) = 0;
    [[nodiscard]] virtual std::size_t running() const = 0;
    [[nodiscard]] virtual std::string name() const = 0;  // "sendmail", "smtp"
};

/// How the SMTP relay is reached (the smtp_* configuration keys).
struct SmtpSettings {
    std::string url;               // smtp://host:port or smtps://host:port
    bool require_starttls = true;  // smtp://: STARTTLS or no mail; smtps:// is TLS from the start
    std::string ca_file;           // "" = the system's CAs
    std::string username;          // "" = no AUTH
    std::string password;
};

struct SmtpCredentials {
    std::string username;
    std::string password;
    std::string error;  // names the file; empty when loaded
};

/// "user:password" on the first line of a regular file that only its owner
/// (root, or this process's user) can read: a file readable by group or
/// others is refused, naming the file and the fix.
SmtpCredentials load_smtp_credentials(const std::string& path);

/// `sendmail -t -i` with the message on stdin, in a child process.
std::unique_ptr<MailTransport> make_sendmail_transport(std::string sendmail_path, std::int64_t timeout_ns);

/// libcurl's SMTP client in a child process (forked, not exec'd): the TLS
/// handshake, DNS and a slow relay never run in the daemon's (realtime)
/// process, and the child's outcome comes back as its exit status and one
/// line on a pipe.
std::unique_ptr<MailTransport> make_smtp_transport(SmtpSettings settings, std::int64_t timeout_ns);

}  // namespace fo::takeover
