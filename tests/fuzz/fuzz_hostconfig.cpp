// libFuzzer target: Apple's /etc/hostconfig parser and validate() over
// arbitrary text; the first line is the --interface-map. Replayed from
// hostconfig_corpus under ctest on every build.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fo/daemon/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const std::string map = newline == std::string::npos ? std::string() : input.substr(0, newline);
    const std::string text = newline == std::string::npos ? input : input.substr(newline + 1);
    static const std::vector<fo::daemon::HostInterface> interfaces = {{"eth0", fo::wire::Ipv4Address{0xC0A8FEAA}, 16},
                                                                      {"eth1", fo::wire::Ipv4Address{0x0A0000AA}, 24},
                                                                      {"eth2", fo::wire::Ipv4Address{0x0A0000AB}, 0},
                                                                      {"eth3", fo::wire::Ipv4Address{0x0A0000AC}, 32}};
    auto result = fo::daemon::parse_hostconfig(text, "hostconfig", map, interfaces);
    if (result.config) {
        result.config->no_auth = true;
        (void)fo::daemon::validate(*result.config);
    }
    return 0;
}
