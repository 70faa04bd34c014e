#!/usr/bin/env bash
# Where an idle daemon spends its CPU: the idle trial of failover_trial.sh
# (the netns pair, two links, 10 s) with `perf record -g` on each daemon,
# then the top entries of each profile (self time, by symbol).
#   bash bench/profile_idle.sh [SYSTEM...]   (default: fastfailover-10ms fastfailover-1ms)
# Needs root and perf (Debian: linux-perf, installed here if missing).
# Profiles stay in build/profile/ for `perf report -i`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SYSTEMS=("$@")
((${#SYSTEMS[@]})) || SYSTEMS=(fastfailover-10ms fastfailover-1ms)
TOP=${FO_PROFILE_TOP:-15}
if ! command -v perf >/dev/null; then
  echo "installing linux-perf (the profiler)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-perf >/dev/null
fi
OUT=$ROOT/build/profile
mkdir -p "$OUT"
for system in "${SYSTEMS[@]}"; do
  FO_BENCH_PERF_DIR=$OUT timeout 120 bash "$ROOT/bench/failover_trial.sh" "$system" idle 2>/dev/null | tail -n 1
  for role in primary secondary; do
    echo "== $system $role: top $TOP by self time (perf report --no-children --sort sym)"
    perf report -q -i "$OUT/$system-$role.data" --no-children --sort sym --percent-limit 0.5 -g none 2>/dev/null |
      grep -v "^$" | head -n "$TOP" || true
  done
done
