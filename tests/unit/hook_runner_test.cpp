#include "fo/takeover/hook_runner.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace fo::takeover {
namespace {

class HookRunnerTest : public ::testing::Test {
  protected:
    void SetUp() override { std::filesystem::create_directories(dir_ / "PreAcq"); }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    void script(const std::string& relative, const std::string& body, bool executable = true) {
        const auto path = dir_ / relative;
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        chmod(path.c_str(), executable ? 0755 : 0644);
    }
    std::vector<std::string> names(const std::vector<HookResult>& results) {
        std::vector<std::string> out;
        for (const auto& result : results) {
            out.push_back(result.name);
        }
        return out;
    }

    std::filesystem::path dir_ = std::filesystem::temp_directory_path() / ("fo-hooks-" + std::to_string(getpid()));
    std::vector<std::string> log_;
    DirectoryHookRunner runner_{dir_.string(), 2'000'000'000,
                                [this](const std::string& line) { log_.push_back(line); }};
};

TEST_F(HookRunnerTest, FolderAndPrefixFormsRunInNameOrderExecutablesOnly) {
    script("PreAcq/20-second", "echo second");
    script("PreAcq/10-first", "echo first $1 $2 $FAILOVER_STATE");
    script("PreAcq-15-prefix", "true");
    script("PreAcq/30-not-executable", "true", false);
    script("PostAcq-unrelated", "true");
    const auto results =
        runner_.run(HookPhase::pre_acquire, {"acquire", "198.51.100.100"}, {{"FAILOVER_STATE", "standby"}});
    // One name order across both forms, as `ls` would list them.
    EXPECT_EQ(names(results), (std::vector<std::string>{"10-first", "20-second", "PreAcq-15-prefix"}));
    EXPECT_NE(std::find(log_.begin(), log_.end(), "hook 10-first: first acquire 198.51.100.100 standby"), log_.end())
        << "arguments, environment, and output to the log";
}

TEST_F(HookRunnerTest, AppleTestFileIsFound) {
    script("Test", "exit 3");
    const auto results = runner_.run(HookPhase::test, {"acquire", "198.51.100.100"}, {});
    ASSERT_EQ(results.size(), 1U);
    EXPECT_EQ(results[0].exit_code, 3);
    EXPECT_FALSE(results[0].ok());
}

TEST_F(HookRunnerTest, HangingHookIsTerminatedAtItsTimeout) {
    script("PreAcq/10-hangs", "trap '' TERM\nsleep 30 & wait");  // ignores TERM: needs the KILL
    DirectoryHookRunner quick(dir_.string(), 100'000'000, [this](const std::string& line) { log_.push_back(line); });
    const auto results = quick.run(HookPhase::pre_acquire, {}, {});
    ASSERT_EQ(results.size(), 1U);
    EXPECT_TRUE(results[0].timed_out);
    EXPECT_FALSE(results[0].ok());
    EXPECT_NE(std::find(log_.begin(), log_.end(), "hook 10-hangs: still running, sending KILL"), log_.end());
}

TEST_F(HookRunnerTest, NoDirectoryMeansNoHooks) {
    DirectoryHookRunner none("", 1'000'000'000, [](const std::string&) {});
    EXPECT_TRUE(none.run(HookPhase::pre_acquire, {}, {}).empty());
}

}  // namespace
}  // namespace fo::takeover
