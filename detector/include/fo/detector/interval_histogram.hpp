#pragma once

#include <cstdint>
#include <vector>

namespace fo::detector {

/// Inter-arrival times with exact 1 us buckets up to kLinearLimitUs and the
/// rare longer ones kept individually, so percentiles stay exact to 1 us
/// at any rate without storing every sample.
class IntervalHistogram {
  public:
    static constexpr std::int64_t kLinearLimitUs = 100'000;

    void add(std::int64_t interval_ns);

    [[nodiscard]] std::uint64_t count() const { return count_; }
    /// q in [0, 1]; microseconds; 0 when empty.
    [[nodiscard]] double percentile_us(double q) const;
    [[nodiscard]] double max_us() const { return static_cast<double>(max_ns_) / 1000.0; }
    [[nodiscard]] double mean_us() const { return count_ == 0 ? 0.0 : mean_ns_ / 1000.0; }
    /// Standard deviation of the intervals: our figure for jitter.
    [[nodiscard]] double stddev_us() const;

  private:
    std::vector<std::uint32_t> buckets_;      // index = interval in whole microseconds
    std::vector<std::int64_t> long_tail_us_;  // intervals >= kLinearLimitUs
    std::uint64_t count_ = 0;
    std::int64_t max_ns_ = 0;
    double mean_ns_ = 0;  // Welford's running mean and sum of squares
    double m2_ = 0;
};

}  // namespace fo::detector
