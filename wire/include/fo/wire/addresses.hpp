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

}  // namespace fo::wire
