#include "fo/detector/interval_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace fo::detector {

static_assert(IntervalHistogram::kBucketCount == 4608, "1 ns .. 1 hour at 2 significant digits");

std::size_t IntervalHistogram::index_of(std::int64_t value_ns) {
    const auto value = static_cast<std::uint64_t>(value_ns);
    // Magnitude above the linear range: 0 for values below kSubBucketCount.
    const int magnitude = std::max(0, static_cast<int>(std::bit_width(value)) - kSubBucketBits);
    return static_cast<std::size_t>(magnitude) * static_cast<std::size_t>(kSubBucketHalfCount) +
           static_cast<std::size_t>(value >> magnitude);
}

std::int64_t IntervalHistogram::lowest_of(std::size_t index) {
    const auto half = static_cast<std::size_t>(kSubBucketHalfCount);
    if (index < 2 * half) {
        return static_cast<std::int64_t>(index);
    }
    const std::size_t magnitude = index / half - 1;
    const std::size_t sub_bucket = index - magnitude * half;  // in [half, 2 * half)
    return static_cast<std::int64_t>(sub_bucket) << magnitude;
}

std::int64_t IntervalHistogram::width_of(std::size_t index) {
    const auto half = static_cast<std::size_t>(kSubBucketHalfCount);
    return index < 2 * half ? 1 : std::int64_t{1} << (index / half - 1);
}

void IntervalHistogram::add(std::int64_t interval_ns) {
    interval_ns = std::max<std::int64_t>(interval_ns, 0);
    if (interval_ns > kHighestTrackableNs) {
        ++clamped_;
    } else {
        ++buckets_[index_of(interval_ns)];
    }
    ++count_;
    min_ns_ = std::min(min_ns_, interval_ns);
    max_ns_ = std::max(max_ns_, interval_ns);
    const double delta = static_cast<double>(interval_ns) - mean_ns_;
    mean_ns_ += delta / static_cast<double>(count_);
    m2_ += delta * (static_cast<double>(interval_ns) - mean_ns_);
}

double IntervalHistogram::percentile_us(double q) const {
    if (count_ == 0) {
        return 0.0;
    }
    q = std::clamp(q, 0.0, 1.0);
    // Nearest-rank: the smallest value with at least q of the samples at or below it.
    const auto rank =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t index = 0; index < buckets_.size(); ++index) {
        seen += buckets_[index];
        if (seen >= rank) {
            // The centre of the whole nanoseconds the bucket holds, inside the exact [min, max].
            const double centre =
                static_cast<double>(lowest_of(index)) + static_cast<double>(width_of(index) - 1) / 2.0;
            return std::clamp(centre, static_cast<double>(min_ns_), static_cast<double>(max_ns_)) / 1000.0;
        }
    }
    return max_us();  // in the overflow bucket: beyond kHighestTrackableNs
}

std::uint64_t IntervalHistogram::count_at_most(std::int64_t value_ns) const {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < kBucketCount && lowest_of(i) + width_of(i) - 1 <= value_ns; ++i) {
        total += buckets_[i];
    }
    return total;
}

double IntervalHistogram::stddev_us() const {
    return count_ < 2 ? 0.0 : std::sqrt(m2_ / static_cast<double>(count_ - 1)) / 1000.0;
}

}  // namespace fo::detector
