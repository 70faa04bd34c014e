#include "fo/daemon/events.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "fo/runtime/log.hpp"

namespace fo::daemon {

namespace {
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kNanosPerMicro = 1'000;

std::string field_text(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}
}  // namespace

std::string_view to_string(EventKind kind) {
    switch (kind) {
        case EventKind::link: return "link";
        case EventKind::peer: return "peer";
        case EventKind::role: return "role";
        case EventKind::check: return "check";
        case EventKind::acquire: return "acquire";
        case EventKind::release: return "release";
        case EventKind::veto: return "veto";
        case EventKind::hook: return "hook";
        case EventKind::notification: return "notification";
    }
    return "?";
}

EventBus::EventBus(std::size_t capacity, Clock monotonic, Clock wall)
    : ring_(std::max<std::size_t>(capacity, 1)), monotonic_(std::move(monotonic)), wall_(std::move(wall)) {}

void EventBus::publish(EventRecord record) {
    // A listener that publishes (a stream that reports, a journal failure)
    // must not reorder: its events follow the one being delivered.
    queued_.push_back(std::move(record));
    if (publishing_) {
        return;
    }
    publishing_ = true;
    while (!queued_.empty()) {
        Event event;
        event.sequence = next_sequence_++;
        event.monotonic_ns = monotonic_ ? monotonic_() : 0;
        event.wall_ns = wall_ ? wall_() : 0;
        event.record = std::move(queued_.front());
        queued_.erase(queued_.begin());
        Event& stored = ring_[event.sequence % ring_.size()];
        stored = std::move(event);
        for (std::size_t i = 0; i < listeners_.size(); ++i) {
            const Listener listener = listeners_[i].second;  // a copy: it may unlisten
            listener(stored);
        }
    }
    publishing_ = false;
}

int EventBus::listen(Listener listener) {
    listeners_.emplace_back(next_listener_, std::move(listener));
    return next_listener_++;
}

void EventBus::unlisten(int id) {
    std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

std::uint64_t EventBus::oldest_sequence() const {
    const std::uint64_t stored = next_sequence_ - 1;
    return stored > ring_.size() ? next_sequence_ - ring_.size() : 1;
}

const Event* EventBus::find(std::uint64_t sequence) const {
    if (sequence < oldest_sequence() || sequence >= next_sequence_) {
        return nullptr;
    }
    return &ring_[sequence % ring_.size()];
}

std::string iso8601_utc(std::int64_t wall_ns) {
    const std::time_t seconds = static_cast<std::time_t>(wall_ns / kNanosPerSecond);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
    char text[48];
    std::snprintf(text, sizeof text, "%s.%06lldZ", date,
                  static_cast<long long>((wall_ns % kNanosPerSecond) / kNanosPerMicro));
    return text;
}

std::string event_json_line(const Event& event) {
    nlohmann::ordered_json line;
    line["seq"] = event.sequence;
    line["mono_ns"] = event.monotonic_ns;
    line["wall"] = iso8601_utc(event.wall_ns);
    line["event"] = to_string(event.record.kind);
    for (const auto& [key, value] : event.record.fields.items()) {
        line[key] = value;
    }
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string lost_events_line(std::uint64_t lost, std::uint64_t next_sequence) {
    nlohmann::ordered_json line;
    line["event"] = "lost";
    line["count"] = lost;
    line["next_seq"] = next_sequence;
    return line.dump();
}

std::string subscribed_line(std::uint64_t next_sequence, std::size_t capacity) {
    nlohmann::ordered_json line;
    line["event"] = "subscribed";
    line["next_seq"] = next_sequence;
    line["queue"] = capacity;
    return line.dump();
}

std::vector<std::pair<std::string, std::string>> journal_fields(const Event& event) {
    std::vector<std::pair<std::string, std::string>> fields;
    fields.emplace_back("FAILOVER_EVENT", std::string(to_string(event.record.kind)));
    fields.emplace_back("FAILOVER_SEQ", std::to_string(event.sequence));
    for (const auto& [key, value] : event.record.fields.items()) {
        std::string name = "FAILOVER_";
        for (const char c : key) {
            // Journal field names: A-Z, 0-9 and '_' only.
            name += std::isalnum(static_cast<unsigned char>(c)) != 0
                        ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                        : '_';
        }
        fields.emplace_back(std::move(name), field_text(value));
    }
    return fields;
}

std::string event_summary(const Event& event) {
    std::string text = "failover event " + std::string(to_string(event.record.kind)) + ":";
    for (const auto& [key, value] : event.record.fields.items()) {
        text += " " + key + "=" + field_text(value);
    }
    return text;
}

void journal_event(const Event& event) {
    const bool failure = event.record.fields.value("result", "") == "failed" || event.record.kind == EventKind::veto;
    runtime::log_structured(failure ? runtime::LogLevel::warning : runtime::LogLevel::info, event_summary(event),
                            journal_fields(event));
}

}  // namespace fo::daemon
