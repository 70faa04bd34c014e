#include "fo/takeover/hook_runner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace fo::takeover {
namespace {

constexpr std::int64_t kSafetyNs = 10'000'000'000;

class HookRunnerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_ / "PreAcq");
        chmod(dir_.c_str(), 0755);
        chmod((dir_ / "PreAcq").c_str(), 0755);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path script(const std::string& relative, const std::string& body, bool executable = true) {
        auto path = dir_ / relative;
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        chmod(path.c_str(), executable ? 0755 : 0644);
        return path;
    }
    static std::vector<std::string> names(const std::vector<HookResult>& results) {
        std::vector<std::string> out;
        for (const auto& result : results) {
            out.push_back(result.name);
        }
        return out;
    }
    /// Starts the phase and runs the event loop until it completes (bounded).
    std::vector<HookResult> run(DirectoryHookRunner& runner, HookPhase phase, const std::vector<std::string>& arguments,
                                const std::map<std::string, std::string>& environment) {
        std::optional<std::vector<HookResult>> results;
        runner.start(phase, arguments, environment, [this, &results](std::vector<HookResult> got) {
            results = std::move(got);
            loop_.stop();
        });
        if (!results) {
            const auto safety = loop_.add_timer(kSafetyNs, 0, [this](std::uint64_t) { loop_.stop(); });
            loop_.run();
            loop_.cancel_timer(safety);
        }
        EXPECT_TRUE(results.has_value()) << "the phase completed within 10 s";
        return results.value_or(std::vector<HookResult>{});
    }
    std::vector<HookResult> run(HookPhase phase, const std::vector<std::string>& arguments,
                                const std::map<std::string, std::string>& environment) {
        return run(runner_, phase, arguments, environment);
    }
    [[nodiscard]] bool logged(const std::string& line) const {
        return std::find(log_.begin(), log_.end(), line) != log_.end();
    }

    std::filesystem::path dir_ = std::filesystem::temp_directory_path() / ("fo-hooks-" + std::to_string(getpid()));
    std::vector<std::string> log_;
    runtime::EventLoop loop_;
    DirectoryHookRunner runner_{loop_, dir_.string(), 2'000'000'000,
                                [this](const std::string& line) { log_.push_back(line); }};
};

TEST_F(HookRunnerTest, FolderAndPrefixFormsRunInNameOrderExecutablesOnly) {
    script("PreAcq/20-second", "echo second");
    script("PreAcq/10-first", "echo first $1 $2 $FAILOVER_STATE");
    script("PreAcq-15-prefix", "true");
    script("PreAcq/30-not-executable", "true", false);
    script("PostAcq-unrelated", "true");
    const auto results = run(HookPhase::pre_acquire, {"acquire", "198.51.100.100"}, {{"FAILOVER_STATE", "standby"}});
    // One name order across both forms, as `ls` would list them.
    EXPECT_EQ(names(results), (std::vector<std::string>{"10-first", "20-second", "PreAcq-15-prefix"}));
    EXPECT_TRUE(logged("hook 10-first: first acquire 198.51.100.100 standby"))
        << "arguments, environment, and output to the log";
}

TEST_F(HookRunnerTest, AppleTestFileIsFound) {
    script("Test", "exit 3");
    const auto results = run(HookPhase::test, {"acquire", "198.51.100.100"}, {});
    ASSERT_EQ(results.size(), 1U);
    EXPECT_EQ(results[0].exit_code, 3);
    EXPECT_FALSE(results[0].ok());
}

TEST_F(HookRunnerTest, HangingHookIsTerminatedAtItsTimeout) {
    script("PreAcq/10-hangs", "trap '' TERM\nsleep 30 & wait");  // ignores TERM: needs the KILL
    DirectoryHookRunner quick(loop_, dir_.string(), 100'000'000,
                              [this](const std::string& line) { log_.push_back(line); });
    const auto results = run(quick, HookPhase::pre_acquire, {}, {});
    ASSERT_EQ(results.size(), 1U);
    EXPECT_TRUE(results[0].timed_out);
    EXPECT_FALSE(results[0].ok());
    EXPECT_TRUE(logged("hook 10-hangs: still running, sending KILL"));
}

