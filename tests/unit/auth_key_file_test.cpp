// AuthKey::load_file: a directory, a device, a FIFO, an oversized or an
// open file is a clear error at once (never an abort, a hang or silence).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "fo/wire/auth.hpp"

namespace fo::wire {
namespace {

class KeyFileChecks : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("fo-key-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& content, mode_t mode) {
        auto path = (dir_ / name).string();
        std::ofstream(path) << content;
        ::chmod(path.c_str(), mode);
        return path;
    }
    std::filesystem::path dir_;
};

TEST_F(KeyFileChecks, GoodKey) {
    auto loaded =
        AuthKey::load_file(write("good", "fastfailover-test-key-0123456789\n", 0600), KeyFilePolicy::daemon());
    EXPECT_TRUE(loaded.key) << loaded.error;
}

TEST_F(KeyFileChecks, ReadableByOthersIsRefusedWithTheCommand) {
    const auto path = write("open", "fastfailover-test-key-0123456789", 0644);
    auto loaded = AuthKey::load_file(path, KeyFilePolicy::daemon());
    EXPECT_FALSE(loaded.key);
    EXPECT_EQ(loaded.error,
              "key file " + path + " is accessible by group or others (mode 0644); run: chmod 600 " + path);
}

TEST_F(KeyFileChecks, ADirectory) {
    auto loaded = AuthKey::load_file(dir_.string());
    EXPECT_FALSE(loaded.key);
    EXPECT_EQ(loaded.error, "key file " + dir_.string() + " is a directory, not a regular file");
}

TEST_F(KeyFileChecks, DevZeroIsNotReadForever) {
    auto loaded = AuthKey::load_file("/dev/zero");
    EXPECT_FALSE(loaded.key);
    EXPECT_EQ(loaded.error, "key file /dev/zero is a device, not a regular file");
}

TEST_F(KeyFileChecks, AFifoDoesNotHang) {
    const auto path = (dir_ / "fifo").string();
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    const auto start = std::chrono::steady_clock::now();
    auto loaded = AuthKey::load_file(path);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_FALSE(loaded.key);
    EXPECT_EQ(loaded.error, "key file " + path + " is a FIFO, not a regular file");
}

TEST_F(KeyFileChecks, TooLarge) {
    const auto path = write("big", std::string(5000, 'k'), 0600);
    auto loaded = AuthKey::load_file(path);
    EXPECT_FALSE(loaded.key);
    EXPECT_EQ(loaded.error, "key file " + path + " is 5000 bytes; a key file holds at most 4096");
}

TEST_F(KeyFileChecks, Missing) {
    auto loaded = AuthKey::load_file((dir_ / "missing").string());
    EXPECT_FALSE(loaded.key);
    EXPECT_EQ(loaded.error, "cannot read key file " + (dir_ / "missing").string() + ": No such file or directory");
}

}  // namespace
}  // namespace fo::wire
