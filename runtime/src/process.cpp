#include "fo/runtime/process.hpp"

#include <sched.h>
#include <sys/mman.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace fo::runtime {

std::uint64_t random_u64() {
    std::uint64_t value = 0;
    auto* bytes = reinterpret_cast<char*>(&value);
    std::size_t filled = 0;
    while (filled < sizeof value) {
        const ssize_t got = getrandom(bytes + filled, sizeof value - filled, 0);
        if (got > 0) {
            filled += static_cast<std::size_t>(got);
        } else if (errno != EINTR) {
            break;
        }
    }
    return value;
}

std::uint32_t default_node_id() {
    std::ifstream file("/etc/machine-id");
    std::string id;
    if (file >> id && id.size() >= 8) {
        try {
            return static_cast<std::uint32_t>(std::stoul(id.substr(0, 8), nullptr, 16));
        } catch (const std::exception&) {
        }
    }
    return static_cast<std::uint32_t>(random_u64());
}

std::string enter_realtime(int priority) {
    sched_param parameters{};
    parameters.sched_priority = priority;
    // SCHED_RESET_ON_FORK: hooks and mailers run SCHED_OTHER; a looping
    // admin script must not inherit the daemon's real-time priority.
    if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &parameters) != 0) {
        return std::string("sched_setscheduler(SCHED_FIFO): ") + std::strerror(errno);
    }
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
        return std::string("mlockall: ") + std::strerror(errno);
    }
    return "";
}

}  // namespace fo::runtime
