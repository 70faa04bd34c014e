#pragma once

#include <string_view>

namespace fo::runtime {

enum class LogLevel : int { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };  // syslog(3) priorities

/// Logs one line to stderr. Under systemd (JOURNAL_STREAM set) the line gets
/// a "<N>" priority prefix that journald understands; on a terminal, a
/// timestamp and the level name.
void log(LogLevel level, std::string_view message);
void set_log_threshold(LogLevel most_verbose);
void set_log_identity(std::string_view program_name);

inline void log_error(std::string_view message) {
    log(LogLevel::error, message);
}
inline void log_warning(std::string_view message) {
    log(LogLevel::warning, message);
}
inline void log_notice(std::string_view message) {
    log(LogLevel::notice, message);
}
inline void log_info(std::string_view message) {
    log(LogLevel::info, message);
}

}  // namespace fo::runtime
