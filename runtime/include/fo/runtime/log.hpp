#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fo::runtime {

enum class LogLevel : int { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };  // syslog(3) priorities

/// Logs one line to stderr. Under systemd (JOURNAL_STREAM set) the line gets
/// a "<N>" priority prefix that journald understands; on a terminal, a
/// timestamp and the level name.
void log(LogLevel level, std::string_view message);
void set_log_threshold(LogLevel most_verbose);
void set_log_identity(std::string_view program_name);

/// Structured journal entries (native protocol, sd_journal_sendv): a line
/// with fields such as FAILOVER_EVENT=acquire, so that `journalctl
/// FAILOVER_EVENT=acquire` finds it. Sent only when the journal's socket
/// exists; without a journal nothing is written (log() keeps today's lines).
using JournalFields = std::vector<std::pair<std::string, std::string>>;
void log_structured(LogLevel level, std::string_view message, const JournalFields& fields);
/// The entry as "NAME=value" strings: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER,
/// then `fields` (names not made of A-Z, 0-9, '_' or starting with '_'
/// are dropped: the journal would refuse the whole entry).
std::vector<std::string> journal_entry(LogLevel level, std::string_view message, const JournalFields& fields);
/// Replaces where entries go (tests: a fake journal); an empty function
/// restores the real journal.
using JournalSink = std::function<void(const std::vector<std::string>& entry)>;
void set_journal_sink(JournalSink sink);

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
