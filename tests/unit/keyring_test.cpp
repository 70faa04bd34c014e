#include "fo/wire/keyring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fo/wire/heartbeat.hpp"
#include "frames.hpp"

namespace fo::wire {
namespace {

using testing::beat_frame;
using testing::sample_beat;

Keyring two_keys(std::uint32_t send_id) {
    Keyring keyring;
    keyring.add(1, testing::test_key());
    keyring.add(2, testing::other_key());
    EXPECT_TRUE(keyring.set_send_id(send_id));
    return keyring;
}

std::vector<std::uint8_t> signed_frame(const Keyring& keyring, const Heartbeat& beat = sample_beat(1)) {
    HeartbeatPayload payload{};
    sign_heartbeat_payload(beat, &keyring, payload);
    std::vector<std::uint8_t> frame(kHeartbeatFrameSize);
    frame.resize(encode_udp_frame(testing::primary_to_secondary(), payload, frame));
    return frame;
}

TEST(Keyring, SingleKeyIsIdZeroAndSentWith) {
    const Keyring keyring = Keyring::single(testing::test_key());
    EXPECT_EQ(keyring.ids(), std::vector<std::uint32_t>{0});
    EXPECT_EQ(keyring.send_id(), 0U);
    EXPECT_NE(keyring.send_key(), nullptr);
    EXPECT_EQ(keyring.find(1), nullptr);
}

TEST(Keyring, SendIdMustBeAKeyItHolds) {
    Keyring keyring = two_keys(1);
    EXPECT_FALSE(keyring.set_send_id(3));
    EXPECT_EQ(keyring.send_id(), 1U);
    EXPECT_TRUE(keyring.set_send_id(2));
    EXPECT_EQ(keyring.ids(), (std::vector<std::uint32_t>{1, 2}));
    EXPECT_TRUE(Keyring().empty());
    EXPECT_EQ(Keyring().send_key(), nullptr);
}

TEST(Keyring, FramesCarryTheSendIdAndAnyHeldKeyVerifies) {
    const Keyring sender_on_1 = two_keys(1);
    const Keyring sender_on_2 = two_keys(2);
    Keyring receiver = two_keys(1);
    for (const Keyring* sender : {&sender_on_1, &sender_on_2}) {
        Heartbeat beat = sample_beat(5);
        beat.key_id = 77;  // overwritten by the keyring's send id
        auto decoded = decode_heartbeat_frame(signed_frame(*sender, beat),
                                              HeartbeatDecodeOptions{kDefaultHeartbeatPort, nullptr, &receiver});
        ASSERT_TRUE(decoded) << to_string(decoded.reason());
        EXPECT_TRUE(decoded->mac_verified);
        EXPECT_EQ(decoded->beat.key_id, sender->send_id());
    }
}

TEST(Keyring, UnknownKeyIdIsItsOwnDropReason) {
    const Keyring sender = two_keys(2);
    const Keyring receiver = Keyring::single(testing::other_key(), 1);  // the right secret under another id
    auto decoded =
        decode_heartbeat_frame(signed_frame(sender), HeartbeatDecodeOptions{kDefaultHeartbeatPort, nullptr, &receiver});
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.reason(), DropReason::unknown_key_id);
    EXPECT_EQ(to_string(DropReason::unknown_key_id), "unknown_key_id");
}

TEST(Keyring, AWrongKeyUnderTheRightIdIsBadMac) {
    const Keyring sender = two_keys(1);
    Keyring receiver;
    receiver.add(1, testing::other_key());
    auto decoded =
        decode_heartbeat_frame(signed_frame(sender), HeartbeatDecodeOptions{kDefaultHeartbeatPort, nullptr, &receiver});
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.reason(), DropReason::bad_mac);
}

TEST(Keyring, UnsignedFramesAreAuthMissingAndNoKeyringPassesThem) {
    const Keyring receiver = two_keys(1);
    const auto frame = beat_frame(sample_beat(1), nullptr);
    auto decoded = decode_heartbeat_frame(frame, HeartbeatDecodeOptions{kDefaultHeartbeatPort, nullptr, &receiver});
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.reason(), DropReason::auth_missing);
    HeartbeatPayload payload{};
    sign_heartbeat_payload(sample_beat(1), nullptr, payload);
    EXPECT_EQ(payload[8], static_cast<std::uint8_t>(AuthType::none));
}

