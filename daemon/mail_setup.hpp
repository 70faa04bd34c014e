#pragma once

#include <memory>
#include <string>

#include "fo/daemon/config.hpp"
#include "fo/takeover/notifier.hpp"

// The daemon's mail: the transport and policy a Config asks for.

namespace fo::daemon {

/// sendmail, or the SMTP relay of smtp_url with the credentials read now
/// (throws std::runtime_error naming the file when they cannot be used).
std::unique_ptr<takeover::MailTransport> make_mail_transport(const Config& config);
takeover::MailPolicy make_mail_policy(const Config& config);
/// SIGHUP: the mail keys (mail_*, sendmail, smtp_*) of `fresh` into `config`.
void copy_mail_keys(const Config& fresh, Config& config);
/// "" when the credentials file (if any) is usable; else "FILE:LINE: key '...': why".
std::string smtp_credentials_problem(const Config& config);

}  // namespace fo::daemon
