#include "fo/runtime/log.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
// CODE_FILE/CODE_LINE would name this file, not the event's origin.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

namespace fo::runtime {

namespace {
LogLevel threshold = LogLevel::info;
std::string identity = "fo";

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::error: return "error";
        case LogLevel::warning: return "warning";
        case LogLevel::notice: return "notice";
        case LogLevel::info: return "info";
        case LogLevel::debug: return "debug";
    }
    return "?";
}

constexpr const char* kJournalSocket = "/run/systemd/journal/socket";
JournalSink journal_sink;

bool valid_field_name(const std::string& name) {
    return !name.empty() && name.front() != '_' && name.size() <= 64 &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

void send_to_journal(const std::vector<std::string>& entry) {
    // No journal (not under systemd, a container): nothing, as before.
    if (::access(kJournalSocket, W_OK) != 0) {
        return;
    }
    std::vector<iovec> vectors;
    vectors.reserve(entry.size());
    for (const std::string& field : entry) {
        vectors.push_back(iovec{const_cast<char*>(field.data()), field.size()});  // NOLINT: iovec is not const
    }
    (void)sd_journal_sendv(vectors.data(), static_cast<int>(vectors.size()));
}
}  // namespace

std::vector<std::string> journal_entry(LogLevel level, std::string_view message, const JournalFields& fields) {
    std::vector<std::string> entry;
    entry.push_back("MESSAGE=" + std::string(message));
    entry.push_back("PRIORITY=" + std::to_string(static_cast<int>(level)));
    entry.push_back("SYSLOG_IDENTIFIER=" + identity);
    for (const auto& [name, value] : fields) {
        if (valid_field_name(name)) {
            entry.push_back(name + "=" + value);
        }
    }
    return entry;
}

void set_journal_sink(JournalSink sink) {
    journal_sink = std::move(sink);
}

void log_structured(LogLevel level, std::string_view message, const JournalFields& fields) {
    if (static_cast<int>(level) > static_cast<int>(threshold)) {
        return;
    }
    const auto entry = journal_entry(level, message, fields);
    if (journal_sink) {
        journal_sink(entry);
    } else {
        send_to_journal(entry);
    }
}

void set_log_threshold(LogLevel most_verbose) {
    threshold = most_verbose;
}
void set_log_identity(std::string_view program_name) {
    identity = program_name;
}

void log(LogLevel level, std::string_view message) {
    if (static_cast<int>(level) > static_cast<int>(threshold)) {
        return;
    }
    if (std::getenv("JOURNAL_STREAM") != nullptr) {
        std::fprintf(stderr, "<%d>%.*s\n", static_cast<int>(level), static_cast<int>(message.size()), message.data());
        return;
    }
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    tm local{};
    localtime_r(&now.tv_sec, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%H:%M:%S", &local);
    std::fprintf(stderr, "%s.%03ld %s %s: %.*s\n", stamp, now.tv_nsec / 1'000'000, identity.c_str(), level_name(level),
                 static_cast<int>(message.size()), message.data());
}

}  // namespace fo::runtime
