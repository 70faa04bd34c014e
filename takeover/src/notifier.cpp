#include "fo/takeover/notifier.hpp"

#include <poll.h>

#include <algorithm>

#include "fo/takeover/mail_message.hpp"

namespace fo::takeover {

namespace {
constexpr int kFinishPollMs = 10;
}  // namespace

const char* to_string(MailOutcomeRecord::Kind kind) {
    switch (kind) {
        case MailOutcomeRecord::Kind::sent: return "sent";
        case MailOutcomeRecord::Kind::retrying: return "retrying";
        case MailOutcomeRecord::Kind::failed: return "failed";
    }
    return "?";
}

MailNotifier::MailNotifier(std::unique_ptr<MailTransport> transport, MailPolicy policy, std::string host_name,
                           LogLine log, Clock monotonic, Clock wall)
    : transport_(std::move(transport)),
      policy_(std::move(policy)),
      host_name_(std::move(host_name)),
      log_(std::move(log)),
      monotonic_(std::move(monotonic)),
      wall_(std::move(wall)) {}

void MailNotifier::notify(const std::string& subject, const std::string& body) {
    log_("notify: " + subject + (body.empty() ? "" : " -- " + body));
    if (policy_.recipient.empty()) {
        return;
    }
    if (queue_.size() >= kMaximumQueued) {
        const auto oldest = std::find_if(queue_.begin(), queue_.end(), [](const Queued& q) { return !q.in_flight; });
        if (oldest == queue_.end()) {
            ++failed_;
            record({MailOutcomeRecord::Kind::failed, subject, "too many messages queued", 0, 0});
            return;
        }
        ++failed_;
        record({MailOutcomeRecord::Kind::failed, oldest->subject, "dropped: too many messages queued", oldest->attempts,
                0});
        queue_.erase(oldest);
    }
    const std::uint64_t id = next_id_++;
    MailContent content;
    content.from = policy_.from.empty() ? "failover@" + host_name_ : policy_.from;
    content.to = policy_.recipient;
    content.node = host_name_;
    content.event = subject;
    content.details = body;
    content.addresses = policy_.addresses;
    content.wall_ns = wall_();
    content.unique = id;
    queue_.push_back(Queued{id, subject, MailEnvelope{content.from, content.to, format_mail(content)}, 0, 0, false});
    start_due(monotonic_());
}

std::int64_t MailNotifier::backoff_ns(int failed_attempts) const {
    std::int64_t wait = policy_.retry_ns;
    for (int i = 1; i < failed_attempts && wait < policy_.max_retry_ns; ++i) {
        wait *= 2;
    }
    return std::min(wait, policy_.max_retry_ns);
}

void MailNotifier::record(MailOutcomeRecord outcome) {
    if (outcome.kind == MailOutcomeRecord::Kind::retrying) {
        log_("notify: mail '" + outcome.subject + "' attempt " + std::to_string(outcome.attempts) +
             " failed, retrying in " + std::to_string(outcome.retry_in_ns / 1'000'000) + " ms: " + outcome.reason);
    } else if (outcome.kind == MailOutcomeRecord::Kind::failed) {
        log_("notify: mail '" + outcome.subject + "' given up after " + std::to_string(outcome.attempts) +
             " attempt(s): " + outcome.reason);
    }
    if (listener_) {
        listener_(outcome);
    }
    last_ = std::move(outcome);
}

void MailNotifier::collect_from(MailTransport& transport, std::int64_t now_ns) {
    for (MailAttemptOutcome& outcome : transport.collect(now_ns)) {
        const auto it = std::find_if(queue_.begin(), queue_.end(),
                                     [&](const Queued& q) { return q.in_flight && q.id == outcome.attempt; });
        if (it == queue_.end()) {
            continue;
        }
        it->in_flight = false;
        if (outcome.sent) {
            ++sent_;
            record({MailOutcomeRecord::Kind::sent, it->subject, "", it->attempts, 0});
            queue_.erase(it);
        } else if (it->attempts < policy_.attempts) {
            ++retries_;
            it->due_ns = now_ns + backoff_ns(it->attempts);
            last_due_ns_ = it->due_ns;
            record({MailOutcomeRecord::Kind::retrying, it->subject, outcome.reason, it->attempts, it->due_ns - now_ns});
        } else {
            ++failed_;
            record({MailOutcomeRecord::Kind::failed, it->subject, outcome.reason, it->attempts, 0});
            queue_.erase(it);
        }
    }
}

void MailNotifier::start_due(std::int64_t now_ns) {
    for (Queued& queued : queue_) {
        if (!queued.in_flight && queued.due_ns <= now_ns) {
            queued.in_flight = true;
            ++queued.attempts;
            transport_->start(queued.id, queued.envelope, now_ns);
        }
    }
}

void MailNotifier::reap(std::int64_t now_ns) {
    for (auto& retired : retired_) {
        collect_from(*retired, now_ns);
    }
    std::erase_if(retired_, [](const auto& retired) { return retired->running() == 0; });
    collect_from(*transport_, now_ns);
    start_due(now_ns);
}

void MailNotifier::finish(std::int64_t wait_ns) {
    const int attempts = policy_.attempts;
    policy_.attempts = 0;  // no retry now: a failure is final
    const std::int64_t deadline = monotonic_() + wait_ns;
    while (std::any_of(queue_.begin(), queue_.end(), [](const Queued& q) { return q.in_flight; }) &&
           monotonic_() < deadline) {
        poll(nullptr, 0, kFinishPollMs);
        reap(monotonic_());
    }
    policy_.attempts = attempts;
}

void MailNotifier::reconfigure(std::unique_ptr<MailTransport> transport, MailPolicy policy) {
    if (transport_->running() > 0) {
        retired_.push_back(std::move(transport_));
    }
    transport_ = std::move(transport);
    policy_ = std::move(policy);
}

MailStatus MailNotifier::status(std::int64_t now_ns) const {
    MailStatus status;
    status.transport = transport_->name();
    status.sent = sent_;
    status.failed = failed_;
    status.retries = retries_;
    status.pending = queue_.size();
    status.last = last_;
    if (status.last && status.last->kind == MailOutcomeRecord::Kind::retrying) {
        status.last->retry_in_ns = std::max<std::int64_t>(last_due_ns_ - now_ns, 0);
    }
    return status;
}

}  // namespace fo::takeover
