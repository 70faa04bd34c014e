#!/usr/bin/env bash
# The test command (README): installs what is missing, builds, runs the whole
# suite. Run as root on Debian 12 so the netns tests can build their hosts;
# with CI=true a skipped netns test is a failure.
#   1. release build: unit and netns tests
#   2. clang-format --check and clang-tidy
#   3. ASan+UBSan build: unit tests (with the fuzz corpus replay)
#   4. libFuzzer run of the decoders (FO_FUZZ_SECONDS, default 60)
#   5. benchmarks, briefly, so they cannot rot
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

section() { printf '\n=== %s ===\n' "$*"; }

section "build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build

section "unit and netns tests"
ctest --test-dir build -L 'unit|netns' --output-on-failure --timeout 300

section "style: clang-format and clang-tidy"
bash scripts/format.sh --check
bash scripts/lint.sh
echo "format and lint clean"

section "ASan+UBSan build, unit tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFO_SANITIZE=ON -DFO_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -L unit --output-on-failure --timeout 300

section "libFuzzer: decoders"
if command -v clang++ >/dev/null; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFO_FUZZ=ON >/dev/null
  cmake --build build-fuzz
  work=build-fuzz/corpus
  rm -rf "$work" build-fuzz/artifacts && mkdir -p "$work" build-fuzz/artifacts
  cp tests/fuzz/corpus/* "$work"/
  if ! build-fuzz/fuzz_decode "$work" -max_total_time="${FO_FUZZ_SECONDS:-60}" -rss_limit_mb=2048 \
      -artifact_prefix=build-fuzz/artifacts/ -print_final_stats=1 2>build-fuzz/fuzz.log; then
    tail -n 40 build-fuzz/fuzz.log
    echo "fuzz_decode found a crash: copy build-fuzz/artifacts/* to tests/fuzz/crashers/, fix, commit both"
    exit 1
  fi
  grep -E "stat::number_of_executed_units|cov:" build-fuzz/fuzz.log | tail -n 2
else
  echo "clang++ not found; install-deps.sh should have installed it" >&2
  exit 1
fi

section "benchmarks (smoke run)"
build/bench/wire_bench --benchmark_min_time=0.01 >/dev/null
build/bench/detector_bench --benchmark_min_time=0.01 >/dev/null
echo "benchmarks ran"

section "all tests passed"
