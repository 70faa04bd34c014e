#include "fo/wire/addresses.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

namespace fo::wire {

namespace {
bool parse_hex_octet(std::string_view text, std::uint8_t& out) {
    if (text.size() != 2) {
        return false;
    }
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, 16);
    if (ec != std::errc{} || ptr != end) {
        return false;
    }
    out = static_cast<std::uint8_t>(value);
    return true;
}
}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    MacAddress mac;
    if (text.size() != 17) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < mac.octets.size(); ++i) {
        if (i > 0 && text[i * 3 - 1] != ':') {
            return std::nullopt;
        }
        if (!parse_hex_octet(text.substr(i * 3, 2), mac.octets[i])) {
            return std::nullopt;
        }
    }
    return mac;
}

std::string MacAddress::to_string() const {
    std::array<char, 18> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%02x:%02x:%02x:%02x:%02x:%02x", octets[0], octets[1], octets[2],
                  octets[3], octets[4], octets[5]);
    return std::string(buffer.data());
}

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view dotted_quad) {
    std::uint32_t value = 0;
    std::size_t start = 0;
    for (int part = 0; part < 4; ++part) {
        const std::size_t dot = dotted_quad.find('.', start);
        const bool last = part == 3;
        if (last != (dot == std::string_view::npos)) {
            return std::nullopt;
        }
        const std::string_view field = dotted_quad.substr(start, last ? std::string_view::npos : dot - start);
        if (field.empty() || field.size() > 3) {
            return std::nullopt;
        }
        unsigned octet = 0;
        const auto* end = field.data() + field.size();
        auto [ptr, ec] = std::from_chars(field.data(), end, octet, 10);
        if (ec != std::errc{} || ptr != end || octet > 255) {
            return std::nullopt;
        }
        value = (value << 8U) | octet;
        start = dot + 1;
    }
    return Ipv4Address{value};
}

std::string Ipv4Address::to_string() const {
    return std::to_string((value >> 24U) & 0xFFU) + "." + std::to_string((value >> 16U) & 0xFFU) + "." +
           std::to_string((value >> 8U) & 0xFFU) + "." + std::to_string(value & 0xFFU);
}

std::optional<Ipv6Address> Ipv6Address::parse(std::string_view text) {
    // inet_pton wants a terminated string; longer text is never an address.
    constexpr std::size_t kLongestText = INET6_ADDRSTRLEN;
    if (text.empty() || text.size() >= kLongestText) {
        return std::nullopt;
    }
    const std::string terminated(text);
    Ipv6Address address;
    if (inet_pton(AF_INET6, terminated.c_str(), address.octets.data()) != 1) {
        return std::nullopt;
    }
    return address;
}

std::string Ipv6Address::to_string() const {
    std::array<char, INET6_ADDRSTRLEN> text{};
    inet_ntop(AF_INET6, octets.data(), text.data(), text.size());
    return text.data();
}

}  // namespace fo::wire
