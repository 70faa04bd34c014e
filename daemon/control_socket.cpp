#include "control_socket.hpp"

#include <grp.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace fo::daemon {

namespace {

constexpr std::size_t kAcceptsPerWakeup = 16;
constexpr int kBacklog = 16;
constexpr std::size_t kMaximumGroups = 64;

std::string error_reply(const std::string& message) {
    return nlohmann::json{{"error", message}}.dump();
}

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777U));
    return text;
}

}  // namespace

ControlSocket::ControlSocket(runtime::EventLoop& loop, ControlSocketOptions options, Handler handler)
    : loop_(loop), options_(std::move(options)), handler_(std::move(handler)) {
    const std::string& path = options_.path;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path) {
        throw std::runtime_error("status_socket '" + path + "': a Unix socket path holds 1 to " +
                                 std::to_string(sizeof address.sun_path - 1) + " bytes");
    }
    if (!options_.group.empty()) {
        const group* entry = getgrnam(options_.group.c_str());
        if (entry == nullptr) {
            throw std::runtime_error("control_group '" + options_.group + "' does not exist on this host");
        }
        group_id_ = entry->gr_gid;
    }
    // The directory: created if missing (0755), and never one that others can
    // write (they could replace our socket with theirs).
    std::filesystem::path directory = std::filesystem::path(path).parent_path();
    if (directory.empty()) {
        directory = ".";
    }
    std::error_code ignored;
    std::filesystem::create_directories(directory, ignored);
    struct stat info {};
    if (::stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
        throw std::runtime_error("status_socket " + path + ": directory " + directory.string() + " is missing");
    }
    if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        throw std::runtime_error("status_socket " + path + ": directory " + directory.string() +
                                 " is writable by group or others (mode " + octal_mode(info.st_mode) +
                                 "); put the socket in a directory only root can write, e.g. /run/fastfailover");
    }
    if (::lstat(path.c_str(), &info) == 0) {
        if (!S_ISSOCK(info.st_mode)) {
            throw std::runtime_error("status_socket " + path +
                                     " exists and is not a socket; remove it or choose "
                                     "another path");
        }
        ::unlink(path.c_str());
    }
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) {
        throw std::runtime_error(std::string("cannot create the status socket: ") + std::strerror(errno));
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    // The socket is born 0600: no window in which another user can connect.
    const mode_t previous = ::umask(0177);
    const int bound = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    const int bind_errno = errno;
    ::umask(previous);
    if (bound != 0 || ::listen(listen_fd_, kBacklog) != 0) {
        const int error = bound != 0 ? bind_errno : errno;
        ::close(listen_fd_);
        listen_fd_ = -1;
        throw std::runtime_error("cannot listen on " + path + ": " + std::strerror(error));
    }
    if (group_id_) {
        if (::chown(path.c_str(), static_cast<uid_t>(-1), *group_id_) != 0 || ::chmod(path.c_str(), 0660) != 0) {
            const int error = errno;
            ::close(listen_fd_);
            listen_fd_ = -1;
            ::unlink(path.c_str());
            throw std::runtime_error("cannot give " + path + " to group " + options_.group + ": " +
                                     std::strerror(error));
        }
    }
    loop_.watch_readable(listen_fd_, [this] { on_accept(); });
    if (options_.events != nullptr) {
        streams_ = std::make_unique<EventStreams>(loop_, *options_.events, options_.streams);
    }
}

ControlSocket::~ControlSocket() {
    streams_.reset();
    while (!clients_.empty()) {
        drop(clients_.begin()->first);
    }
    if (listen_fd_ >= 0) {
        loop_.unwatch(listen_fd_);
        ::close(listen_fd_);
        ::unlink(options_.path.c_str());
    }
}

