// libFuzzer target: the control socket's command parser (what any local
// client may send). Replayed from command_corpus under ctest on every build.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "control_command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parsed = fo::daemon::parse_control_command(std::string_view(reinterpret_cast<const char*>(data), size));
    if (parsed.command) {
        (void)fo::daemon::changes_state(*parsed.command);
    } else if (parsed.error.empty()) {
        __builtin_trap();  // every refusal says why
    }
    return 0;
}
