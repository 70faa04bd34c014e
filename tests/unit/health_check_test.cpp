// [[check]]: the fall/rise monitor over a fake executor, and the real
// executor (child processes, TCP connects on 127.0.0.1) on the event loop.

#include "fo/takeover/health_check.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fake_takeover_edges.hpp"
#include "fo/takeover/check_executor.hpp"

namespace fo::takeover {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSafetyNs = 10'000'000'000;

/// Answers each run at once with the next scripted result (then passes).
class ScriptedExecutor final : public CheckExecutor {
  public:
    void start(std::size_t index, const CheckConfig&, Done done) override {
        ++starts[index];
        bool ok = true;
        if (!script.empty()) {
            ok = script.front();
            script.pop_front();
        }
        done(CheckOutcome{ok, ok ? "exit 0" : "exit 1"});
    }
    std::deque<bool> script;
    std::map<std::size_t, int> starts;
};

CheckConfig check_named(const std::string& name, std::uint32_t fall, std::uint32_t rise) {
    CheckConfig check;
    check.name = name;
    check.command = {"/bin/true"};
    check.interval_ns = 100 * kMs;
    check.fall = fall;
    check.rise = rise;
    return check;
}

struct MonitorHarness {
    explicit MonitorHarness(std::vector<CheckConfig> checks)
        : monitor(
              std::move(checks), executor, scheduler, [this] { return now; },
              [this](const std::string& line) { log.push_back(line); }) {
        monitor.on_change([this] { verdicts.push_back(monitor.verdict()); });
    }
    /// One interval: the next run of every check.
    void step() {
        now += 100 * kMs;
        scheduler.advance_ns(100 * kMs);
    }
    ScriptedExecutor executor;
    testing::FakeScheduler scheduler;
    std::int64_t now = 0;
    std::vector<std::string> log;
    std::vector<HealthVerdict> verdicts;
    HealthMonitor monitor;
};

TEST(HealthMonitor, FirstResultDecidesThenFallAndRiseCountConsecutiveRuns) {
    MonitorHarness h({check_named("db", 3, 2)});
    h.executor.script = {true, false, false, true, false, false, false, true, true};
    h.monitor.start();  // run 1: passes (the first result decides)
    EXPECT_TRUE(h.monitor.healthy());
    EXPECT_EQ(h.monitor.statuses()[0].state, CheckState::passing);
    for (int run = 2; run <= 6; ++run) {  // fail, fail, ok, fail, fail: never 3 in a row
        h.step();
        EXPECT_TRUE(h.monitor.healthy()) << "run " << run;
    }
    h.step();  // run 7: the third failure in a row
    EXPECT_FALSE(h.monitor.healthy());
    EXPECT_EQ(h.monitor.failing(), "db");
    h.step();  // run 8: one success is not enough
    EXPECT_FALSE(h.monitor.healthy());
    h.step();  // run 9: the second
    EXPECT_TRUE(h.monitor.healthy());
    // The first result ends `pending` (a change too), then fall, then rise.
    EXPECT_EQ(h.verdicts,
              (std::vector<HealthVerdict>{HealthVerdict::passing, HealthVerdict::failing, HealthVerdict::passing}));
    EXPECT_EQ(h.monitor.statuses()[0].runs, 9U);
    EXPECT_EQ(h.monitor.statuses()[0].failures, 5U);
    EXPECT_EQ(h.monitor.statuses()[0].state_changes, 2U);
    EXPECT_EQ(h.executor.starts[0], 9);  // one run per interval, never two at once
}

TEST(HealthMonitor, AFailingFirstResultFailsAtOnce) {
    MonitorHarness h({check_named("db", 3, 2)});
    h.executor.script = {false};
    h.monitor.start();
    EXPECT_FALSE(h.monitor.healthy());
    EXPECT_EQ(h.verdicts, (std::vector<HealthVerdict>{HealthVerdict::failing}));
}

// A check that alternates every run (or fails fewer than `fall` times in a
// row) never changes the verdict: flapping is bounded by fall and rise.
TEST(HealthMonitor, FlappingNeverChangesTheVerdict) {
    MonitorHarness h({check_named("db", 2, 2)});
    h.executor.script.push_back(true);
    for (int i = 0; i < 100; ++i) {
        h.executor.script.push_back(i % 2 == 0);
    }
    h.monitor.start();
    for (int i = 0; i < 100; ++i) {
        h.step();
    }
    EXPECT_EQ(h.verdicts, (std::vector<HealthVerdict>{HealthVerdict::passing}));  // the first result only
    EXPECT_EQ(h.monitor.statuses()[0].state_changes, 0U);
}

TEST(HealthMonitor, EveryCheckMustPassAndTheFailingOnesAreNamed) {
    MonitorHarness h({check_named("db", 1, 1), check_named("smtp", 1, 1)});
    h.executor.script = {true, false};  // db passes, smtp fails
    h.monitor.start();
    EXPECT_FALSE(h.monitor.healthy());
    EXPECT_EQ(h.monitor.failing(), "smtp");
}

/// Keeps each run open until the test answers it (a check that takes its time).
class HeldExecutor final : public CheckExecutor {
  public:
    void start(std::size_t index, const CheckConfig&, Done done) override { open[index] = std::move(done); }
    void answer(std::size_t index, bool ok) {
        Done done = std::move(open.at(index));
        open.erase(index);
        done(CheckOutcome{ok, ok ? "exit 0" : "timed out"});
    }
    std::map<std::size_t, Done> open;
};

struct HeldHarness {
    explicit HeldHarness(std::vector<CheckConfig> checks)
        : monitor(
              std::move(checks), executor, scheduler, [] { return std::int64_t{0}; },
              [this](const std::string& line) { log.push_back(line); }) {
        monitor.on_change([this] { changes.emplace_back(monitor.verdict(), monitor.pending()); });
    }
    HeldExecutor executor;
    testing::FakeScheduler scheduler;
    std::vector<std::string> log;
    std::vector<std::pair<HealthVerdict, std::string>> changes;
    HealthMonitor monitor;
};

// Until a check has its first result the node's verdict is pending, not
// passing: it must not take the addresses on a service nobody has checked
// (a run may take up to the check's timeout).
TEST(HealthMonitor, PendingUntilEveryCheckHasItsFirstResult) {
    HeldHarness h({check_named("db", 3, 2), check_named("smtp", 3, 2)});
    EXPECT_EQ(h.monitor.verdict(), HealthVerdict::pending);
    h.monitor.start();
    ASSERT_EQ(h.executor.open.size(), 2U);
    EXPECT_EQ(h.monitor.verdict(), HealthVerdict::pending);
    EXPECT_TRUE(h.monitor.healthy()) << "pending is not failing";
    EXPECT_EQ(h.monitor.pending(), "db, smtp");
    EXPECT_EQ(h.monitor.failing(), "");
    EXPECT_EQ(h.monitor.statuses()[0].state, CheckState::pending);
    EXPECT_EQ(to_string(h.monitor.statuses()[0].state), "pending");
    EXPECT_TRUE(h.changes.empty());

    h.executor.answer(0, true);  // db passes; smtp still has no result
    EXPECT_EQ(h.monitor.verdict(), HealthVerdict::pending);
    EXPECT_EQ(h.monitor.pending(), "smtp");
    h.executor.answer(1, true);
    EXPECT_EQ(h.monitor.verdict(), HealthVerdict::passing);
    EXPECT_EQ(h.monitor.pending(), "");
    // Every change of the names is told: the role machine logs and shows them.
    const std::vector<std::pair<HealthVerdict, std::string>> want{{HealthVerdict::pending, "smtp"},
                                                                  {HealthVerdict::passing, ""}};
    EXPECT_EQ(h.changes, want);
    EXPECT_EQ(h.log.front(), "check db: pending -> passing (/bin/true: exit 0)");
}

// A failing first result decides at once, even while another check has none.
TEST(HealthMonitor, AFailingResultOutweighsAPendingCheck) {
    HeldHarness h({check_named("db", 3, 2), check_named("smtp", 3, 2)});
    h.monitor.start();
    h.executor.answer(1, false);
    EXPECT_EQ(h.monitor.verdict(), HealthVerdict::failing);
    EXPECT_EQ(h.monitor.failing(), "smtp");
    EXPECT_EQ(h.monitor.pending(), "db");
    EXPECT_EQ(to_string(h.monitor.verdict()), "failing");
    h.executor.answer(0, true);
    EXPECT_EQ(h.monitor.verdict(), HealthVerdict::failing);
    EXPECT_EQ(h.monitor.pending(), "");
}

// Once a check has a result it never goes back to pending, whatever its
// later runs do (only a new daemon starts it pending again).
TEST(HealthMonitor, NeverPendingAgainAfterTheFirstResult) {
    HeldHarness h({check_named("db", 1, 1)});
    h.monitor.start();
    h.executor.answer(0, true);
    for (int run = 0; run < 5; ++run) {
        h.scheduler.advance_ns(100 * kMs);  // the next run starts and stays open
        ASSERT_EQ(h.executor.open.size(), 1U);
        EXPECT_EQ(h.monitor.verdict(), run % 2 == 0 ? HealthVerdict::passing : HealthVerdict::failing);
        h.executor.answer(0, run % 2 == 1);
    }
    EXPECT_EQ(h.monitor.statuses()[0].runs, 6U);
}

/// The real executor on a real event loop.
class ExecutorTest : public ::testing::Test {
  protected:
    void TearDown() override { std::filesystem::remove_all(dir_); }

