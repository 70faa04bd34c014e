#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fo/takeover/mail_transport.hpp"

namespace fo::testing {

/// A mail system the test drives: records every attempt; an attempt ends
/// when the test calls succeed() or fail().
class FakeMailTransport final : public takeover::MailTransport {
  public:
    struct Attempt {
        std::uint64_t id;
        takeover::MailEnvelope envelope;
        std::int64_t started_ns;
    };

    void start(std::uint64_t attempt, const takeover::MailEnvelope& envelope, std::int64_t now_ns) override {
        attempts.push_back({attempt, envelope, now_ns});
        running_.push_back(attempt);
    }
    std::vector<takeover::MailAttemptOutcome> collect(std::int64_t /*now_ns*/) override {
        auto done = std::move(finished_);
        finished_.clear();
        return done;
    }
    [[nodiscard]] std::size_t running() const override { return running_.size(); }
    [[nodiscard]] std::string name() const override { return "fake"; }

    /// Ends the oldest running attempt.
    void succeed() { end(true, ""); }
    void fail(const std::string& reason) { end(false, reason); }

    std::vector<Attempt> attempts;

  private:
    void end(bool sent, const std::string& reason) {
        if (running_.empty()) {
            return;
        }
        finished_.push_back({running_.front(), sent, reason});
        running_.erase(running_.begin());
    }
    std::vector<std::uint64_t> running_;
    std::vector<takeover::MailAttemptOutcome> finished_;
};

}  // namespace fo::testing
