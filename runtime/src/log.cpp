#include "fo/runtime/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

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
}  // namespace

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
