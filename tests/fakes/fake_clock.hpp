#pragma once

#include <cstdint>

#include "fo/runtime/clock.hpp"

namespace fo::testing {

/// Time that moves only when the test says so, in microseconds of test time.
class FakeClock final : public runtime::Clock {
  public:
    explicit FakeClock(std::int64_t start_ns = 1'000'000'000) : now_(start_ns) {}
    [[nodiscard]] std::int64_t now_ns() const override { return now_; }
    void advance_us(std::int64_t micros) { now_ += micros * runtime::kNanosPerMicro; }
    void set_ns(std::int64_t ns) { now_ = ns; }

  private:
    std::int64_t now_;
};

}  // namespace fo::testing
