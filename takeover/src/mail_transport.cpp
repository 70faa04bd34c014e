#include "fo/takeover/mail_transport.hpp"

#include <curl/curl.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "fo/takeover/hook_runner.hpp"

namespace fo::takeover {

namespace {

constexpr std::size_t kReasonBytes = 512;
constexpr std::size_t kMaximumCredentialsBytes = 4096;
constexpr const char* kCurlLibrary = "libcurl.so.4";

struct Descriptor {
    int fd = -1;
    explicit Descriptor(int descriptor) : fd(descriptor) {}
    ~Descriptor() {
        if (fd >= 0) {
            close(fd);
        }
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
};

/// Attempts as child processes: the child's stdout and stderr go to a pipe
/// whose text is the reason of a failure; exit status 0 is "sent".
class ChildTransport final : public MailTransport {
  public:
    /// Runs in the child with the envelope; returns its exit status.
    using ChildBody = std::function<int(const MailEnvelope&)>;
    ChildTransport(std::string name, std::int64_t timeout_ns, ChildBody body)
        : name_(std::move(name)), timeout_ns_(timeout_ns), body_(std::move(body)) {}
    ~ChildTransport() override {
        for (Child& child : children_) {
            kill(child.pid, SIGKILL);
            waitpid(child.pid, nullptr, 0);
            close(child.output_fd);
        }
    }
    ChildTransport(const ChildTransport&) = delete;
    ChildTransport& operator=(const ChildTransport&) = delete;
    ChildTransport(ChildTransport&&) = delete;
    ChildTransport& operator=(ChildTransport&&) = delete;

    void start(std::uint64_t attempt, const MailEnvelope& envelope, std::int64_t now_ns) override {
        std::array<int, 2> output{};
        if (pipe2(output.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
            finished_.push_back({attempt, false, std::string("pipe: ") + std::strerror(errno)});
            return;
        }
        const pid_t pid = fork();
        if (pid == 0) {
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            dup2(output[1], STDOUT_FILENO);
            dup2(output[1], STDERR_FILENO);
            close_inherited_descriptors();  // no capture or netlink socket of ours in the child
            _exit(body_(envelope));
        }
        close(output[1]);
        if (pid < 0) {
            close(output[0]);
            finished_.push_back({attempt, false, std::string("fork: ") + std::strerror(errno)});
            return;
        }
        children_.push_back(Child{attempt, pid, output[0], now_ns, false, {}});
    }

    std::vector<MailAttemptOutcome> collect(std::int64_t now_ns) override {
        std::vector<MailAttemptOutcome> done = std::move(finished_);
        finished_.clear();
        for (auto it = children_.begin(); it != children_.end();) {
            read_output(*it);
            int status = 0;
            const pid_t reaped = waitpid(it->pid, &status, WNOHANG);
            if (reaped == 0) {
                if (!it->killed && now_ns - it->started_ns > timeout_ns_) {
                    kill(it->pid, SIGKILL);  // reaped by a later collect(): waiting here could block the loop
                    it->killed = true;
                }
                ++it;
                continue;
            }
            read_output(*it);
            close(it->output_fd);
            MailAttemptOutcome outcome{it->attempt, false, {}};
            if (it->killed) {
                outcome.reason = name_ + " timed out after " + std::to_string(timeout_ns_ / 1'000'000) + " ms";
            } else if (reaped == it->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                outcome.sent = true;
            } else {
                outcome.reason = name_ + " failed (" +
                                 (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                                    : std::string("signal ") + std::to_string(WTERMSIG(status))) +
                                 ")" + (it->output.empty() ? "" : ": " + it->output);
            }
            done.push_back(std::move(outcome));
            it = children_.erase(it);
        }
        return done;
    }

    [[nodiscard]] std::size_t running() const override { return children_.size(); }
    [[nodiscard]] std::string name() const override { return name_; }

  private:
    struct Child {
        std::uint64_t attempt;
        pid_t pid;
        int output_fd;
        std::int64_t started_ns;
        bool killed;
        std::string output;  // the first kReasonBytes, one line
    };

    static void read_output(Child& child) {
        std::array<char, 256> buffer{};
        for (int round = 0; round < 16; ++round) {
            const ssize_t got = read(child.output_fd, buffer.data(), buffer.size());
            if (got <= 0) {
                return;
            }
            for (ssize_t i = 0; i < got && child.output.size() < kReasonBytes; ++i) {
                const char c = buffer[static_cast<std::size_t>(i)];
                child.output += (c == '\n' || c == '\r') ? ' ' : c;
            }
            while (!child.output.empty() && child.output.back() == ' ') {
                child.output.pop_back();
            }
        }
    }

    std::string name_;
    std::int64_t timeout_ns_;
    ChildBody body_;
    std::vector<Child> children_;
    std::vector<MailAttemptOutcome> finished_;  // failed to start
};

int run_sendmail(const std::string& sendmail_path, const MailEnvelope& envelope) {
    std::array<int, 2> input{};
    if (pipe(input.data()) != 0) {
        return 126;
    }
    // A notification is far below the pipe's capacity: written before exec.
    if (write(input[1], envelope.message.data(), envelope.message.size()) !=
        static_cast<ssize_t>(envelope.message.size())) {
        return 126;
    }
    close(input[1]);
    dup2(input[0], STDIN_FILENO);
    close(input[0]);
    const char* argv[] = {sendmail_path.c_str(), "-t", "-i", nullptr};
    execv(sendmail_path.c_str(), const_cast<char* const*>(argv));
    const std::string error = "cannot run " + sendmail_path + ": " + std::strerror(errno) + "\n";
    (void)!write(STDERR_FILENO, error.data(), error.size());
    return 127;
}

struct Upload {
    const std::string* text = nullptr;
    std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    const std::size_t left = upload->text->size() - upload->offset;
    const std::size_t length = std::min(left, size * count);
    std::memcpy(buffer, upload->text->data() + upload->offset, length);
    upload->offset += length;
    return length;
}

/// libcurl, loaded by the mail child only: linked into the daemons, it and
/// what it needs (GnuTLS, Kerberos, LDAP, SSH, ...) would be mapped in every
/// daemon, and with `realtime` locked in memory, 11 of 29 MB, for a feature
/// that runs in a child process. The header gives the types; soname 4 is
/// libcurl's since 2006.
struct Curl {
    void* library = nullptr;
    decltype(&curl_global_init) global_init = nullptr;
    decltype(&curl_easy_init) easy_init = nullptr;
    decltype(&curl_easy_setopt) easy_setopt = nullptr;
    decltype(&curl_easy_perform) easy_perform = nullptr;
    decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
    decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
    decltype(&curl_easy_strerror) easy_strerror = nullptr;
    decltype(&curl_slist_append) slist_append = nullptr;
    decltype(&curl_slist_free_all) slist_free_all = nullptr;