    /// One run on a loop of its own (a stopped loop does not run again).
    CheckOutcome run(const CheckConfig& check) {
        runtime::EventLoop loop;
        LoopCheckExecutor executor{loop, [this](const std::string& line) { log_.push_back(line); }};
        std::optional<CheckOutcome> outcome;
        executor.start(0, check, [&](const CheckOutcome& got) {
            outcome = got;
            loop.stop();
        });
        if (!outcome) {
            const auto safety = loop.add_timer(kSafetyNs, 0, [&loop](std::uint64_t) { loop.stop(); });
            loop.run();
            loop.cancel_timer(safety);
        }
        EXPECT_TRUE(outcome.has_value()) << "the check completed within 10 s";
        return outcome.value_or(CheckOutcome{false, "never completed"});
    }
    static CheckConfig command(std::vector<std::string> argv, std::int64_t timeout_ns = 2'000 * kMs) {
        CheckConfig check;
        check.name = "test";
        check.command = std::move(argv);
        check.timeout_ns = timeout_ns;
        return check;
    }
    static CheckConfig tcp(std::uint16_t port, std::int64_t timeout_ns = 2'000 * kMs) {
        CheckConfig check;
        check.name = "tcp";
        check.kind = CheckConfig::Kind::tcp;
        check.address = wire::Ipv4Address{0x7F000001};
        check.port = port;
        check.timeout_ns = timeout_ns;
        return check;
    }
    /// A listening socket on 127.0.0.1 (an ephemeral port); -1 on failure.
    static int listener(std::uint16_t& port) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 4) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            return -1;
        }
        port = ntohs(address.sin_port);
        return fd;
    }

    std::filesystem::path dir_ = std::filesystem::temp_directory_path() / ("fo-checks-" + std::to_string(getpid()));
    std::vector<std::string> log_;
};

