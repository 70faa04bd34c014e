#include "fo/detector/interval_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace fo::detector {

void IntervalHistogram::add(std::int64_t interval_ns) {
    interval_ns = std::max<std::int64_t>(interval_ns, 0);
    const std::int64_t micros = interval_ns / 1000;
    if (micros < kLinearLimitUs) {
        if (static_cast<std::size_t>(micros) >= buckets_.size()) {
            buckets_.resize(static_cast<std::size_t>(micros) + 1);
        }
        ++buckets_[static_cast<std::size_t>(micros)];
    } else {
        long_tail_us_.push_back(micros);
    }
    ++count_;
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
    for (std::size_t micros = 0; micros < buckets_.size(); ++micros) {
        seen += buckets_[micros];
        if (seen >= rank) {
            return static_cast<double>(micros) + 0.5;  // bucket centre
        }
    }
    std::vector<std::int64_t> tail = long_tail_us_;
    std::sort(tail.begin(), tail.end());
    const std::uint64_t index = rank - seen - 1;
    return static_cast<double>(tail[std::min<std::size_t>(index, tail.size() - 1)]) + 0.5;
}

double IntervalHistogram::stddev_us() const {
    return count_ < 2 ? 0.0 : std::sqrt(m2_ / static_cast<double>(count_ - 1)) / 1000.0;
}

}  // namespace fo::detector
