#include "fo/wire/auth.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace fo::wire {
namespace {

std::vector<std::uint8_t> bytes_of(const std::string& text) {
    return {text.begin(), text.end()};
}

TEST(AuthKey, MatchesRfc4231TestCase2Truncated) {
    // RFC 4231 section 4.3: key "Jefe", HMAC-SHA-256 begins 5bdcc146bf60754e6a042426089575c7.
    const AuthKey key(bytes_of("Jefe"));
    const auto message = bytes_of("what do ya want for nothing?");
    const MacTag expected{0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
                          0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7};
    EXPECT_EQ(key.compute(message), expected);
    EXPECT_TRUE(key.verify(message, expected));
    MacTag flipped = expected;
    flipped[15] ^= 1U;
    EXPECT_FALSE(key.verify(message, flipped));
    EXPECT_FALSE(key.verify(message, std::span<const std::uint8_t>(expected).first(15)));
}

TEST(AuthKey, MatchesRfc4231TestCase6KeyLongerThanABlock) {
    // RFC 4231 section 4.7: a 131-byte key is hashed first (RFC 2104 section 2).
    const AuthKey key(std::vector<std::uint8_t>(131, 0xaa));
    const auto message = bytes_of("Test Using Larger Than Block-Size Key - Hash Key First");
    const MacTag expected{0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f,
                          0x0d, 0x8a, 0x26, 0xaa, 0xcb, 0xf5, 0xb7, 0x7f};
    EXPECT_EQ(key.compute(message), expected);
}

TEST(AuthKey, RepeatedUseGivesTheSameTag) {
    const AuthKey key(bytes_of("0123456789abcdef"));
    const auto first = key.compute(bytes_of("one"));
    (void)key.compute(bytes_of("something else entirely"));
    EXPECT_EQ(key.compute(bytes_of("one")), first) << "scratch state must not leak between messages";
}

class KeyFile : public ::testing::Test {
  protected:
    void write(const std::string& content, mode_t mode = 0600) {
        std::ofstream(path_, std::ios::binary) << content;
        chmod(path_.c_str(), mode);
    }
    void TearDown() override { std::filesystem::remove(path_); }
    std::string path_ = (std::filesystem::temp_directory_path() / ("fo-key-" + std::to_string(getpid()))).string();
};

TEST_F(KeyFile, LoadsAndStripsTrailingNewline) {
    write("0123456789abcdef0123\n");
    auto loaded = AuthKey::load_file(path_);
    ASSERT_TRUE(loaded.key) << loaded.error;
    const AuthKey same(bytes_of("0123456789abcdef0123"));
    const auto message = bytes_of("beat");
    EXPECT_EQ(loaded.key->compute(message), same.compute(message));
}

TEST_F(KeyFile, RefusesShortKeysAndNamesTheFile) {
    write("short\n");
    auto loaded = AuthKey::load_file(path_);
    EXPECT_FALSE(loaded.key);
    EXPECT_NE(loaded.error.find(path_), std::string::npos);
    EXPECT_NE(loaded.error.find("at least 16"), std::string::npos);
}

TEST_F(KeyFile, RefusesWhenOthersCanRead) {
    write("0123456789abcdef0123", 0644);
    auto loaded = AuthKey::load_file(path_);
    EXPECT_FALSE(loaded.key);
    EXPECT_NE(loaded.error.find("chmod 600 " + path_), std::string::npos) << loaded.error;
}

TEST(KeyFileMissing, ErrorNamesTheFile) {
    auto loaded = AuthKey::load_file("/nonexistent/fo.key");
    EXPECT_FALSE(loaded.key);
    EXPECT_NE(loaded.error.find("/nonexistent/fo.key"), std::string::npos);
}

}  // namespace
}  // namespace fo::wire
