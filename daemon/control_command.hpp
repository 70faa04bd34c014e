#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The control socket's commands (control_socket.hpp), parsed without any OS
// call: the libFuzzer target tests/fuzz/fuzz_command.cpp runs it directly.

namespace fo::daemon {

/// events: the connection becomes a stream of the event bus (`foctl events`).
enum class ControlCommand : std::uint8_t { status, release, events };

/// The longest request line accepted ("release\n" is 8 bytes).
inline constexpr std::size_t kMaximumCommandBytes = 64;

struct ParsedControlCommand {
    std::optional<ControlCommand> command;
    std::string error;  // when command is empty: what was wrong, safe to echo
};

/// Pure: a request (what the client sent, up to and maybe past its newline)
/// to a command. An empty request means "status" (a client that only reads).
ParsedControlCommand parse_control_command(std::string_view request);

/// `text` without leading and trailing blanks (space, tab, CR).
std::string trimmed(std::string_view text);

/// Commands that change state need root or the control group.
bool changes_state(ControlCommand command);

}  // namespace fo::daemon
