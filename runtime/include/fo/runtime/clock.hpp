#pragma once

#include <cstdint>

namespace fo::runtime {

/// Monotonic time in nanoseconds. Everything that makes timing decisions asks
/// a Clock, so unit tests can run it under tests/fakes/fake_clock.hpp.
class Clock {
  public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual std::int64_t now_ns() const = 0;
};

/// CLOCK_MONOTONIC: never stepped by NTP or the admin.
class MonotonicClock final : public Clock {
  public:
    [[nodiscard]] std::int64_t now_ns() const override;
};

/// CLOCK_REALTIME, for timestamps shown to people and carried in beats.
std::int64_t realtime_ns();

inline constexpr std::int64_t kNanosPerMicro = 1'000;
inline constexpr std::int64_t kNanosPerMilli = 1'000'000;
inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

}  // namespace fo::runtime
