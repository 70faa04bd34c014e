#include "control_command.hpp"

#include <algorithm>

namespace fo::daemon {

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r");
    return std::string(text.substr(first, last - first + 1));
}

ParsedControlCommand parse_control_command(std::string_view request) {
    ParsedControlCommand parsed;
    const auto newline = request.find('\n');
    const std::string_view line = request.substr(0, newline);
    if (line.size() > kMaximumCommandBytes) {
        parsed.error = "command too long (at most " + std::to_string(kMaximumCommandBytes) + " bytes)";
        return parsed;
    }
    const bool printable = std::all_of(line.begin(), line.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u >= 0x20 && u < 0x7F) || c == '\t' || c == '\r';
    });
    if (!printable) {
        parsed.error = "not a command (control characters or bytes that are not ASCII)";
        return parsed;
    }
    const std::string word = trimmed(line);
    if (word.empty() || word == "status") {
        parsed.command = ControlCommand::status;
    } else if (word == "release") {
        parsed.command = ControlCommand::release;
    } else if (word == "events") {
        parsed.command = ControlCommand::events;
    } else {
        parsed.error = "unknown command '" + word + "' (status, release, events)";
    }
    return parsed;
}

bool changes_state(ControlCommand command) {
    switch (command) {
        case ControlCommand::status:
        case ControlCommand::events: return false;  // events: what status shows, as it changes
        case ControlCommand::release: return true;
    }
    return true;
}

}  // namespace fo::daemon
