#include <gtest/gtest.h>

#include <array>

#include "fo/wire/addresses.hpp"
#include "fo/wire/byte_reader.hpp"
#include "fo/wire/checksum.hpp"

namespace fo::wire {
namespace {

TEST(ByteReader, ReadsBigEndianAndRefusesToOverrun) {
    const std::array<std::uint8_t, 7> bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    ByteReader reader(bytes);
    std::uint16_t u16 = 0;
    std::uint32_t u32 = 0;
    ASSERT_TRUE(reader.read_u16(u16));
    EXPECT_EQ(u16, 0x0102);
    ASSERT_TRUE(reader.read_u32(u32));
    EXPECT_EQ(u32, 0x03040506U);
    std::uint16_t too_big = 0xAAAA;
    EXPECT_FALSE(reader.read_u16(too_big));
    EXPECT_EQ(too_big, 0xAAAA) << "a failed read leaves the output alone";
    EXPECT_EQ(reader.remaining(), 1U) << "a failed read leaves the cursor alone";
    std::uint64_t u64 = 0;
    EXPECT_FALSE(reader.read_u64(u64));
    EXPECT_FALSE(reader.skip(2));
    EXPECT_TRUE(reader.skip(1));
    EXPECT_EQ(reader.remaining(), 0U);
}

TEST(ByteWriter, OverflowIsStickyAndWritesNothingPastTheEnd) {
    std::array<std::uint8_t, 5> buffer{};
    ByteWriter writer(buffer);
    writer.write_u32(0xDEADBEEF);
    EXPECT_TRUE(writer.ok());
    writer.write_u16(0x1234);
    EXPECT_FALSE(writer.ok());
    writer.write_u8(0x77);
    EXPECT_FALSE(writer.ok());
    EXPECT_EQ(buffer, (std::array<std::uint8_t, 5>{0xDE, 0xAD, 0xBE, 0xEF, 0x00}));
}

TEST(Addresses, ParseAndPrint) {
    auto mac = MacAddress::parse("02:00:5e:10:ab:FF");
    ASSERT_TRUE(mac);
    EXPECT_EQ(mac->to_string(), "02:00:5e:10:ab:ff");
    EXPECT_FALSE(MacAddress::parse("02:00:5e:10:ab"));
    EXPECT_FALSE(MacAddress::parse("02-00-5e-10-ab-ff"));
    EXPECT_FALSE(MacAddress::parse("02:00:5e:10:ab:fg"));
    EXPECT_TRUE(MacAddress::broadcast().is_broadcast());

    auto ip = Ipv4Address::parse("198.51.100.7");
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->value, 0xC6336407U);
    EXPECT_EQ(ip->to_string(), "198.51.100.7");
    for (const char* bad : {"198.51.100", "198.51.100.256", "198.51.100.7.1", "a.b.c.d", "198..100.7", ""}) {
        EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
    }
}

TEST(Checksum, MatchesRfc1071Example) {
    // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded).
    const std::array<std::uint8_t, 8> words{0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7};
    EXPECT_EQ(checksum_finish(checksum_partial(words)), static_cast<std::uint16_t>(~0xDDF2U));
    const std::array<std::uint8_t, 3> odd{0x12, 0x34, 0x56};
    EXPECT_EQ(checksum_partial(odd), 0x1234U + 0x5600U);
}

}  // namespace
}  // namespace fo::wire
