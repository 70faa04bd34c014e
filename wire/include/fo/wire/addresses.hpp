#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fo::wire {

struct MacAddress {
    std::array<std::uint8_t, 6> octets{};

    static constexpr MacAddress broadcast() { return MacAddress{{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}}; }
    static constexpr MacAddress zero() { return MacAddress{}; }
    /// Parses "aa:bb:cc:dd:ee:ff"; nullopt on anything else.
    static std::optional<MacAddress> parse(std::string_view text);

    [[nodiscard]] bool is_broadcast() const { return *this == broadcast(); }
    [[nodiscard]] bool is_zero() const { return *this == zero(); }
    [[nodiscard]] std::string to_string() const;

    auto operator<=>(const MacAddress&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
};

/// An IPv4 address, stored in host byte order.
struct Ipv4Address {
    std::uint32_t value = 0;

    static std::optional<Ipv4Address> parse(std::string_view dotted_quad);

    [[nodiscard]] bool is_unspecified() const { return value == 0; }
    [[nodiscard]] std::string to_string() const;

    auto operator<=>(const Ipv4Address&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
};

/// An IPv6 address, network byte order.
struct Ipv6Address {
    std::array<std::uint8_t, 16> octets{};

    /// RFC 4291 2.2 text (via inet_pton); nullopt on anything else (no zone, no prefix).
    static std::optional<Ipv6Address> parse(std::string_view text);
    [[nodiscard]] bool is_unspecified() const { return *this == Ipv6Address{}; }
    [[nodiscard]] bool is_multicast() const { return octets[0] == 0xFF; }  // RFC 4291 2.7
    /// RFC 5952 text (via inet_ntop).
    [[nodiscard]] std::string to_string() const;
    auto operator<=>(const Ipv6Address&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
};

}  // namespace fo::wire
