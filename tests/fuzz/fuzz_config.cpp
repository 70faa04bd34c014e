// libFuzzer target: the TOML configuration parser and validate() over
// arbitrary text (FO_FUZZ=ON); replay_main.cpp replays config_corpus under
// ctest on every build. Never a crash, an abort or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fo/daemon/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto result = fo::daemon::parse_config_toml(text, "fuzz.toml", false);
    if (result.config) {
        fo::daemon::HostFacts host;
        host.interface_exists = [](const std::string& name) { return name.size() % 2 == 0; };
        host.group_exists = [](const std::string& name) { return name == "fastfailover"; };
        host.own_addresses = {fo::wire::Ipv4Address{0xC6336401}};
        (void)fo::daemon::validate(*result.config, host);
        (void)fo::daemon::validate(*result.config);
    }
    return 0;
}
