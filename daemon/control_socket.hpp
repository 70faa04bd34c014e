#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control_command.hpp"
#include "event_streams.hpp"
#include "fo/runtime/event_loop.hpp"

// The control socket foctl talks to: one request line in, one JSON document
// out. Served from the daemon's event loop without ever blocking it: every
// client is non-blocking, read when readable, dropped at its deadline; the
// number of clients and the length of a command are capped.

namespace fo::daemon {

struct ControlSocketOptions {
    std::string path{};
    std::string group{};  // besides root (and our own user), may run commands that change state
    std::int64_t client_deadline_ns = 1'000'000'000;
    std::size_t max_clients = 8;
    EventBus* events = nullptr;  // the `events` command streams it (nullptr: refused)
    EventStreamOptions streams{};
};

class ControlSocket {
  public:
    /// The reply to a command: one JSON document, without the newline.
    using Handler = std::function<std::string(ControlCommand)>;

    /// Creates the socket: the directory must not be writable by group or
    /// others; the socket is made with umask 0177 (mode 0600, 0660 for the
    /// control group). Throws std::runtime_error with a clear message.
    ControlSocket(runtime::EventLoop& loop, ControlSocketOptions options, Handler handler);
    ~ControlSocket();
    ControlSocket(const ControlSocket&) = delete;
    ControlSocket& operator=(const ControlSocket&) = delete;

    [[nodiscard]] std::uint64_t timed_out() const { return timed_out_; }
    [[nodiscard]] std::uint64_t refused_busy() const { return refused_busy_; }
    [[nodiscard]] std::uint64_t denied() const { return denied_; }
    [[nodiscard]] std::size_t event_streams() const { return streams_ ? streams_->size() : 0; }

  private:
    struct Client {
        std::string input;
        runtime::EventLoop::TimerId deadline = -1;
        uid_t uid = static_cast<uid_t>(-1);
        gid_t gid = static_cast<gid_t>(-1);
        std::vector<gid_t> groups;
    };
    void on_accept();
    void on_readable(int fd);
    void answer(int fd, const std::string& reply);
    void drop(int fd);
    void start_stream(int fd);
    [[nodiscard]] bool allowed(const Client& client) const;

    runtime::EventLoop& loop_;
    ControlSocketOptions options_;
    Handler handler_;
    int listen_fd_ = -1;
    std::optional<gid_t> group_id_;
    std::map<int, Client> clients_;
    std::unique_ptr<EventStreams> streams_;
    std::uint64_t timed_out_ = 0;
    std::uint64_t refused_busy_ = 0;
    std::uint64_t denied_ = 0;
};

}  // namespace fo::daemon
