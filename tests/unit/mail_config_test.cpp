// The mail keys (smtp_*, mail_*): accepted, and refused with file, line, key
// and reason; the credentials file's permissions (daemon/mail_setup.cpp).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "fo/daemon/config.hpp"
#include "fo/takeover/mail_transport.hpp"

namespace fo::daemon {
namespace {

constexpr char kBase[] = R"(role = "secondary"
auth = "none"
mail_recipient = "ops@example.com"
MAIL

[[link]]
interface = "eth0"
peer = "198.51.100.1"
)";

std::string with(const std::string& mail) {
    std::string text = kBase;
    text.replace(text.find("MAIL"), 4, mail);
    return text;
}

TEST(MailConfig, AcceptsARelay) {
    auto result = parse_config_toml(with(R"(smtp_url = "smtps://relay.example.com:465"
smtp_starttls = "optional"
smtp_credentials_file = "/etc/fastfailover/smtp.credentials"
smtp_ca_file = "/etc/ssl/relay.pem"
mail_from = "failover@example.com"
mail_attempts = 6
mail_retry_ms = 250)"),
                                    "m.toml");
    ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0]);
    EXPECT_EQ(result.config->smtp_url, "smtps://relay.example.com:465");
    EXPECT_FALSE(result.config->smtp_starttls_required);
    EXPECT_EQ(result.config->smtp_credentials_file, "/etc/fastfailover/smtp.credentials");
    EXPECT_EQ(result.config->smtp_ca_file, "/etc/ssl/relay.pem");
    EXPECT_EQ(result.config->mail_from, "failover@example.com");
    EXPECT_EQ(result.config->mail_attempts, 6);
    EXPECT_EQ(result.config->mail_retry_ns, 250'000'000);
}

TEST(MailConfig, DefaultsAreSendmailAndRequiredStarttls) {
    auto result = parse_config_toml(with(""), "m.toml");
    ASSERT_TRUE(result.config);
    EXPECT_TRUE(result.config->smtp_url.empty());
    EXPECT_TRUE(result.config->smtp_starttls_required);
    EXPECT_EQ(result.config->mail_attempts, 4);
}

struct Case {
    const char* name;
    std::string mail;
    const char* error;
};

class MailRefused : public ::testing::TestWithParam<Case> {};

TEST_P(MailRefused, WithFileLineKeyAndReason) {
    auto result = parse_config_toml(with(GetParam().mail), "m.toml");
    EXPECT_FALSE(result.config);
    ASSERT_FALSE(result.errors.empty());
    EXPECT_EQ(result.errors[0], GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Keys, MailRefused,
    ::testing::Values(
        Case{"HttpUrl", R"(smtp_url = "http://relay:25")",
             "m.toml:4: key 'smtp_url': 'http://relay:25' is not smtp://HOST[:PORT] or smtps://HOST[:PORT]"},
        Case{"NoHost", R"(smtp_url = "smtp://:25")",
             "m.toml:4: key 'smtp_url': 'smtp://:25' is not smtp://HOST[:PORT] or smtps://HOST[:PORT]"},
        Case{"StarttlsWord", R"(smtp_starttls = "maybe")",
             "m.toml:4: key 'smtp_starttls': must be \"required\" or \"optional\""},
        Case{"CredentialsWithoutUrl", R"(smtp_credentials_file = "/etc/c")",
             "m.toml:4: key 'smtp_credentials_file': is set but smtp_url is not: mail goes through sendmail"},
        Case{"RelativeCredentials", "smtp_url = \"smtp://relay:587\"\nsmtp_credentials_file = \"c\"",
             "m.toml:5: key 'smtp_credentials_file': 'c' must be an absolute path"},
        Case{"PasswordInClear",
             "smtp_url = \"smtp://relay:587\"\nsmtp_starttls = \"optional\"\nsmtp_credentials_file = \"/etc/c\"",
             "m.toml:6: key 'smtp_credentials_file': with smtp_starttls = \"optional\" the password could cross the "
             "network in clear text; use smtp_starttls = \"required\" or smtps://"},
        Case{"From", R"(mail_from = "not an address")",
             "m.toml:4: key 'mail_from': 'not an address' is not a mail address (user@example.com)"},
        Case{"Attempts", "mail_attempts = 0", "m.toml:4: key 'mail_attempts': must be between 1 and 20"},
        Case{"Retry", "mail_retry_ms = 1", "m.toml:4: key 'mail_retry_ms': must be between 10 and 3600000 ms"}),
    [](const ::testing::TestParamInfo<Case>& param) { return std::string(param.param.name); });

TEST(MailConfig, UrlWithoutRecipientIsRefused) {
    std::string text = with(R"(smtp_url = "smtp://relay:587")");
    const std::string recipient = "mail_recipient = \"ops@example.com\"";
    text.replace(text.find(recipient), recipient.size(), "");
    auto result = parse_config_toml(text, "m.toml");
    ASSERT_FALSE(result.errors.empty());
    EXPECT_EQ(result.errors[0], "m.toml:4: key 'smtp_url': is set but mail_recipient is empty: no mail would be sent");
}

class CredentialsFile : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/fo-smtp-credentials-XXXXXX";
        const int fd = mkstemp(pattern);
        ASSERT_GE(fd, 0);
        close(fd);
        path_ = pattern;
    }
    void TearDown() override { std::remove(path_.c_str()); }
    void write(const std::string& text, mode_t mode) {
        std::ofstream(path_) << text;
        chmod(path_.c_str(), mode);
    }
    std::string path_;
};

TEST_F(CredentialsFile, ReadsUserAndPassword) {
    write("mailer:pa:ss word\nignored\n", 0600);
    const auto credentials = takeover::load_smtp_credentials(path_);
    EXPECT_EQ(credentials.error, "");
    EXPECT_EQ(credentials.username, "mailer");
    EXPECT_EQ(credentials.password, "pa:ss word");
}

TEST_F(CredentialsFile, ReadableByGroupOrOthersIsRefusedNamingTheFile) {
    for (const mode_t mode : {0640U, 0604U, 0660U}) {
        write("mailer:secret\n", mode);
        const auto credentials = takeover::load_smtp_credentials(path_);
        char octal[8];
        std::snprintf(octal, sizeof octal, "%04o", mode);
        EXPECT_EQ(credentials.error, "SMTP credentials file " + path_ + " is readable by group or others (mode " +
                                         octal + "); run: chmod 600 " + path_);
        EXPECT_EQ(credentials.password, "");
    }
}

TEST_F(CredentialsFile, NeedsUserColonPassword) {
    write("just-a-password\n", 0600);
    EXPECT_EQ(takeover::load_smtp_credentials(path_).error,
              "SMTP credentials file " + path_ + ": the first line must be user:password");
    EXPECT_NE(takeover::load_smtp_credentials("/nonexistent/c").error.find("cannot read SMTP credentials file"),
              std::string::npos);
}

}  // namespace
}  // namespace fo::daemon
