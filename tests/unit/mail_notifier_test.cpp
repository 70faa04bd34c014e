#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fake_mail_transport.hpp"
#include "fo/takeover/mail_message.hpp"
#include "fo/takeover/notifier.hpp"

namespace fo::takeover {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
// 2026-11-27 16:42:35.250 UTC, a Friday.
constexpr std::int64_t kWallNs = 1'795'797'755'250'000'000;

struct Harness {
    std::int64_t now = 100 * kSecond;
    testing::FakeMailTransport* transport = nullptr;
    std::vector<std::string> log;
    std::vector<MailOutcomeRecord> outcomes;
    std::unique_ptr<MailNotifier> notifier;

    explicit Harness(int attempts = 3, std::string recipient = "ops@example.com") {
        auto fake = std::make_unique<testing::FakeMailTransport>();
        transport = fake.get();
        MailPolicy policy;
        policy.recipient = std::move(recipient);
        policy.addresses = {"198.51.100.100/24@lan0"};
        policy.attempts = attempts;
        policy.retry_ns = 2 * kSecond;
        policy.max_retry_ns = 5 * kSecond;
        notifier = std::make_unique<MailNotifier>(
            std::move(fake), policy, "node-a", [this](const std::string& line) { log.push_back(line); },
            [this] { return now; }, [] { return kWallNs; });
        notifier->set_outcome_listener([this](const MailOutcomeRecord& outcome) { outcomes.push_back(outcome); });
    }
    void at(std::int64_t ns) {
        now = ns;
        notifier->reap(now);
    }
};

TEST(MailMessage, HasTheHeadersAndTheBody) {
    MailContent content{"failover@node-a",
                        "ops@example.com",
                        "node-a",
                        "acquired 198.51.100.100",
                        "peer dead\nfor 300 ms",
                        {"198.51.100.100/24@lan0", "198.51.100.101/24@lan0"},
                        kWallNs,
                        7};
    const std::string message = format_mail(content);
    const auto end_of_headers = message.find("\r\n\r\n");
    ASSERT_NE(end_of_headers, std::string::npos);
    const std::string headers = message.substr(0, end_of_headers + 2);
    const std::string body = message.substr(end_of_headers + 4);
    EXPECT_EQ(headers.find("From: failover@node-a\r\n"), 0U);
    EXPECT_NE(headers.find("\r\nTo: ops@example.com\r\n"), std::string::npos);
    EXPECT_NE(headers.find("\r\nSubject: [failover node-a] acquired 198.51.100.100\r\n"), std::string::npos);
    EXPECT_NE(headers.find("\r\nDate: Fri, 27 Nov 2026 16:42:35 +0000\r\n"), std::string::npos);
    EXPECT_NE(headers.find("\r\nMessage-ID: <18ebf48b3a1ec080.7.failover@node-a>\r\n"), std::string::npos);
    EXPECT_EQ(body,
              "Event: acquired 198.51.100.100\r\nNode: node-a\r\nTime: 2026-11-27T16:42:35.250Z\r\n"
              "Addresses: 198.51.100.100/24@lan0 198.51.100.101/24@lan0\r\n\r\npeer dead\r\nfor 300 ms\r\n");
    EXPECT_EQ(message.find('\n'), message.find("\r\n") + 1) << "no bare LF";
}

TEST(MailMessage, ALineBreakInAFieldCannotAddAHeader) {
    MailContent content{"a@b", "ops@example.com", "node", "x\r\nBcc: victim@example.com", "", {}, kWallNs, 1};
    const std::string message = format_mail(content);
    EXPECT_EQ(message.find("\r\nBcc:"), std::string::npos);
    EXPECT_NE(message.find("Addresses: none\r\n"), std::string::npos);
}

TEST(MailMessage, DatesAreRfc5322AndRfc3339) {
    EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(rfc3339_time(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(rfc5322_date(951'782'400LL * kSecond), "Tue, 29 Feb 2000 00:00:00 +0000");
}

TEST(MailNotifier, SendsAtOnceWithTheFormattedMessage) {
    Harness h;
    h.notifier->notify("acquired", "details");
    ASSERT_EQ(h.transport->attempts.size(), 1U);
    const auto& envelope = h.transport->attempts[0].envelope;
    EXPECT_EQ(envelope.from, "failover@node-a");
    EXPECT_EQ(envelope.to, "ops@example.com");
    EXPECT_NE(envelope.message.find("Addresses: 198.51.100.100/24@lan0\r\n"), std::string::npos);
    EXPECT_EQ(h.notifier->status(h.now).pending, 1U);
    h.transport->succeed();
    h.at(h.now + 20'000'000);
    const MailStatus status = h.notifier->status(h.now);
    EXPECT_EQ(status.sent, 1U);
    EXPECT_EQ(status.pending, 0U);
    ASSERT_TRUE(status.last);
    EXPECT_EQ(status.last->kind, MailOutcomeRecord::Kind::sent);
    EXPECT_EQ(status.last->attempts, 1);
}

TEST(MailNotifier, RetriesWithDoublingBackoffThenGivesUp) {
    Harness h(3);
    h.notifier->notify("acquired", "");
    h.transport->fail("connection refused");
    h.at(h.now);
    auto status = h.notifier->status(h.now);
    ASSERT_TRUE(status.last);
    EXPECT_EQ(status.last->kind, MailOutcomeRecord::Kind::retrying);
    EXPECT_EQ(status.last->reason, "connection refused");
    EXPECT_EQ(status.last->retry_in_ns, 2 * kSecond);
    EXPECT_EQ(status.retries, 1U);

    const std::int64_t failed_at = h.now;
    h.at(failed_at + 2 * kSecond - 1);
    EXPECT_EQ(h.transport->attempts.size(), 1U) << "not before the backoff";
    h.at(failed_at + 2 * kSecond);
    ASSERT_EQ(h.transport->attempts.size(), 2U);
    EXPECT_EQ(h.transport->attempts[1].envelope.message, h.transport->attempts[0].envelope.message)
        << "a retry sends the same message (same Message-ID)";

    h.transport->fail("451 try later");
    h.at(h.now);
    EXPECT_EQ(h.notifier->status(h.now).last->retry_in_ns, 4 * kSecond) << "doubled";
    h.at(h.now + 4 * kSecond - 1);
    EXPECT_EQ(h.transport->attempts.size(), 2U);
    h.at(h.now + 1);
    ASSERT_EQ(h.transport->attempts.size(), 3U);

    h.transport->fail("still down");
    h.at(h.now);
    status = h.notifier->status(h.now);
    EXPECT_EQ(status.failed, 1U);
    EXPECT_EQ(status.sent, 0U);
    EXPECT_EQ(status.pending, 0U);
    EXPECT_EQ(status.last->kind, MailOutcomeRecord::Kind::failed);
    EXPECT_EQ(status.last->attempts, 3);
    EXPECT_EQ(status.last->reason, "still down");
    h.at(h.now + 60 * kSecond);
    EXPECT_EQ(h.transport->attempts.size(), 3U) << "bounded attempts";
    ASSERT_EQ(h.outcomes.size(), 3U);
    EXPECT_EQ(h.outcomes[0].kind, MailOutcomeRecord::Kind::retrying);
    EXPECT_EQ(h.outcomes[2].kind, MailOutcomeRecord::Kind::failed);
}

TEST(MailNotifier, BackoffIsCapped) {
    Harness h(5);
    h.notifier->notify("acquired", "");
    const std::int64_t expected[] = {2 * kSecond, 4 * kSecond, 5 * kSecond, 5 * kSecond};
    for (const std::int64_t wait : expected) {
        h.transport->fail("down");
        h.at(h.now);
        EXPECT_EQ(h.notifier->status(h.now).last->retry_in_ns, wait);
        h.at(h.now + wait);
    }
    EXPECT_EQ(h.transport->attempts.size(), 5U);
}

TEST(MailNotifier, SucceedsOnARetry) {
    Harness h(3);
    h.notifier->notify("released", "");
    h.transport->fail("timeout");
    h.at(h.now);
    h.at(h.now + 2 * kSecond);
    h.transport->succeed();
    h.at(h.now);
    const MailStatus status = h.notifier->status(h.now);
    EXPECT_EQ(status.sent, 1U);
    EXPECT_EQ(status.failed, 0U);
    EXPECT_EQ(status.retries, 1U);
    EXPECT_EQ(status.last->kind, MailOutcomeRecord::Kind::sent);
    EXPECT_EQ(status.last->attempts, 2);
}

TEST(MailNotifier, NoRecipientMeansLogOnly) {
    Harness h(3, "");
    h.notifier->notify("acquired", "x");
    EXPECT_TRUE(h.transport->attempts.empty());
    ASSERT_EQ(h.log.size(), 1U);
    EXPECT_EQ(h.log[0], "notify: acquired -- x");
}

TEST(MailNotifier, TheQueueIsBounded) {
    Harness h(3);
    for (std::size_t i = 0; i < MailNotifier::kMaximumQueued; ++i) {
        h.notifier->notify("event " + std::to_string(i), "");
        h.transport->fail("down");
    }
    h.at(h.now);  // all waiting for a retry now
    h.notifier->notify("one too many", "");
    const MailStatus status = h.notifier->status(h.now);
    EXPECT_EQ(status.pending, MailNotifier::kMaximumQueued);
    EXPECT_EQ(status.failed, 1U);
    EXPECT_EQ(h.outcomes.back().subject, "event 0");
}

TEST(MailNotifier, AReloadLetsARunningAttemptEndAndRetriesThroughTheNewTransport) {
    Harness h(3);
    h.notifier->notify("acquired", "");
    auto fresh = std::make_unique<testing::FakeMailTransport>();
    testing::FakeMailTransport* second = fresh.get();
    MailPolicy policy;
    policy.recipient = "new@example.com";
    policy.attempts = 3;
    policy.retry_ns = kSecond;
    h.notifier->reconfigure(std::move(fresh), policy);
    h.transport->fail("relay restarting");  // the old transport's attempt ends after the reload
    h.at(h.now);
    EXPECT_EQ(h.notifier->status(h.now).last->kind, MailOutcomeRecord::Kind::retrying);
    h.at(h.now + kSecond);  // the new policy's backoff
    ASSERT_EQ(second->attempts.size(), 1U);
    EXPECT_EQ(second->attempts[0].envelope.to, "ops@example.com") << "a queued message keeps its recipient";
    second->succeed();
    h.at(h.now);
    EXPECT_EQ(h.notifier->status(h.now).sent, 1U);
    EXPECT_EQ(h.notifier->status(h.now).transport, "fake");
}

}  // namespace
}  // namespace fo::takeover