    /// Every function, or an error naming what is missing.
    static std::optional<Curl> load(std::string& error) {
        Curl curl;
        curl.library = dlopen(kCurlLibrary, RTLD_NOW | RTLD_LOCAL);
        if (curl.library == nullptr) {
            const char* why = dlerror();
            error = std::string("cannot load ") + kCurlLibrary + " (Debian: libcurl4): " + (why ? why : "?");
            return std::nullopt;
        }
        bool complete = true;
        const auto bind = [&](auto& function, const char* name) {
            function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(dlsym(curl.library, name));
            if (function == nullptr) {
                error = std::string(kCurlLibrary) + " has no " + name;
                complete = false;
            }
        };
        bind(curl.global_init, "curl_global_init");
        bind(curl.easy_init, "curl_easy_init");
        bind(curl.easy_setopt, "curl_easy_setopt");
        bind(curl.easy_perform, "curl_easy_perform");
        bind(curl.easy_getinfo, "curl_easy_getinfo");
        bind(curl.easy_cleanup, "curl_easy_cleanup");
        bind(curl.easy_strerror, "curl_easy_strerror");
        bind(curl.slist_append, "curl_slist_append");
        bind(curl.slist_free_all, "curl_slist_free_all");
        return complete ? std::optional<Curl>(curl) : std::nullopt;
    }
};

/// In the child: one SMTP transaction through libcurl (RFC 5321; STARTTLS
/// RFC 3207); curl does the dot-stuffing of section 4.5.2.
int run_smtp(const SmtpSettings& settings, std::int64_t timeout_ns, const MailEnvelope& envelope) {
    std::string load_error;
    const auto loaded = Curl::load(load_error);
    if (!loaded) {
        (void)!write(STDOUT_FILENO, load_error.data(), load_error.size());
        return 1;
    }
    const Curl& api = *loaded;
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        (void)!write(STDOUT_FILENO, "curl_global_init failed", 23);
        return 1;
    }
    CURL* curl = api.easy_init();
    if (curl == nullptr) {
        return 1;
    }
    std::array<char, CURL_ERROR_SIZE> error{};
    const std::string from = "<" + envelope.from + ">";
    curl_slist* recipients = api.slist_append(nullptr, ("<" + envelope.to + ">").c_str());
    Upload upload{&envelope.message};
    const bool implicit_tls = settings.url.rfind("smtps://", 0) == 0;
    api.easy_setopt(curl, CURLOPT_URL, settings.url.c_str());
    api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    api.easy_setopt(curl, CURLOPT_USE_SSL,
                    static_cast<long>(implicit_tls || settings.require_starttls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (!settings.ca_file.empty()) {
        api.easy_setopt(curl, CURLOPT_CAINFO, settings.ca_file.c_str());
    }
    if (!settings.username.empty()) {
        api.easy_setopt(curl, CURLOPT_USERNAME, settings.username.c_str());
        api.easy_setopt(curl, CURLOPT_PASSWORD, settings.password.c_str());
    }
    api.easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    api.easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    api.easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    api.easy_setopt(curl, CURLOPT_READDATA, &upload);
    api.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(curl, CURLOPT_ERRORBUFFER, error.data());
    api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ns / 1'000'000));
    const CURLcode result = api.easy_perform(curl);
    long response = 0;
    api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
    api.slist_free_all(recipients);
    api.easy_cleanup(curl);
    if (result == CURLE_OK) {
        return 0;
    }
    std::string reason = error[0] != '\0' ? error.data() : api.easy_strerror(result);
    if (response != 0) {
        reason += " (server replied " + std::to_string(response) + ")";
    }
    (void)!write(STDOUT_FILENO, reason.data(), reason.size());
    return 1;
}

}  // namespace

SmtpCredentials load_smtp_credentials(const std::string& path) {
    SmtpCredentials result;
    const Descriptor file(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    struct stat info {};
    if (file.fd < 0 || fstat(file.fd, &info) != 0) {
        result.error = "cannot read SMTP credentials file " + path + ": " + std::strerror(errno);
        return result;
    }
    if (!S_ISREG(info.st_mode) || info.st_size > static_cast<off_t>(kMaximumCredentialsBytes)) {
        result.error = "SMTP credentials file " + path + " is not a regular file of at most " +
                       std::to_string(kMaximumCredentialsBytes) + " bytes";
        return result;
    }
    if (info.st_uid != 0 && info.st_uid != geteuid()) {
        result.error = "SMTP credentials file " + path + " is owned by uid " + std::to_string(info.st_uid) +
                       ", not root; run: chown root:root " + path;
        return result;
    }
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777U));
        result.error = "SMTP credentials file " + path + " is readable by group or others (mode " + mode +
                       "); run: chmod 600 " + path;
        return result;
    }
    std::string text(kMaximumCredentialsBytes, '\0');
    const ssize_t got = read(file.fd, text.data(), text.size());
    text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    const std::string line = text.substr(0, text.find_first_of("\r\n"));
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
        result.error = "SMTP credentials file " + path + ": the first line must be user:password";
        return result;
    }
    result.username = line.substr(0, colon);
    result.password = line.substr(colon + 1);
    return result;
}

std::unique_ptr<MailTransport> make_sendmail_transport(std::string sendmail_path, std::int64_t timeout_ns) {
    return std::make_unique<ChildTransport>(
        "sendmail", timeout_ns,
        [path = std::move(sendmail_path)](const MailEnvelope& envelope) { return run_sendmail(path, envelope); });
}

std::unique_ptr<MailTransport> make_smtp_transport(SmtpSettings settings, std::int64_t timeout_ns) {
    return std::make_unique<ChildTransport>("smtp", timeout_ns,
                                            [settings = std::move(settings), timeout_ns](const MailEnvelope& envelope) {
                                                return run_smtp(settings, timeout_ns, envelope);
                                            });
}

}  // namespace fo::takeover
