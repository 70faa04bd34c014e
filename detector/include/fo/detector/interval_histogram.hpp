#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace fo::detector {

namespace histogram_detail {
/// Power-of-two magnitude of a value above the linear range of `sub_bucket_bits` bits: 0 below 2^sub_bucket_bits.
constexpr std::int64_t magnitude_of(std::int64_t value, int sub_bucket_bits) {
    std::int64_t magnitude = 0;
    for (value >>= sub_bucket_bits; value != 0; value >>= 1) {
        ++magnitude;
    }
    return magnitude;
}
}  // namespace histogram_detail

/// Inter-arrival times in fixed, log-scaled buckets (HdrHistogram's layout,
/// 2 significant digits): O(1) memory whatever the rate or the run time, no
/// allocation, percentiles in O(buckets).
///
/// Layout, in nanoseconds: values below 256 ns have a bucket each (exact);
/// from there every power of two [2^k, 2^(k+1)) is split into 128 equal
/// buckets of width 2^(k-7). Up to kHighestTrackableNs (1 hour), a bucket is
/// at most 1/128 of the values it holds wide.
///
/// Resolution: percentile_us() answers the nearest-rank percentile with the
/// centre of its bucket, so for any value of at least 128 ns (every value
/// from 1 us up, the range that matters) the answer is within
/// kMaxRelativeError = 1/256 (0.39 %) of the exact nearest-rank percentile
/// of the samples, and below 128 ns within 0.5 ns. It never leaves the
/// exact [minimum, maximum]. Intervals longer than 1 hour are counted in one overflow
/// bucket (clamped_count()); a percentile that falls there reports the exact
/// maximum. count, max, mean and standard deviation (Welford) are exact over
/// every sample, clamped or not.
class IntervalHistogram {
  public:
    static constexpr std::int64_t kHighestTrackableNs = 3'600'000'000'000;  // 1 hour
    static constexpr int kSubBucketBits = 8;                                // 256 sub-buckets: 2 significant digits
    static constexpr std::int64_t kSubBucketCount = std::int64_t{1} << kSubBucketBits;
    static constexpr std::int64_t kSubBucketHalfCount = kSubBucketCount / 2;
    static constexpr double kMaxRelativeError = 1.0 / static_cast<double>(kSubBucketCount);
    /// Number of fixed buckets (plus one overflow counter), fixed at compile time.
    static constexpr std::size_t kBucketCount = static_cast<std::size_t>(
        (histogram_detail::magnitude_of(kHighestTrackableNs, kSubBucketBits) + 2) * kSubBucketHalfCount);

    void add(std::int64_t interval_ns);

    [[nodiscard]] std::uint64_t count() const { return count_; }
    /// q in [0, 1]; microseconds; 0 when empty. Within kMaxRelativeError of the exact nearest-rank percentile.
    [[nodiscard]] double percentile_us(double q) const;
    [[nodiscard]] double max_us() const { return static_cast<double>(max_ns_) / 1000.0; }
    [[nodiscard]] double mean_us() const { return count_ == 0 ? 0.0 : mean_ns_ / 1000.0; }
    /// Standard deviation of the intervals: our figure for jitter.
    [[nodiscard]] double stddev_us() const;
    /// Intervals whose bucket lies wholly at or below `value_ns`: a cumulative
    /// bucket of a Prometheus histogram (exact within a bucket's width).
    [[nodiscard]] std::uint64_t count_at_most(std::int64_t value_ns) const;
    /// Intervals longer than kHighestTrackableNs (counted, in the overflow bucket).
    [[nodiscard]] std::uint64_t clamped_count() const { return clamped_; }
    /// Buckets in use: constant, whatever was added.
    [[nodiscard]] static constexpr std::size_t bucket_count() { return kBucketCount; }
    /// Bytes the histogram occupies: all of it is inline, nothing on the heap.
    [[nodiscard]] static constexpr std::size_t footprint_bytes() { return sizeof(IntervalHistogram); }

    /// The bucket of a value in [0, kHighestTrackableNs] (exposed for tests).
    [[nodiscard]] static std::size_t index_of(std::int64_t value_ns);
    /// The smallest value and the width of bucket `index`, in nanoseconds.
    [[nodiscard]] static std::int64_t lowest_of(std::size_t index);
    [[nodiscard]] static std::int64_t width_of(std::size_t index);

  private:
    std::array<std::uint64_t, kBucketCount> buckets_{};
    std::uint64_t clamped_ = 0;  // intervals > kHighestTrackableNs
    std::uint64_t count_ = 0;
    std::int64_t min_ns_ = std::numeric_limits<std::int64_t>::max();
    std::int64_t max_ns_ = 0;
    double mean_ns_ = 0;  // Welford's running mean and sum of squares
    double m2_ = 0;
};

}  // namespace fo::detector
