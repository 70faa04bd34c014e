#include "fo/runtime/clock.hpp"

#include <ctime>

namespace fo::runtime {

namespace {
std::int64_t read_clock(clockid_t id) {
    timespec now{};
    clock_gettime(id, &now);
    return static_cast<std::int64_t>(now.tv_sec) * kNanosPerSecond + now.tv_nsec;
}
}  // namespace

std::int64_t MonotonicClock::now_ns() const {
    return read_clock(CLOCK_MONOTONIC);
}

std::int64_t realtime_ns() {
    return read_clock(CLOCK_REALTIME);
}

}  // namespace fo::runtime
