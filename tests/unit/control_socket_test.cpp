// The control socket never stalls the loop: a client that connects and says
// nothing costs nothing until its deadline, others are answered meanwhile,
// and a periodic timer (the beat) is never late. Also the command parser.
#include "control_socket.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

namespace fo::daemon {
namespace {

TEST(ControlCommand, Parses) {
    EXPECT_EQ(parse_control_command("status\n").command, ControlCommand::status);
    EXPECT_EQ(parse_control_command("").command, ControlCommand::status);
    EXPECT_EQ(parse_control_command(" release \r\n").command, ControlCommand::release);
    EXPECT_EQ(parse_control_command("reboot\n").error, "unknown command 'reboot' (status, release, events)");
    EXPECT_EQ(parse_control_command("events\n").command, ControlCommand::events);
    EXPECT_FALSE(changes_state(ControlCommand::events));
    EXPECT_EQ(parse_control_command(std::string(100, 'a')).error, "command too long (at most 64 bytes)");
    EXPECT_EQ(parse_control_command(std::string("sta\0tus\n", 8)).error,
              "not a command (control characters or bytes that are not ASCII)");
    EXPECT_TRUE(changes_state(ControlCommand::release));
    EXPECT_FALSE(changes_state(ControlCommand::status));
}

int connect_to(const std::string& path) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    return fd;
}

std::string ask(const std::string& path, const std::string& command) {
    const int fd = connect_to(path);
    // The daemon may answer "busy" and close before we write: EPIPE, not SIGPIPE.
    (void)!send(fd, command.data(), command.size(), MSG_NOSIGNAL);
    std::string reply;
    char buffer[256];
    for (ssize_t got = 0; (got = read(fd, buffer, sizeof buffer)) > 0;) {
        reply.append(buffer, static_cast<std::size_t>(got));
    }
    close(fd);
    return reply;
}

class ControlSocketTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("fo-control-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        ::chmod(dir_.c_str(), 0700);
        path_ = (dir_ / "fo.sock").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
    std::string path_;
};

TEST_F(ControlSocketTest, SilentClientsNeverDelayTheLoop) {
    runtime::EventLoop loop;
    ControlSocket control(loop, ControlSocketOptions{.path = path_, .client_deadline_ns = 300'000'000},
                          [](ControlCommand) { return std::string("{\"ok\":true}"); });
    // The beat: every 10 ms; the largest lateness is recorded.
    std::int64_t latest = 0;
    auto last = std::chrono::steady_clock::now();
    std::int64_t worst_gap_us = 0;
    loop.add_timer(10'000'000, 10'000'000, [&](std::uint64_t) {
        const auto now = std::chrono::steady_clock::now();
        worst_gap_us = std::max<std::int64_t>(
            worst_gap_us, std::chrono::duration_cast<std::chrono::microseconds>(now - last).count());
        last = now;
        ++latest;
    });
    loop.add_timer(1'000'000'000, 0, [&](std::uint64_t) { loop.stop(); });
    // Five silent clients (they connect and hold), and meanwhile a status
    // request from another thread that must be answered within 100 ms.
    std::vector<int> silent;
    for (int i = 0; i < 5; ++i) {
        silent.push_back(connect_to(path_));
    }
    std::string reply;
    std::int64_t reply_ms = -1;
    std::thread asker([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const auto start = std::chrono::steady_clock::now();
        reply = ask(path_, "status\n");
        reply_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    });
    loop.run();
    asker.join();
    EXPECT_EQ(reply, "{\"ok\":true}\n");
    EXPECT_GE(reply_ms, 0);
    EXPECT_LT(reply_ms, 100);
    EXPECT_LT(worst_gap_us, 50'000) << "a beat was late";
    EXPECT_GT(latest, 80);
    EXPECT_EQ(control.timed_out(), 5U) << "the silent clients are dropped at their deadline";
    for (const int fd : silent) {
        char byte = 0;
        EXPECT_EQ(read(fd, &byte, 1), 0) << "closed by the daemon";
        close(fd);
    }
}

TEST_F(ControlSocketTest, ClientsAndCommandLengthAreCapped) {
    runtime::EventLoop loop;
    ControlSocket control(loop,
                          ControlSocketOptions{.path = path_, .client_deadline_ns = 500'000'000, .max_clients = 2},
                          [](ControlCommand) { return std::string("{}"); });
    std::vector<int> held{connect_to(path_), connect_to(path_)};
    std::string busy;
    std::string too_long;
    std::thread asker([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        busy = ask(path_, "status\n");
        for (const int fd : held) {
            close(fd);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        too_long = ask(path_, std::string(1000, 'x'));
    });
    loop.add_timer(400'000'000, 0, [&](std::uint64_t) { loop.stop(); });
    loop.run();
    asker.join();
    EXPECT_EQ(busy, "{\"error\":\"busy: too many clients\"}\n");
    EXPECT_EQ(too_long, "{\"error\":\"command too long (at most 64 bytes)\"}\n");
    EXPECT_EQ(control.refused_busy(), 1U);
}

TEST_F(ControlSocketTest, BornPrivateInAPrivateDirectory) {
    runtime::EventLoop loop;
    {
        ControlSocket control(loop, ControlSocketOptions{.path = path_},
                              [](ControlCommand) { return std::string("{}"); });
        struct stat info {};
        ASSERT_EQ(::stat(path_.c_str(), &info), 0);
        EXPECT_EQ(info.st_mode & 0777U, 0600U);
    }
    EXPECT_FALSE(std::filesystem::exists(path_)) << "removed on close";
    ::chmod(dir_.c_str(), 0777);
    try {
        ControlSocket control(loop, ControlSocketOptions{.path = path_},
                              [](ControlCommand) { return std::string("{}"); });
        FAIL() << "a directory writable by others was accepted";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()),
                  "status_socket " + path_ + ": directory " + dir_.string() +
                      " is writable by group or others (mode 0777); put the socket in a directory only root can "
                      "write, e.g. /run/fastfailover");
    }
}

// As root: a client of another user may ask for the status but not release,
// unless it is in the control group (SO_PEERCRED, SO_PEERGROUPS).
TEST_F(ControlSocketTest, ReleaseNeedsRootOrTheControlGroup) {
    const group* nogroup = getgrnam("nogroup");
    if (::geteuid() != 0 || nogroup == nullptr) {
        GTEST_SKIP() << "needs root and the group nogroup";
    }
    const gid_t control_gid = nogroup->gr_gid;
    ::chmod(dir_.c_str(), 0755);
    runtime::EventLoop loop;
    int releases = 0;
    ControlSocket control(loop, ControlSocketOptions{.path = path_, .group = "nogroup"}, [&](ControlCommand command) {
        releases += command == ControlCommand::release ? 1 : 0;
        return std::string("{}");
    });
    struct stat info {};
    ASSERT_EQ(::stat(path_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777U, 0660U);
    EXPECT_EQ(info.st_gid, control_gid);
    ::chmod(path_.c_str(), 0666);  // as if an admin opened it up: credentials still decide
    // Each child: drops to uid 65534 with the given group, asks, and
    // exits 0 when the reply is the expected one.
    const auto ask_as = [&](gid_t gid, const std::string& command, const std::string& expected) {
        const pid_t child = fork();
        if (child == 0) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(65534) != 0) {
                _exit(3);
            }
            _exit(ask(path_, command) == expected ? 0 : 1);
        }
        return child;
    };
    const pid_t stranger_status = ask_as(65533, "status\n", "{}\n");
    const pid_t stranger_release =
        ask_as(65533, "release\n",
               "{\"error\":\"permission denied: 'release' needs root or group nogroup (you are uid 65534)\"}\n");
    const pid_t member_release = ask_as(control_gid, "release\n", "{}\n");
    loop.add_timer(500'000'000, 0, [&](std::uint64_t) { loop.stop(); });
    loop.run();
    for (const pid_t child : {stranger_status, stranger_release, member_release}) {
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << child << " status " << status;
    }
    EXPECT_EQ(releases, 1) << "only the group member released";
    EXPECT_EQ(control.denied(), 1U);
}

}  // namespace
}  // namespace fo::daemon
