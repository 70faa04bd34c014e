#include "fo/detector/interval_histogram.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace fo::detector {
namespace {

constexpr std::int64_t kUs = 1'000;
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kHour = IntervalHistogram::kHighestTrackableNs;

/// The exact nearest-rank percentile, in microseconds.
double exact_percentile_us(std::vector<std::int64_t> values, double q) {
    std::sort(values.begin(), values.end());
    const auto rank =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))));
    return static_cast<double>(values[rank - 1]) / 1000.0;
}

void expect_within_resolution(const std::vector<std::int64_t>& values, const char* what) {
    IntervalHistogram histogram;
    for (const std::int64_t value : values) {
        histogram.add(value);
    }
    for (const double q : {0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
        const double exact = exact_percentile_us(values, q);
        const double got = histogram.percentile_us(q);
        EXPECT_LE(std::abs(got - exact), exact * IntervalHistogram::kMaxRelativeError + 0.0005)
            << what << " q=" << q << " exact " << exact << " us, got " << got << " us";
    }
}

TEST(IntervalHistogramTest, PercentilesWithinTheDocumentedErrorOverRandomData) {
    std::mt19937_64 random(20261201);
    const std::size_t n = 200'000;

    std::vector<std::int64_t> around_100ms;  // the shipped interval with jitter: half above 100 ms
    std::normal_distribution<double> jitter(100.0 * kMs, 0.4 * kMs);
    for (std::size_t i = 0; i < n; ++i) {
        around_100ms.push_back(std::max<std::int64_t>(0, std::llround(jitter(random))));
    }
    expect_within_resolution(around_100ms, "100 ms +- jitter");

    std::vector<std::int64_t> log_uniform;  // every magnitude from 1 us to 1 hour
    std::uniform_real_distribution<double> exponent(std::log(1.0 * kUs), std::log(static_cast<double>(kHour)));
    for (std::size_t i = 0; i < n; ++i) {
        log_uniform.push_back(std::llround(std::exp(exponent(random))));
    }
    expect_within_resolution(log_uniform, "log-uniform 1 us .. 1 h");

    std::vector<std::int64_t> one_ms_with_outliers;  // 1 ms beats, a few stalls of 10..900 ms
    std::uniform_int_distribution<std::int64_t> fine(990 * kUs, 1010 * kUs);
    std::uniform_int_distribution<std::int64_t> stall(10 * kMs, 900 * kMs);
    for (std::size_t i = 0; i < n; ++i) {
        one_ms_with_outliers.push_back(i % 997 == 0 ? stall(random) : fine(random));
    }
    expect_within_resolution(one_ms_with_outliers, "1 ms with stalls");
}

TEST(IntervalHistogramTest, BucketsTileTheRangeWithBoundedWidth) {
    for (std::size_t index = 0; index + 1 < IntervalHistogram::bucket_count(); ++index) {
        const std::int64_t low = IntervalHistogram::lowest_of(index);
        const std::int64_t width = IntervalHistogram::width_of(index);
        ASSERT_EQ(low + width, IntervalHistogram::lowest_of(index + 1)) << index;
        ASSERT_EQ(IntervalHistogram::index_of(low), index);
        ASSERT_EQ(IntervalHistogram::index_of(low + width - 1), index);
        if (low >= IntervalHistogram::kSubBucketHalfCount) {
            ASSERT_LE(static_cast<double>(width) / static_cast<double>(low), 2 * IntervalHistogram::kMaxRelativeError)
                << index;
        }
    }
    EXPECT_LT(IntervalHistogram::index_of(kHour), IntervalHistogram::bucket_count());
}

TEST(IntervalHistogramTest, MemoryIsFixedWhateverIsAdded) {
    EXPECT_LE(sizeof(IntervalHistogram), 40U * 1024U);
    EXPECT_EQ(IntervalHistogram::footprint_bytes(), sizeof(IntervalHistogram));
    IntervalHistogram histogram;
    const std::size_t buckets = IntervalHistogram::bucket_count();
    const struct mallinfo2 before = mallinfo2();
    std::mt19937_64 random(7);
    std::uniform_int_distribution<std::int64_t> above_100ms(100 * kMs, 101 * kMs);
    for (int i = 0; i < 10'000'000; ++i) {
        histogram.add(above_100ms(random));
    }
    const struct mallinfo2 after = mallinfo2();
    EXPECT_EQ(histogram.count(), 10'000'000U);
    EXPECT_EQ(IntervalHistogram::bucket_count(), buckets);
    // The old layout kept every interval of 100 ms or more: 80 MB here. Now nothing is allocated.
    EXPECT_LT(after.uordblks + after.hblkhd, before.uordblks + before.hblkhd + std::size_t{64} * 1024U)
        << "heap grew by " << (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd) << " bytes";
    EXPECT_NEAR(histogram.percentile_us(0.5), 100'500.0, 100'500.0 * 0.001);
}

TEST(IntervalHistogramTest, EdgeCases) {
    IntervalHistogram empty;
    EXPECT_EQ(empty.count(), 0U);
    EXPECT_DOUBLE_EQ(empty.percentile_us(0.5), 0.0);
    EXPECT_DOUBLE_EQ(empty.max_us(), 0.0);
    EXPECT_DOUBLE_EQ(empty.mean_us(), 0.0);
    EXPECT_DOUBLE_EQ(empty.stddev_us(), 0.0);

    IntervalHistogram zero;
    zero.add(0);
    zero.add(-5);  // a clock step backwards counts as 0
    EXPECT_EQ(zero.count(), 2U);
    EXPECT_DOUBLE_EQ(zero.percentile_us(1.0), 0.0);
    EXPECT_DOUBLE_EQ(zero.max_us(), 0.0);

    IntervalHistogram one_ns;
    one_ns.add(1);
    EXPECT_DOUBLE_EQ(one_ns.percentile_us(0.5), 0.001);
    EXPECT_DOUBLE_EQ(one_ns.max_us(), 0.001);

    IntervalHistogram huge;
    huge.add(1 * kMs);
    huge.add(kHour);                                     // the top of the range: still in a bucket
    huge.add(std::numeric_limits<std::int64_t>::max());  // beyond: clamped and counted
    EXPECT_EQ(huge.count(), 3U);
    EXPECT_EQ(huge.clamped_count(), 1U);
    EXPECT_DOUBLE_EQ(huge.max_us(), static_cast<double>(std::numeric_limits<std::int64_t>::max()) / 1000.0);
    EXPECT_DOUBLE_EQ(huge.percentile_us(1.0), huge.max_us());  // in the overflow: the exact maximum
    const double hour_us = static_cast<double>(kHour) / 1000.0;
    EXPECT_NEAR(huge.percentile_us(0.6), hour_us, hour_us * IntervalHistogram::kMaxRelativeError);
    EXPECT_NEAR(huge.percentile_us(0.0), 1000.0, 1000.0 * IntervalHistogram::kMaxRelativeError);
}

TEST(IntervalHistogramTest, PercentilesAreNearestRankAndStatisticsExact) {
    IntervalHistogram histogram;
    for (int i = 1; i <= 100; ++i) {
        histogram.add(static_cast<std::int64_t>(i) * kUs);  // 1..100 us
    }
    histogram.add(250 * kMs);
    const double e = IntervalHistogram::kMaxRelativeError;
    EXPECT_NEAR(histogram.percentile_us(0.5), 51.0, 51.0 * e);
    EXPECT_NEAR(histogram.percentile_us(0.0), 1.0, 1.0 * e);
    EXPECT_DOUBLE_EQ(histogram.percentile_us(1.0), 250'000.0);  // clamped to the exact maximum
    EXPECT_DOUBLE_EQ(histogram.max_us(), 250'000.0);
    EXPECT_EQ(histogram.count(), 101U);
    EXPECT_NEAR(histogram.mean_us(), (5050.0 + 250'000.0) / 101.0, 1e-6);
}

}  // namespace
}  // namespace fo::detector
