// fo-address: holds one service address with the takeover path of the pair
// daemons, for a cluster manager (packaging/ocf/address, Pacemaker).
//   fo-address acquire|release|status|check --interface IF --address A/PLEN [...]
#include <iostream>

#include "commands.hpp"
#include "fo/runtime/log.hpp"

int main(int argc, char** argv) {
    fo::runtime::set_log_identity("fo-address");
    const fo::address::ParseResult parsed =
        fo::address::parse_arguments(std::vector<std::string>(argv + 1, argv + argc));
    if (!parsed.options) {
        (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message;
        return parsed.exit_code;
    }
    return fo::address::run_command(*parsed.options);
}
