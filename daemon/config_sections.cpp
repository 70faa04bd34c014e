#include <string>
#include <toml++/toml.h>

#include "config_reader.hpp"

// The optional sections of the configuration: [[check]], [metrics] and
// [events] (config.cpp reads the rest).

namespace fo::daemon::detail {

namespace {

/// `tcp = "ADDRESS:PORT"`.
std::optional<std::pair<wire::Ipv4Address, std::uint16_t>> parse_tcp_target(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    auto address = wire::Ipv4Address::parse(text.substr(0, colon));
    const std::string port = text.substr(colon + 1);
    if (!address || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const long number = std::stol(port);
    if (number < 1 || number > 65535) {
        return std::nullopt;
    }
    return std::make_pair(*address, static_cast<std::uint16_t>(number));
}

std::optional<std::uint32_t> check_count(Reader& reader, const toml::table& entry, const std::string& key,
                                         const std::string& path) {
    auto value = reader.get<std::int64_t>(entry, key, path);
    if (value && (*value < 1 || *value > kMaximumCheckCount)) {
        reader.error(entry.get(key), path, "must be between 1 and " + std::to_string(kMaximumCheckCount));
        return std::nullopt;
    }
    return value ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(*value)) : std::nullopt;
}

/// One [[check]]: a command or a TCP connect, with interval, timeout, fall, rise.
std::optional<takeover::CheckConfig> parse_check(Reader& reader, const toml::table& entry, const std::string& path) {
    reader.reject_unknown(entry, {"name", "command", "tcp", "interval_ms", "timeout_ms", "fall", "rise"}, path + ".");
    takeover::CheckConfig check;
    bool good = true;
    check.name = reader.get<std::string>(entry, "name", path + ".name").value_or(path);
    if (check.name.empty() || check.name.find_first_of(" ,\n\r\t") != std::string::npos) {
        reader.error(entry.get("name"), path + ".name", "must be a word (no spaces or commas)");
        good = false;
    }
    const toml::node* command = entry.get("command");
    const toml::node* tcp = entry.get("tcp");
    if ((command == nullptr) == (tcp == nullptr)) {
        reader.error(&entry, path, "needs either command = [\"/PATH\", ARG...] or tcp = \"ADDRESS:PORT\"");
        return std::nullopt;
    }
    if (command != nullptr) {
        reader.note(command, path + ".command");
        const toml::array* words = command->as_array();
        for (std::size_t i = 0; words != nullptr && i < words->size(); ++i) {
            if (auto word = words->get(i)->value<std::string>()) {
                check.command.push_back(*word);
            } else {
                words = nullptr;
            }
        }
        if (words == nullptr || check.command.empty() || check.command[0].empty() || check.command[0][0] != '/') {
            reader.error(command, path + ".command", "must be an array of strings, the first an absolute path");
            good = false;
        }
    } else if (auto target = reader.get<std::string>(entry, "tcp", path + ".tcp")) {
        check.kind = takeover::CheckConfig::Kind::tcp;
        auto parsed = parse_tcp_target(*target);
        if (!parsed || parsed->first.value == 0) {
            reader.error(tcp, path + ".tcp", "'" + *target + "' is not IPV4ADDRESS:PORT (port 1 to 65535)");
            good = false;
        } else {
            check.address = parsed->first;
            check.port = parsed->second;
        }
    } else {
        good = false;
    }
    const std::string interval_key = path + ".interval_ms";
    const std::string timeout_key = path + ".timeout_ms";
    const DurationBounds interval_bounds{interval_key.c_str(), kCheckIntervalBounds.minimum_ms,
                                         kCheckIntervalBounds.maximum_ms};
    const DurationBounds timeout_bounds{timeout_key.c_str(), kCheckTimeoutBounds.minimum_ms,
                                        kCheckTimeoutBounds.maximum_ms};
    if (auto interval = reader.duration_ms(entry, "interval_ms", interval_bounds)) {
        check.interval_ns = *interval;
    }
    if (auto timeout = reader.duration_ms(entry, "timeout_ms", timeout_bounds)) {
        check.timeout_ns = *timeout;
    }
    if (auto fall = check_count(reader, entry, "fall", path + ".fall")) {
        check.fall = *fall;
    }
    if (auto rise = check_count(reader, entry, "rise", path + ".rise")) {
        check.rise = *rise;
    }
    return good ? std::optional<takeover::CheckConfig>(check) : std::nullopt;
}

}  // namespace

void parse_checks(Reader& reader, const toml::table& table, Config& config) {
    const toml::node* node = table.get("check");
    if (node == nullptr) {
        return;
    }
    const toml::array* checks = node->as_array();
    if (checks == nullptr) {
        reader.error(node, "check", "must be an array of tables ([[check]])");
        return;
    }
    if (checks->size() > kMaximumChecks) {
        reader.error(node, "check", "at most " + std::to_string(kMaximumChecks) + " checks");
        return;
    }
    for (std::size_t i = 0; i < checks->size(); ++i) {
        const std::string path = "check[" + std::to_string(i) + "]";
        const toml::table* entry = checks->get(i)->as_table();
        if (entry == nullptr) {
            reader.error(checks->get(i), path, "must be a table");
            continue;
        }
        auto check = parse_check(reader, *entry, path);
        if (!check) {
            continue;
        }
        for (const auto& other : config.checks) {
            if (other.name == check->name) {
                reader.error(entry->get("name"), path + ".name", "'" + check->name + "' names another check too");
            }
        }
        config.checks.push_back(*check);
    }
}

/// The prefix after the slash: digits only, 1 to `longest`.
/// [metrics] file, interval_ms; [events] queue.
void parse_events_and_metrics(Reader& reader, const toml::table& table, Config& config) {
    if (const toml::node* node = table.get("metrics"); node != nullptr) {
        if (const toml::table* metrics = node->as_table()) {
            reader.reject_unknown(*metrics, {"file", "interval_ms"}, "metrics.");
            if (auto file = reader.get<std::string>(*metrics, "file", "metrics.file")) {
                config.metrics_file = *file;
            }
            if (auto interval = reader.duration_ms(*metrics, "interval_ms", kMetricsIntervalBounds)) {
                config.metrics_interval_ns = *interval;
            }
        } else {
            reader.error(node, "metrics", "must be a table ([metrics] with file and interval_ms)");
        }
    }
    if (const toml::node* node = table.get("events"); node != nullptr) {
        if (const toml::table* events = node->as_table()) {
            reader.reject_unknown(*events, {"queue"}, "events.");
            if (auto queue = reader.get<std::int64_t>(*events, "queue", "events.queue")) {
                if (*queue < static_cast<std::int64_t>(kMinimumEventsQueue) ||
                    *queue > static_cast<std::int64_t>(kMaximumEventsQueue)) {
                    reader.error(events->get("queue"), "events.queue",
                                 "must be between " + std::to_string(kMinimumEventsQueue) + " and " +
                                     std::to_string(kMaximumEventsQueue) + " events");
                } else {
                    config.events_queue = static_cast<std::size_t>(*queue);
                }
            }
        } else {
            reader.error(node, "events", "must be a table ([events] with queue)");
        }
    }
}

}  // namespace fo::daemon::detail