TEST(Keyring, ASingleKeyVerifiesWhateverTheId) {
    const Keyring sender = two_keys(2);
    const AuthKey key = testing::other_key();
    auto decoded = decode_heartbeat_frame(signed_frame(sender), HeartbeatDecodeOptions{kDefaultHeartbeatPort, &key});
    ASSERT_TRUE(decoded) << to_string(decoded.reason());
    EXPECT_TRUE(decoded->mac_verified);
}

TEST(Keyring, KeyFileNames) {
    EXPECT_EQ(key_file_id("0.key"), 0U);
    EXPECT_EQ(key_file_id("17.key"), 17U);
    EXPECT_EQ(key_file_id("4294967295.key"), 4294967295U);
    for (const char* bad : {".key", "01.key", "4294967296.key", "-1.key", "1.key~", "a.key", "1.keys", "1"}) {
        EXPECT_FALSE(key_file_id(bad)) << bad;
    }
}

class KeyDirectory : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "fo-keys-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    void write(const std::string& name, const std::string& text, mode_t mode = 0600) const {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path) << text;
        ::chmod(path.c_str(), mode);
    }
    std::string dir_;
};

TEST_F(KeyDirectory, LoadsEveryKeyFileAndIgnoresOtherNames) {
    write("1.key", testing::kTestKeyText);
    write("2.key", testing::kOtherKeyText);
    write("README", "not a key");
    write(".2.key.swp", "x");
    auto loaded = Keyring::load_directory(dir_, 2);
    ASSERT_TRUE(loaded.keyring) << loaded.error;
    EXPECT_EQ(loaded.keyring->ids(), (std::vector<std::uint32_t>{1, 2}));
    EXPECT_EQ(loaded.keyring->send_id(), 2U);
    // The same secrets as the test keys: a frame signed with other_key() as id 2 verifies.
    Keyring sender = two_keys(2);
    auto decoded = decode_heartbeat_frame(signed_frame(sender),
                                          HeartbeatDecodeOptions{kDefaultHeartbeatPort, nullptr, &*loaded.keyring});
    EXPECT_TRUE(decoded) << to_string(decoded.reason());
}

TEST_F(KeyDirectory, RefusesAMissingSendIdABadNameABadFileAndAnEmptyDirectory) {
    auto empty = Keyring::load_directory(dir_, 1);
    EXPECT_FALSE(empty.keyring);
    EXPECT_NE(empty.error.find("holds no key"), std::string::npos) << empty.error;
    write("1.key", testing::kTestKeyText);
    auto missing = Keyring::load_directory(dir_, 3);
    EXPECT_FALSE(missing.keyring);
    EXPECT_NE(missing.error.find("holds no key 3 (3.key)"), std::string::npos) << missing.error;
    write("01.key", testing::kTestKeyText);
    auto bad_name = Keyring::load_directory(dir_, 1);
    EXPECT_FALSE(bad_name.keyring);
    EXPECT_NE(bad_name.error.find("'01.key'"), std::string::npos) << bad_name.error;
    std::filesystem::remove(dir_ + "/01.key");
    write("2.key", testing::kOtherKeyText, 0644);
    auto open = Keyring::load_directory(dir_, 1);
    EXPECT_FALSE(open.keyring);
    EXPECT_NE(open.error.find("chmod 600"), std::string::npos) << open.error;
    write("2.key", "short");
    ::chmod((dir_ + "/2.key").c_str(), 0600);
    auto short_key = Keyring::load_directory(dir_, 1);
    EXPECT_FALSE(short_key.keyring);
    EXPECT_NE(short_key.error.find("at least 16"), std::string::npos) << short_key.error;
}

TEST_F(KeyDirectory, RefusesAMissingDirectory) {
    auto loaded = Keyring::load_directory(dir_ + "/nowhere", 1);
    EXPECT_FALSE(loaded.keyring);
    EXPECT_NE(loaded.error.find("cannot open key directory"), std::string::npos) << loaded.error;
}

}  // namespace
}  // namespace fo::wire