TEST_F(ExecutorTest, CommandExitCodeDecides) {
    EXPECT_TRUE(run(command({"/bin/sh", "-c", "exit 0"})).ok);
    const auto failed = run(command({"/bin/sh", "-c", "exit 3"}));
    EXPECT_FALSE(failed.ok);
    EXPECT_EQ(failed.detail, "exit 3");
}

TEST_F(ExecutorTest, CommandOverrunningItsTimeoutIsKilledAndFails) {
    const auto started = std::chrono::steady_clock::now();
    // Ignores TERM: KILL one second later ends it.
    const auto outcome = run(command({"/bin/sh", "-c", "trap '' TERM; sleep 30"}, 100 * kMs));
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.detail, "timed out");
    EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(ExecutorTest, InsecureCommandIsRefused) {
    std::filesystem::create_directories(dir_);
    ::chmod(dir_.c_str(), 0777);  // writable by others: anyone could replace the check
    const auto path = dir_ / "check";
    std::ofstream(path) << "#!/bin/sh\nexit 0\n";
    ::chmod(path.c_str(), 0755);
    const auto outcome = run(command({path.string()}));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.detail.rfind("refused: ", 0), 0U) << outcome.detail;
}

TEST_F(ExecutorTest, TcpConnectToAListeningPortPassesToAClosedOneFails) {
    std::uint16_t port = 0;
    const int fd = listener(port);
    ASSERT_GE(fd, 0);
    const auto open = run(tcp(port));
    EXPECT_TRUE(open.ok) << open.detail;
    ::close(fd);  // the port is closed now: refused
    const auto closed = run(tcp(port));
    EXPECT_FALSE(closed.ok);
    EXPECT_EQ(closed.detail, "Connection refused");
}

}  // namespace
}  // namespace fo::takeover
