#include <gtest/gtest.h>

#include "fo/address/conflict.hpp"
#include "fo/address/options.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/ndp.hpp"

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
    expect_bad(address("198.51.100.10/024"), "the prefix '024'");
    expect_bad(address("127.0.0.5/8"), "loopback");
    expect_bad(address("224.0.0.18/32"), "multicast");
    expect_bad(address("0.0.0.0/24"), "unspecified");
    expect_bad(address("198.51.100.0/24"), "network or broadcast address");
    expect_bad(address("198.51.100.255/24"), "network or broadcast address");
}

TEST(FoAddressArguments, Ipv6AddressesAreReadAsTheDaemonsReadThem) {
    for (const auto& [text, prefix] : std::vector<std::pair<std::string, int>>{
             {"2001:db8::10/64", 64}, {"2001:DB8:0:0:0:0:0:7/128", 128}, {"2001:db8::1:2/1", 1}, {"fd00::5/48", 48}}) {
        const ParseResult result = parse({"acquire", "-i", "eth0", "-a", text});
        ASSERT_TRUE(result.options.has_value()) << text << ": " << result.message;
        ASSERT_TRUE(result.options->address.is_ipv6()) << text;
        EXPECT_EQ(result.options->address.prefix_length, prefix) << text;
        EXPECT_EQ(*result.options->address.ipv6, *wire::Ipv6Address::parse(text.substr(0, text.find('/')))) << text;
    }
    const ParseResult result = parse({"status", "-i", "eth0", "-a", "2001:db8::10/64"});
    ASSERT_TRUE(result.options.has_value()) << result.message;
    EXPECT_EQ(result.options->address.text(), "2001:db8::10/64");
    EXPECT_EQ(result.options->command, Command::status);
}

TEST(FoAddressArguments, BadIpv6AddressesAreRefusedWithTheReason) {
    const auto address = [](const std::string& text) {
        return std::vector<std::string>{"acquire", "-i", "eth0", "-a", text};
    };
    expect_bad(address("2001:db8::10"),
               "--address '2001:db8::10' has no /PREFIX (write ADDRESS/PREFIX, e.g. "
               "2001:db8::10/64)");
    expect_bad(address("2001:db8::zz/64"), "'2001:db8::zz' is not an IPv6 address");
    expect_bad(address("2001:db8:::1/64"), "'2001:db8:::1' is not an IPv6 address");
    expect_bad(address("fe80::1%eth0/64"), "'fe80::1%eth0' is not an IPv6 address");
    expect_bad(address("2001:db8::10/129"), "the prefix '129' is not 1 to 128");
    expect_bad(address("2001:db8::10/0"), "the prefix '0' is not 1 to 128");
    expect_bad(address("2001:db8::10/"), "the prefix '' is not 1 to 128");
    expect_bad(address("2001:db8::10/6x"), "the prefix '6x'");
    expect_bad(address("2001:db8::10/0064"), "the prefix '0064'");
    // The daemons' [[address]] rule (takeover::ipv6_service_address_problem).
    for (const char* unmovable :
         {"::/64", "::1/128", "ff02::1/64", "fe80::1/64", "febf::1/64", "::ffff:198.51.100.10/120"}) {
        expect_bad(address(unmovable), "cannot be a service address");
    }
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

class FoAddressNdpConflict : public ::testing::Test {
  protected:
    const wire::Ipv6Address address_ = *wire::Ipv6Address::parse("2001:db8::100");
    const wire::Ipv6Address elsewhere_ = *wire::Ipv6Address::parse("2001:db8::101");
    const wire::MacAddress own_ = *wire::MacAddress::parse("02:00:00:00:00:01");
    const wire::MacAddress other_ = *wire::MacAddress::parse("02:00:00:00:00:02");

    std::optional<wire::MacAddress> advert(const wire::NeighborAdvert& frame) const {
        return conflicting_ndp_sender(wire::encode_neighbor_advert(frame), address_, own_);
    }
    std::optional<wire::MacAddress> solicit(const wire::NeighborSolicit& frame) const {
        return conflicting_ndp_sender(wire::encode_neighbor_solicit(frame), address_, own_);
    }
};

TEST_F(FoAddressNdpConflict, AnAdvertisementFromAnotherNodeIsAConflict) {
    // The holder's announcement, and its answer to our DAD probe (Linux
    // answers a DAD probe to all nodes, solicited clear: RFC 4861 7.2.4).
    EXPECT_EQ(advert(wire::make_unsolicited_advert(other_, address_)), other_);
    wire::NeighborAdvert answer = wire::make_unsolicited_advert(other_, address_);
    answer.override_flag = false;
    EXPECT_EQ(advert(answer), other_);
}

TEST_F(FoAddressNdpConflict, AnotherNodesDadProbeForTheAddressIsAConflict) {
    // RFC 4862 5.4.3: it is claiming the address too (unlike an ARP probe for IPv4).
    EXPECT_EQ(solicit(wire::make_dad_probe(other_, address_)), other_);
}

TEST_F(FoAddressNdpConflict, AddressResolutionOurOwnFramesAndOtherAddressesAreNot) {
    // Someone resolving the address says nothing about who holds it.
    const auto resolver = *wire::Ipv6Address::parse("2001:db8::50");
    EXPECT_FALSE(solicit(wire::make_neighbor_solicit(other_, resolver, address_)));
    EXPECT_FALSE(solicit(wire::make_dad_probe(own_, address_)));
    EXPECT_FALSE(advert(wire::make_unsolicited_advert(own_, address_)));
    EXPECT_FALSE(advert(wire::make_unsolicited_advert(other_, elsewhere_)));
    EXPECT_FALSE(solicit(wire::make_dad_probe(other_, elsewhere_)));
}

TEST_F(FoAddressNdpConflict, ArpAndDamagedFramesAreNot) {
    EXPECT_FALSE(
        conflicting_ndp_sender(wire::encode_arp_frame(wire::make_gratuitous_request(other_, {})), address_, own_));
    auto bytes = wire::encode_neighbor_advert(wire::make_unsolicited_advert(other_, address_));
    bytes.back() ^= 0x01U;  // the ICMPv6 checksum no longer holds
    EXPECT_FALSE(conflicting_ndp_sender(bytes, address_, own_));
    EXPECT_FALSE(conflicting_ndp_sender(std::span<const std::uint8_t>(bytes.data(), 60), address_, own_));
}

}  // namespace
}  // namespace fo::address
