#include "fo/takeover/notifier.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <ctime>

#include "fo/takeover/hook_runner.hpp"

namespace fo::takeover {

namespace {
constexpr std::int64_t kMailTimeoutNs = 30'000'000'000;
constexpr int kFinishWaitMs = 2'000;  // at shutdown

std::int64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}
}  // namespace

MailNotifier::MailNotifier(std::string sendmail_path, std::string recipient, std::string host_name, LogLine log)
    : sendmail_path_(std::move(sendmail_path)),
      recipient_(std::move(recipient)),
      host_name_(std::move(host_name)),
      log_(std::move(log)) {}

void MailNotifier::notify(const std::string& subject, const std::string& body) {
    log_("notify: " + subject + (body.empty() ? "" : " -- " + body));
    if (recipient_.empty()) {
        return;
    }
    std::array<int, 2> input{};
    if (pipe2(input.data(), O_CLOEXEC) != 0) {
        ++failed_;
        return;
    }
    const pid_t child = fork();
    if (child == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        dup2(input[0], STDIN_FILENO);
        close_inherited_descriptors();  // no capture or netlink socket of ours in sendmail
        const char* argv[] = {sendmail_path_.c_str(), "-t", "-i", nullptr};
        execv(sendmail_path_.c_str(), const_cast<char* const*>(argv));
        _exit(127);
    }
    close(input[0]);
    if (child < 0) {
        close(input[1]);
        ++failed_;
        return;
    }
    const std::string message =
        "To: " + recipient_ + "\nSubject: [failover " + host_name_ + "] " + subject + "\n\n" + body + "\n";
    // A notification is far below the pipe's capacity, so this never blocks.
    (void)!write(input[1], message.data(), message.size());
    close(input[1]);
    running_.push_back(Running{child, monotonic_ns(), false});
}

void MailNotifier::reap(std::int64_t now_ns) {
    for (auto it = running_.begin(); it != running_.end();) {
        int status = 0;
        const pid_t done = waitpid(it->pid, &status, WNOHANG);
        if (done == 0) {
            if (!it->killed && now_ns - it->started_ns > kMailTimeoutNs) {
                // Reaped by a later call: waiting here could block the loop.
                kill(it->pid, SIGKILL);
                it->killed = true;
                log_("notify: " + sendmail_path_ + " timed out");
            }
            ++it;
            continue;
        }
        if (it->killed) {
            ++failed_;
        } else if (done == it->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            ++sent_;
        } else {
            ++failed_;
            log_("notify: " + sendmail_path_ + " failed (exit " +
                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
        }
        it = running_.erase(it);
    }
}

void MailNotifier::finish() {
    for (int waited_ms = 0; !running_.empty() && waited_ms < kFinishWaitMs; waited_ms += 10) {
        reap(monotonic_ns());
        if (!running_.empty()) {
            poll(nullptr, 0, 10);
        }
    }
    reap(monotonic_ns() + kMailTimeoutNs + 1);  // whatever is left is killed
    for (int waited_ms = 0; !running_.empty() && waited_ms < kFinishWaitMs; waited_ms += 10) {
        poll(nullptr, 0, 10);
        reap(monotonic_ns());
    }
}

void MailNotifier::reconfigure(std::string sendmail_path, std::string recipient) {
    sendmail_path_ = std::move(sendmail_path);
    recipient_ = std::move(recipient);
}

MailNotifier::~MailNotifier() {
    for (const Running& child : running_) {
        kill(child.pid, SIGKILL);
        waitpid(child.pid, nullptr, 0);
    }
}

}  // namespace fo::takeover
