#include "fo/takeover/notifier.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

namespace fo::takeover {

namespace {
constexpr int kMailTimeoutMs = 10'000;
}

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
    (void)!write(input[1], message.data(), message.size());
    close(input[1]);
    int status = 0;
    pid_t done = 0;
    for (int waited = 0; waited < kMailTimeoutMs && done == 0; waited += 10) {
        done = waitpid(child, &status, WNOHANG);
        if (done == 0) {
            poll(nullptr, 0, 10);
        }
    }
    if (done == 0) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        log_("notify: " + sendmail_path_ + " timed out");
        ++failed_;
        return;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        ++sent_;
    } else {
        ++failed_;
        log_("notify: " + sendmail_path_ + " failed (exit " + std::to_string(WEXITSTATUS(status)) + ")");
    }
}

}  // namespace fo::takeover