void ControlSocket::on_accept() {
    for (std::size_t i = 0; i < kAcceptsPerWakeup; ++i) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;  // EAGAIN: nobody else waiting
        }
        if (clients_.size() >= options_.max_clients) {
            ++refused_busy_;
            const std::string reply = error_reply("busy: too many clients") + "\n";
            (void)!::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            ::close(fd);
            continue;
        }
        Client client;
        ucred credentials{};
        socklen_t length = sizeof credentials;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0) {
            client.uid = credentials.uid;
            client.gid = credentials.gid;
        }
        std::vector<gid_t> groups(kMaximumGroups);
        socklen_t groups_length = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &groups_length) == 0) {
            groups.resize(groups_length / sizeof(gid_t));
            client.groups = std::move(groups);
        }
        client.deadline = loop_.add_timer(options_.client_deadline_ns, 0, [this, fd](std::uint64_t) {
            ++timed_out_;
            drop(fd);
        });
        clients_.emplace(fd, std::move(client));
        loop_.watch_readable(fd, [this, fd] { on_readable(fd); });
    }
}

void ControlSocket::on_readable(int fd) {
    auto found = clients_.find(fd);
    if (found == clients_.end()) {
        return;
    }
    Client& client = found->second;
    bool end_of_input = false;
    char buffer[kMaximumCommandBytes + 1];
    for (;;) {
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got > 0) {
            client.input.append(buffer, static_cast<std::size_t>(got));
            if (client.input.size() > kMaximumCommandBytes || client.input.find('\n') != std::string::npos) {
                break;
            }
            continue;
        }
        if (got == 0) {
            end_of_input = true;
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        }
        drop(fd);  // a reset connection
        return;
    }
    const bool complete =
        end_of_input || client.input.size() > kMaximumCommandBytes || client.input.find('\n') != std::string::npos;
    if (!complete) {
        return;  // more to come, until the deadline
    }
    const ParsedControlCommand parsed = parse_control_command(client.input);
    if (!parsed.command) {
        answer(fd, error_reply(parsed.error));
        return;
    }
    if (changes_state(*parsed.command) && !allowed(client)) {
        ++denied_;
        answer(fd, error_reply("permission denied: '" + trimmed(client.input.substr(0, client.input.find('\n'))) +
                               "' needs root" + (group_id_ ? " or group " + options_.group : std::string()) +
                               " (you are uid " + std::to_string(client.uid) + ")"));
        return;
    }
    if (*parsed.command == ControlCommand::events) {
        start_stream(fd);
        return;
    }
    answer(fd, handler_(*parsed.command));
}

void ControlSocket::start_stream(int fd) {
    // Who may stream: whoever may read the status (the socket's mode decides):
    // an event says nothing that `status` does not.
    if (!streams_) {
        answer(fd, error_reply("no event stream in this daemon"));
        return;
    }
    auto found = clients_.find(fd);
    loop_.cancel_timer(found->second.deadline);  // a stream has no deadline
    loop_.unwatch(fd);
    clients_.erase(found);
    if (!streams_->add(fd)) {
        ++refused_busy_;
        const std::string reply =
            error_reply("busy: " + std::to_string(options_.streams.max_streams) + " event streams already") + "\n";
        (void)!::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::close(fd);
    }
}

bool ControlSocket::allowed(const Client& client) const {
    if (client.uid == 0 || client.uid == ::geteuid()) {
        return true;
    }
    if (!group_id_) {
        return false;
    }
    return client.gid == *group_id_ ||
           std::find(client.groups.begin(), client.groups.end(), *group_id_) != client.groups.end();
}

void ControlSocket::answer(int fd, const std::string& reply) {
    // One non-blocking send: a fresh Unix stream socket takes a status
    // document (a few KiB) whole; a client that cannot take it loses it.
    const std::string line = reply + "\n";
    ssize_t sent = 0;
    do {
        sent = ::send(fd, line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    drop(fd);
}

void ControlSocket::drop(int fd) {
    auto found = clients_.find(fd);
    if (found == clients_.end()) {
        return;
    }
    loop_.cancel_timer(found->second.deadline);
    loop_.unwatch(fd);
    ::close(fd);
    clients_.erase(found);
}

}  // namespace fo::daemon
