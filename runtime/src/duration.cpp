#include "fo/runtime/duration.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace fo::runtime {

std::optional<std::int64_t> parse_duration_ns(std::string_view text) {
    std::size_t unit_start = 0;
    while (unit_start < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[unit_start])) != 0 || text[unit_start] == '.')) {
        ++unit_start;
    }
    if (unit_start == 0) {
        return std::nullopt;
    }
    const std::string number(text.substr(0, unit_start));
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !std::isfinite(value) || value < 0) {
        return std::nullopt;
    }
    const std::string_view unit = text.substr(unit_start);
    double scale = 0;
    if (unit.empty() || unit == "ms") {
        scale = 1e6;
    } else if (unit == "us") {
        scale = 1e3;
    } else if (unit == "ns") {
        scale = 1;
    } else if (unit == "s") {
        scale = 1e9;
    } else {
        return std::nullopt;
    }
    const double nanos = value * scale;
    if (nanos > 9.2e18) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(std::llround(nanos));
}

}  // namespace fo::runtime
