// The cost of an event on the daemon's loop: publishing into the ring, the
// JSON line each `foctl events` reader gets, and the journal fields.
//   build/bench/events_bench
#include <benchmark/benchmark.h>

#include "fo/daemon/events.hpp"

namespace {

fo::daemon::EventRecord acquire_record() {
    return {fo::daemon::EventKind::acquire,
            {{"result", "acquired"}, {"address", "198.51.100.100/24"}, {"reason", "peer dead: every link silent"}}};
}

void BM_Publish(benchmark::State& state) {
    std::int64_t clock = 0;
    fo::daemon::EventBus bus(
        1024, [&clock] { return ++clock; }, [&clock] { return clock; });
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        bus.publish(acquire_record());
    }
}
BENCHMARK(BM_Publish);

void BM_EventJsonLine(benchmark::State& state) {
    fo::daemon::Event event{42, 1'000'000, 1'764'261'755'123'456'789, acquire_record()};
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        benchmark::DoNotOptimize(fo::daemon::event_json_line(event));
    }
}
BENCHMARK(BM_EventJsonLine);

void BM_JournalFields(benchmark::State& state) {
    fo::daemon::Event event{42, 1'000'000, 1'764'261'755'123'456'789, acquire_record()};
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        benchmark::DoNotOptimize(fo::daemon::journal_fields(event));
    }
}
BENCHMARK(BM_JournalFields);

}  // namespace

BENCHMARK_MAIN();
