#pragma once

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "config_files.hpp"
#include "fo/daemon/config.hpp"

// The TOML reader shared by the configuration parsers (config.cpp and
// config_sections.cpp): typed lookups that record every error as
// "FILE:LINE: key 'KEY': ..." and every key's origin. Private to daemon/.

namespace fo::daemon::detail {

inline constexpr std::int64_t kMs = 1'000'000;

inline std::string format(double value) {
    char text[32];
    std::snprintf(text, sizeof text, value == std::floor(value) ? "%.0f" : "%g", value);
    return text;
}

class Reader {
  public:
    Reader(const toml::table& table, std::string source, std::vector<std::string>& errors,
           std::map<std::string, std::string>& origins)
        : table_(table), source_(std::move(source)), errors_(errors), origins_(origins) {}

    /// Remembers where `key` was set, for validate()'s messages.
    void note(const toml::node* node, const std::string& key) {
        const auto line = node != nullptr ? node->source().begin.line : 0;
        origins_[key] = source_ + (line != 0 ? ":" + std::to_string(line) : std::string());
    }

    void error(const toml::node* node, const std::string& key, const std::string& message) {
        const auto line = node != nullptr ? node->source().begin.line : 0;
        errors_.push_back(source_ + (line != 0 ? ":" + std::to_string(line) : std::string()) + ": key '" + key +
                          "': " + message);
    }

    template <typename T>
    std::optional<T> get(const toml::table& table, const std::string& key, const std::string& path) {
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        note(node, path);
        if (auto value = node->value<T>()) {
            return value;
        }
        error(node, path, std::string("has the wrong type (expected ") + type_name<T>() + ")");
        return std::nullopt;
    }

    /// A duration in milliseconds: a finite number within its bounds (so the
    /// conversion to nanoseconds is always defined).
    std::optional<std::int64_t> duration_ms(const toml::table& table, const std::string& key,
                                            const DurationBounds& bounds) {
        const std::string path = bounds.key;
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        note(node, path);
        std::optional<double> value = node->value<double>();
        if (!value) {
            error(node, path, "must be a number of milliseconds");
            return std::nullopt;
        }
        if (!std::isfinite(*value)) {
            error(node, path, "must be a finite number of milliseconds (not nan or inf)");
            return std::nullopt;
        }
        if (*value < bounds.minimum_ms || *value > bounds.maximum_ms) {
            error(node, path, detail::bounds_message(bounds));
            return std::nullopt;
        }
        return static_cast<std::int64_t>(std::llround(*value * kMs));
    }

    /// Reports every key of `table` not in `known`.
    void reject_unknown(const toml::table& table, std::initializer_list<std::string_view> known,
                        const std::string& prefix) {
        for (const auto& [key, node] : table) {
            if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
                error(&node, prefix + std::string(key.str()), "unknown key");
            }
        }
    }

    const toml::table& table() const { return table_; }

  private:
    template <typename T>
    static const char* type_name() {
        if constexpr (std::is_same_v<T, std::string>) {
            return "a string";
        } else if constexpr (std::is_same_v<T, bool>) {
            return "true or false";
        } else {
            return "a number";
        }
    }

    const toml::table& table_;
    std::string source_;
    std::vector<std::string>& errors_;
    std::map<std::string, std::string>& origins_;
};

/// [[check]] entries (a command or a TCP connect; fall/rise).
void parse_checks(Reader& reader, const toml::table& table, Config& config);
/// [metrics] file, interval_ms; [events] queue.
void parse_events_and_metrics(Reader& reader, const toml::table& table, Config& config);

}  // namespace fo::daemon::detail
