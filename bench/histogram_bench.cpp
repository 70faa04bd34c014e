// Interval statistics under a long run: 10 million intervals around the
// shipped 100 ms interval (half of them above it), recorded into the fixed-
// bucket IntervalHistogram, against the layout it replaced (exact 1 us buckets
// below 100 ms, every longer interval kept in a vector) as the peer in the
// same run. Reported per run: the cost per add (items_per_second), the
// histogram's own footprint in bytes before and after, and the process RSS
// (/proc/self/statm) before and after; then the cost of one percentile query
// over the 10 million (what `foctl status` pays on the daemon's loop).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include "fo/detector/interval_histogram.hpp"

namespace {

constexpr std::int64_t kIntervals = 10'000'000;
constexpr std::size_t kDistinctValues = 1 << 20;

/// 100 ms +- 0.4 ms of jitter, seeded: the same stream for every benchmark.
const std::vector<std::int64_t>& intervals() {
    static const std::vector<std::int64_t> values = [] {
        std::mt19937_64 random(42);
        std::normal_distribution<double> jitter(100e6, 0.4e6);
        std::vector<std::int64_t> built(kDistinctValues);
        for (auto& value : built) {
            value = std::max<std::int64_t>(0, std::llround(jitter(random)));
        }
        return built;
    }();
    return values;
}

double rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size_pages = 0;
    std::uint64_t resident_pages = 0;
    statm >> size_pages >> resident_pages;
    return static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

/// The layout before: exact 1 us buckets below 100 ms, every longer interval appended to a vector,
/// copied and sorted by a percentile query.
class LegacyIntervalHistogram {
  public:
    static constexpr std::int64_t kLinearLimitUs = 100'000;

    void add(std::int64_t interval_ns) {
        const std::int64_t micros = std::max<std::int64_t>(interval_ns, 0) / 1000;
        if (micros < kLinearLimitUs) {
            if (static_cast<std::size_t>(micros) >= buckets_.size()) {
                buckets_.resize(static_cast<std::size_t>(micros) + 1);
            }
            ++buckets_[static_cast<std::size_t>(micros)];
        } else {
            long_tail_us_.push_back(micros);
        }
        ++count_;
    }
    [[nodiscard]] double percentile_us(double q) const {
        const auto rank =
            std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
        std::uint64_t seen = 0;
        for (std::size_t micros = 0; micros < buckets_.size(); ++micros) {
            seen += buckets_[micros];
            if (seen >= rank) {
                return static_cast<double>(micros) + 0.5;
            }
        }
        std::vector<std::int64_t> tail = long_tail_us_;
        std::sort(tail.begin(), tail.end());
        return static_cast<double>(tail[std::min<std::size_t>(rank - seen - 1, tail.size() - 1)]) + 0.5;
    }
    [[nodiscard]] std::size_t footprint_bytes() const {
        return sizeof(*this) + buckets_.capacity() * sizeof(std::uint32_t) +
               long_tail_us_.capacity() * sizeof(std::int64_t);
    }

  private:
    std::vector<std::uint32_t> buckets_;
    std::vector<std::int64_t> long_tail_us_;
    std::uint64_t count_ = 0;
};

std::size_t footprint_of(const fo::detector::IntervalHistogram& /*histogram*/) {
    return fo::detector::IntervalHistogram::footprint_bytes();
}
std::size_t footprint_of(const LegacyIntervalHistogram& histogram) {
    return histogram.footprint_bytes();
}

template <typename Histogram>
void fill(Histogram& histogram) {
    const std::vector<std::int64_t>& values = intervals();
    for (std::int64_t i = 0; i < kIntervals; ++i) {
        histogram.add(values[static_cast<std::size_t>(i) & (kDistinctValues - 1)]);
    }
}

template <typename Histogram>
void BM_Record10M(benchmark::State& state) {
    intervals();  // generated before the first RSS reading
    double footprint_before = 0;
    double footprint_after = 0;
    double rss_before = 0;
    double rss_after = 0;
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        state.PauseTiming();
        rss_before = rss_bytes();
        auto histogram = std::make_unique<Histogram>();
        footprint_before = static_cast<double>(footprint_of(*histogram));
        state.ResumeTiming();
        fill(*histogram);
        benchmark::DoNotOptimize(histogram.get());
        state.PauseTiming();
        footprint_after = static_cast<double>(footprint_of(*histogram));
        rss_after = rss_bytes();
        histogram.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() * kIntervals);
    state.counters["footprint_before_B"] = footprint_before;
    state.counters["footprint_after_B"] = footprint_after;
    state.counters["rss_before_B"] = rss_before;
    state.counters["rss_growth_B"] = rss_after - rss_before;
}
BENCHMARK_TEMPLATE(BM_Record10M, fo::detector::IntervalHistogram)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Record10M, LegacyIntervalHistogram)->Unit(benchmark::kMillisecond);

template <typename Histogram>
void BM_PercentileAfter10M(benchmark::State& state) {
    auto histogram = std::make_unique<Histogram>();
    fill(*histogram);
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        benchmark::DoNotOptimize(histogram->percentile_us(0.99));
    }
    state.counters["footprint_B"] = static_cast<double>(footprint_of(*histogram));
}
BENCHMARK_TEMPLATE(BM_PercentileAfter10M, fo::detector::IntervalHistogram)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_PercentileAfter10M, LegacyIntervalHistogram)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
