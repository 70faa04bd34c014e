#include "mail_setup.hpp"

#include <stdexcept>

namespace fo::daemon {

namespace {
constexpr std::int64_t kMailTimeoutNs = 30'000'000'000;  // one attempt, sendmail or SMTP
}  // namespace

std::string smtp_credentials_problem(const Config& config) {
    if (config.smtp_url.empty() || config.smtp_credentials_file.empty()) {
        return "";
    }
    auto credentials = takeover::load_smtp_credentials(config.smtp_credentials_file);
    return credentials.error.empty() ? "" : key_origin(config, "smtp_credentials_file") + credentials.error;
}

std::unique_ptr<takeover::MailTransport> make_mail_transport(const Config& config) {
    if (config.smtp_url.empty()) {
        return takeover::make_sendmail_transport(config.sendmail, kMailTimeoutNs);
    }
    takeover::SmtpSettings settings;
    settings.url = config.smtp_url;
    settings.require_starttls = config.smtp_starttls_required;
    settings.ca_file = config.smtp_ca_file;
    if (!config.smtp_credentials_file.empty()) {
        auto credentials = takeover::load_smtp_credentials(config.smtp_credentials_file);
        if (!credentials.error.empty()) {
            throw std::runtime_error(key_origin(config, "smtp_credentials_file") + credentials.error);
        }
        settings.username = std::move(credentials.username);
        settings.password = std::move(credentials.password);
    }
    return takeover::make_smtp_transport(std::move(settings), kMailTimeoutNs);
}

takeover::MailPolicy make_mail_policy(const Config& config) {
    takeover::MailPolicy policy;
    policy.recipient = config.mail_recipient;
    policy.from = config.mail_from;
    for (const auto& address : config.addresses) {
        policy.addresses.push_back(address.text() + "@" + address.interface);
    }
    policy.attempts = static_cast<int>(config.mail_attempts);
    policy.retry_ns = config.mail_retry_ns;
    return policy;
}

void copy_mail_keys(const Config& fresh, Config& config) {
    config.mail_recipient = fresh.mail_recipient;
    config.sendmail = fresh.sendmail;
    config.smtp_url = fresh.smtp_url;
    config.smtp_starttls_required = fresh.smtp_starttls_required;
    config.smtp_credentials_file = fresh.smtp_credentials_file;
    config.smtp_ca_file = fresh.smtp_ca_file;
    config.mail_from = fresh.mail_from;
    config.mail_attempts = fresh.mail_attempts;
    config.mail_retry_ns = fresh.mail_retry_ns;
}

}  // namespace fo::daemon