TEST_F(HookRunnerTest, NoDirectoryMeansNoHooks) {
    DirectoryHookRunner none(loop_, "", 1'000'000'000, [](const std::string&) {});
    bool done = false;
    none.start(HookPhase::pre_acquire, {}, {},
               [&done](const std::vector<HookResult>& results) { done = results.empty(); });
    EXPECT_TRUE(done) << "completes at once";
}

TEST_F(HookRunnerTest, TheLoopRunsWhileAHookRuns) {
    script("PreAcq/10-slow", "sleep 0.5");
    int ticks = 0;
    const auto tick = loop_.add_timer(10'000'000, 10'000'000, [&ticks](std::uint64_t) { ++ticks; });
    bool returned_at_once = false;
    std::optional<std::vector<HookResult>> results;
    runner_.start(HookPhase::pre_acquire, {}, {}, [this, &results](std::vector<HookResult> got) {
        results = std::move(got);
        loop_.stop();
    });
    returned_at_once = !results.has_value();
    const auto safety = loop_.add_timer(kSafetyNs, 0, [this](std::uint64_t) { loop_.stop(); });
    loop_.run();
    loop_.cancel_timer(safety);
    loop_.cancel_timer(tick);
    EXPECT_TRUE(returned_at_once) << "start() does not wait for the hook";
    ASSERT_TRUE(results.has_value());
    EXPECT_TRUE(results->at(0).ok());
    EXPECT_GE(ticks, 30) << "the 10 ms timer kept firing during the 0.5 s hook";
}

TEST_F(HookRunnerTest, CancelTerminatesTheRunningHookAndSkipsTheRest) {
    script("PreAcq/10-hangs", "sleep 30");
    script("PreAcq/20-never", "true");
    std::optional<std::vector<HookResult>> results;
    runner_.start(HookPhase::pre_acquire, {}, {}, [this, &results](std::vector<HookResult> got) {
        results = std::move(got);
        loop_.stop();
    });
    const auto cancel = loop_.add_timer(50'000'000, 0, [this](std::uint64_t) { runner_.cancel(); });
    const auto safety = loop_.add_timer(kSafetyNs, 0, [this](std::uint64_t) { loop_.stop(); });
    loop_.run();
    loop_.cancel_timer(safety);
    loop_.cancel_timer(cancel);
    ASSERT_TRUE(results.has_value());
    EXPECT_EQ(names(*results), std::vector<std::string>{"10-hangs"});
    EXPECT_TRUE(results->at(0).timed_out);
}

TEST_F(HookRunnerTest, HooksInheritNoDescriptorOfTheDaemon) {
    // As libpcap's and libnet's sockets: open without close-on-exec.
    const int leaked = open("/dev/null", O_RDONLY);  // NOLINT(cppcoreguidelines-pro-type-vararg)
    ASSERT_GE(leaked, 3);
    const auto listing = dir_ / "fds.txt";
    script("PreAcq/10-list", "ls /proc/self/fd > " + listing.string());
    const auto results = run(HookPhase::pre_acquire, {}, {});
    close(leaked);
    ASSERT_EQ(results.size(), 1U);
    EXPECT_TRUE(results[0].ok());
    std::ifstream in(listing);
    std::vector<std::string> fds;
    for (std::string fd; in >> fd;) {
        fds.push_back(fd);
    }
    // 0, 1, 2 and the descriptor ls opened for the listing itself (the lowest free: 3).
    EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2", "3"}));
}

class HookSecurityTest : public HookRunnerTest {
  protected:
    void SetUp() override {
        HookRunnerTest::SetUp();
        if (geteuid() != 0) {
            GTEST_SKIP() << "needs root to make files owned by another user";
        }
    }
};

TEST_F(HookSecurityTest, RootOwnedAndNotWritableByOthersRuns) {
    const auto path = script("PreAcq/10-fine", "true");
    EXPECT_EQ(hook_insecurity(path.string()), std::nullopt);
    const auto results = run(HookPhase::pre_acquire, {}, {});
    ASSERT_EQ(results.size(), 1U);
    EXPECT_FALSE(results[0].refused);
    EXPECT_TRUE(results[0].ok());
}

TEST_F(HookSecurityTest, HookOwnedByAnotherUserIsRefused) {
    const auto marker = dir_ / "ran";
    const auto path = script("PreAcq/10-theirs", "touch " + marker.string());
    ASSERT_EQ(chown(path.c_str(), 12345, 0), 0);
    const auto why = hook_insecurity(path.string());
    ASSERT_TRUE(why.has_value());
    EXPECT_NE(why->find("owned by uid 12345"), std::string::npos) << *why;
    const auto results = run(HookPhase::pre_acquire, {}, {});
    ASSERT_EQ(results.size(), 1U);
    EXPECT_TRUE(results[0].refused);
    EXPECT_FALSE(results[0].ok());
    EXPECT_FALSE(std::filesystem::exists(marker)) << "a refused hook never runs";
    EXPECT_TRUE(logged("hook 10-theirs: refused: " + *why));
}

TEST_F(HookSecurityTest, GroupOrOtherWritableHookIsRefused) {
    const auto group = script("PreAcq/10-group", "true");
    chmod(group.c_str(), 0775);
    const auto other = script("PreAcq/20-other", "true");
    chmod(other.c_str(), 0757);
    EXPECT_TRUE(hook_insecurity(group.string()).has_value());
    EXPECT_TRUE(hook_insecurity(other.string()).has_value());
    const auto results = run(HookPhase::pre_acquire, {}, {});
    ASSERT_EQ(results.size(), 2U);
    EXPECT_TRUE(results[0].refused);
    EXPECT_TRUE(results[1].refused);
}

TEST_F(HookSecurityTest, WritableDirectoryOnThePathIsRefused) {
    const auto path = script("PreAcq/10-fine", "true");
    chmod((dir_ / "PreAcq").c_str(), 0777);  // not sticky: anyone could replace the hook
    const auto why = hook_insecurity(path.string());
    ASSERT_TRUE(why.has_value());
    EXPECT_NE(why->find("writable by others"), std::string::npos) << *why;
    chmod((dir_ / "PreAcq").c_str(), 0755);
    ASSERT_EQ(chown(dir_.c_str(), 12345, 0), 0);  // the hooks directory itself
    EXPECT_TRUE(hook_insecurity(path.string()).has_value());
    ASSERT_EQ(chown(dir_.c_str(), 0, 0), 0);
    EXPECT_EQ(hook_insecurity(path.string()), std::nullopt);
}

TEST_F(HookSecurityTest, SymlinkToAnInsecureTargetIsRefused) {
    const auto elsewhere = dir_ / "elsewhere";
    std::filesystem::create_directories(elsewhere);
    chmod(elsewhere.c_str(), 0777);
    const auto target = script("elsewhere/hook", "true");
    std::filesystem::create_symlink(target, dir_ / "PreAcq" / "10-link");
    const auto why = hook_insecurity((dir_ / "PreAcq" / "10-link").string());
    ASSERT_TRUE(why.has_value()) << "the link sits in a safe folder, its target does not";
    EXPECT_NE(why->find(elsewhere.string()), std::string::npos) << *why;
    const auto results = run(HookPhase::pre_acquire, {}, {});
    ASSERT_EQ(results.size(), 1U);
    EXPECT_TRUE(results[0].refused);
    chmod(elsewhere.c_str(), 0755);
    EXPECT_EQ(hook_insecurity((dir_ / "PreAcq" / "10-link").string()), std::nullopt);
}

}  // namespace
}  // namespace fo::takeover
