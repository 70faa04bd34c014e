#include <gtest/gtest.h>

#include "fo/address/conflict.hpp"
#include "fo/address/options.hpp"
#include "fo/wire/arp.hpp"

namespace fo::address {
namespace {

ParseResult parse(const std::vector<std::string>& arguments) {
    return parse_arguments(arguments);
}

std::vector<std::string> valid(const std::string& command) {
    return {command, "--interface", "eth0", "--address", "198.51.100.10/24"};
}

std::vector<std::string> with(std::vector<std::string> arguments, const std::vector<std::string>& more) {
    arguments.insert(arguments.end(), more.begin(), more.end());
    return arguments;
}

void expect_bad(const std::vector<std::string>& arguments, const std::string& names) {
    const ParseResult result = parse(arguments);
    EXPECT_FALSE(result.options.has_value());
    EXPECT_EQ(result.exit_code, kBadArgument);
    EXPECT_NE(result.message.find(names), std::string::npos) << result.message;
}

TEST(FoAddressArguments, ReadsEveryCommandWithItsDefaults) {
    const std::vector<std::pair<std::string, Command>> commands{{"acquire", Command::acquire},
                                                                {"release", Command::release},
                                                                {"status", Command::status},
                                                                {"check", Command::check}};
    for (const auto& [name, command] : commands) {
        const ParseResult result = parse(valid(name));
        ASSERT_TRUE(result.options.has_value()) << name << ": " << result.message;
        EXPECT_EQ(result.options->command, command);
        EXPECT_EQ(result.options->address.interface, "eth0");
        EXPECT_EQ(result.options->address.text(), "198.51.100.10/24");
        EXPECT_EQ(result.options->garp_count, 5);
        EXPECT_EQ(result.options->garp_interval_ns, 100'000'000);
        EXPECT_EQ(result.options->probe_ns, 100'000'000);
        EXPECT_EQ(result.options->hook_timeout_ns, 10'000'000'000);
        EXPECT_TRUE(result.options->hooks_dir.empty());
        EXPECT_FALSE(result.options->require_carrier);
        EXPECT_EQ(address_label(*result.options), "eth0:fo");
    }
}

TEST(FoAddressArguments, ReadsEveryOption) {
    const ParseResult result =
        parse(with(valid("acquire"), {"--garp-count", "3", "--garp-interval-ms", "20", "--garp-reply-form",
                                      "--probe-ms", "0", "--hooks", "/etc/fastfailover/hooks", "--hook-timeout-ms",
                                      "500", "--label-suffix", "vip", "--require-carrier"}));
    ASSERT_TRUE(result.options.has_value()) << result.message;
    EXPECT_EQ(result.options->garp_count, 3);
    EXPECT_EQ(result.options->garp_interval_ns, 20'000'000);
    EXPECT_TRUE(result.options->garp_reply_form);
    EXPECT_EQ(result.options->probe_ns, 0);
    EXPECT_EQ(result.options->hooks_dir, "/etc/fastfailover/hooks");
    EXPECT_EQ(result.options->hook_timeout_ns, 500'000'000);
    EXPECT_EQ(address_label(*result.options), "eth0:vip");
    EXPECT_TRUE(result.options->require_carrier);
}

TEST(FoAddressArguments, ShortFlagsAndSlash32) {
    const ParseResult result = parse({"status", "-i", "bond0.100", "-a", "203.0.113.7/32"});
    ASSERT_TRUE(result.options.has_value()) << result.message;
    EXPECT_EQ(result.options->address.interface, "bond0.100");
    EXPECT_EQ(result.options->address.prefix_length, 32);
}

TEST(FoAddressArguments, VersionAndHelpExitZero) {
    const ParseResult version = parse({"--version"});
    EXPECT_EQ(version.exit_code, kSuccess);
    EXPECT_FALSE(version.options.has_value());
    EXPECT_EQ(version.message.rfind("fo-address ", 0), 0U) << version.message;
    EXPECT_NE(version.message.find("(protocol "), std::string::npos) << version.message;
    const ParseResult help = parse({"acquire", "--help"});
    EXPECT_EQ(help.exit_code, kSuccess);
    EXPECT_NE(help.message.find("--garp-interval-ms"), std::string::npos) << help.message;
}

TEST(FoAddressArguments, ACommandIsRequiredAndNamed) {
    expect_bad({}, "no command");
    expect_bad({"take", "--interface", "eth0"}, "'take' is not a command");
}

TEST(FoAddressArguments, MissingInterfaceOrAddressIsNamed) {
    expect_bad({"acquire", "--address", "198.51.100.10/24"}, "--interface is required");
    expect_bad({"acquire", "--interface", "eth0"}, "--address is required");
}

TEST(FoAddressArguments, BadInterfaceNamesAreRefused) {
    expect_bad({"status", "-i", "a-very-long-interface0", "-a", "198.51.100.10/24"}, "--interface 'a-very-long");
    expect_bad({"status", "-i", "eth0:1", "-a", "198.51.100.10/24"}, "--interface 'eth0:1'");
    expect_bad({"status", "-i", "../x", "-a", "198.51.100.10/24"}, "--interface '../x'");
}

TEST(FoAddressArguments, BadAddressesAreRefusedWithTheReason) {
    const auto address = [](const std::string& text) {
        return std::vector<std::string>{"acquire", "-i", "eth0", "-a", text};
    };
    expect_bad(address("198.51.100.10"), "has no /PREFIX");
    expect_bad(address("198.51.100.300/24"), "'198.51.100.300' is not an IPv4 address");
    expect_bad(address("198.51.100.10/33"), "the prefix '33' is not 1 to 32");
    expect_bad(address("198.51.100.10/0"), "the prefix '0' is not 1 to 32");
    expect_bad(address("198.51.100.10/"), "the prefix '' is not 1 to 32");
    expect_bad(address("198.51.100.10/2x"), "the prefix '2x'");
    expect_bad(address("2001:db8::1/64"), "only IPv4");
    expect_bad(address("127.0.0.5/8"), "loopback");
    expect_bad(address("224.0.0.18/32"), "multicast");
    expect_bad(address("0.0.0.0/24"), "unspecified");
    expect_bad(address("198.51.100.0/24"), "network or broadcast address");
    expect_bad(address("198.51.100.255/24"), "network or broadcast address");
}

TEST(FoAddressArguments, RangesAreCheckedAndNamed) {
    expect_bad(with(valid("acquire"), {"--garp-count", "0"}), "--garp-count 0 is not between 1 and 100");
    expect_bad(with(valid("acquire"), {"--garp-count", "101"}), "--garp-count 101");
    expect_bad(with(valid("acquire"), {"--garp-interval-ms", "0"}), "--garp-interval-ms 0");
    expect_bad(with(valid("acquire"), {"--probe-ms", "-1"}), "--probe-ms -1");
    expect_bad(with(valid("acquire"), {"--probe-ms", "10001"}), "--probe-ms 10001");
    expect_bad(with(valid("acquire"), {"--hook-timeout-ms", "0"}), "--hook-timeout-ms 0");
    expect_bad(with(valid("acquire"), {"--garp-count", "many"}), "--garp-count");
}

TEST(FoAddressArguments, HooksMustBeAbsoluteAndLabelsFitTheKernel) {
    expect_bad(with(valid("acquire"), {"--hooks", "hooks"}), "--hooks 'hooks' must be an absolute path");
    expect_bad(with(valid("acquire"), {"--label-suffix", "a-long-suffix"}), "longer than 15 characters");
    expect_bad(with(valid("acquire"), {"--label-suffix", ""}), "--label-suffix ''");
    expect_bad(with(valid("acquire"), {"--label-suffix", "a b"}), "--label-suffix 'a b'");
}

TEST(FoAddressArguments, UnknownOptionsAreRefused) {
    expect_bad(with(valid("acquire"), {"--garp", "3"}), "--garp");
}

class FoAddressConflict : public ::testing::Test {
  protected:
    const wire::Ipv4Address address_ = *wire::Ipv4Address::parse("198.51.100.10");
    const wire::MacAddress own_ = *wire::MacAddress::parse("02:00:00:00:00:01");
    const wire::MacAddress other_ = *wire::MacAddress::parse("02:00:00:00:00:02");

    std::optional<wire::MacAddress> seen(const wire::ArpFrame& frame) const {
        const auto bytes = wire::encode_arp_frame(frame);
        return conflicting_sender(bytes, address_, own_);
    }
};

TEST_F(FoAddressConflict, AnAnswerFromAnotherHostIsAConflict) {
    // Linux answers a probe for an address it holds: sender IP = the address.
    const wire::ArpFrame reply{own_, other_, wire::kArpReply, other_, address_, own_, wire::Ipv4Address{}};
    EXPECT_EQ(seen(reply), other_);
}

TEST_F(FoAddressConflict, TheHoldersOwnRequestsAndAnnouncementsAreConflicts) {
    EXPECT_EQ(seen(wire::make_gratuitous_request(other_, address_)), other_);
    const wire::ArpFrame request{wire::MacAddress::broadcast(),
                                 other_,
                                 wire::kArpRequest,
                                 other_,
                                 address_,
                                 wire::MacAddress::zero(),
                                 *wire::Ipv4Address::parse("198.51.100.1")};
    EXPECT_EQ(seen(request), other_);
}

TEST_F(FoAddressConflict, AnotherHostProbingForTheSameAddressIsNot) {
    // fo-probe outage and arping -D probe addresses they do not claim.
    EXPECT_FALSE(seen(wire::make_arp_probe(other_, address_)));
}

TEST_F(FoAddressConflict, OurOwnFramesAndOtherAddressesAreNot) {
    EXPECT_FALSE(seen(wire::make_arp_probe(own_, address_)));
    EXPECT_FALSE(seen(wire::make_gratuitous_request(own_, address_)));
    const auto elsewhere = *wire::Ipv4Address::parse("198.51.100.11");
    EXPECT_FALSE(seen(wire::make_arp_probe(other_, elsewhere)));
    EXPECT_FALSE(seen(wire::make_gratuitous_request(other_, elsewhere)));
    // Someone asking who has the address says nothing about who holds it.
    const wire::ArpFrame who_has{wire::MacAddress::broadcast(), other_,  wire::kArpRequest, other_, elsewhere,
                                 wire::MacAddress::zero(),      address_};
    EXPECT_FALSE(seen(who_has));
}

TEST_F(FoAddressConflict, NonArpAndShortFramesAreNot) {
    auto bytes = wire::encode_arp_frame(wire::make_gratuitous_request(other_, address_));
    bytes[12] = 0x08;  // EtherType IPv4
    bytes[13] = 0x00;
    EXPECT_FALSE(conflicting_sender(bytes, address_, own_));
    EXPECT_FALSE(conflicting_sender(std::span<const std::uint8_t>(bytes.data(), 20), address_, own_));
}

}  // namespace
}  // namespace fo::address
