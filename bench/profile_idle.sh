#!/usr/bin/env bash
# Where an idle daemon spends its CPU: the idle trial of failover_trial.sh
# (the netns pair, two links, 10 s) with `perf record -g` on each daemon,
# then the top entries of each profile (self time, by symbol), the inclusive
# share of the system calls and kernel paths a beat goes through, and the
# share of each object (kernel, daemon, libcrypto, ...).
#   bash bench/profile_idle.sh [SYSTEM...]   (default: fastfailover-10ms fastfailover-1ms)
# Needs root and perf (Debian: linux-perf, installed here if missing).
# Profiles stay in build/profile/ (FO_PROFILE_OUT) for `perf report -i`;
# FO_BENCH_BUILD=DIR profiles the binaries of another build (before/after).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SYSTEMS=("$@")
((${#SYSTEMS[@]})) || SYSTEMS=(fastfailover-10ms fastfailover-1ms)
TOP=${FO_PROFILE_TOP:-15}
if ! command -v perf >/dev/null; then
  echo "installing linux-perf (the profiler)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-perf >/dev/null
fi
OUT=${FO_PROFILE_OUT:-$ROOT/build/profile}
mkdir -p "$OUT"
for system in "${SYSTEMS[@]}"; do
  FO_BENCH_PERF_DIR=$OUT timeout 120 bash "$ROOT/bench/failover_trial.sh" "$system" idle 2>/dev/null | tail -n 1
  for role in primary secondary; do
    echo "== $system $role: top $TOP by self time (perf report --no-children --sort sym)"
    perf report -q -i "$OUT/$system-$role.data" --no-children --sort sym --percent-limit 0.5 -g none 2>/dev/null |
      grep -v "^$" | head -n "$TOP" || true
    echo "-- inclusive share of the paths the per-beat work goes through (perf report --children)"
    perf report -q -i "$OUT/$system-$role.data" --children --sort sym -g none 2>/dev/null |
      awk '$NF ~ /^(__libc_sendto|epoll_wait|epoll_pwait2|__libc_sendmsg|__GI___ioctl|read|__icmp_send|ip_route_input_slow|packet_rcv|rtnl_getlink)$/ {
             printf "   %-22s %s\n", $NF, $1 }' || true
    echo "-- by object (self)"
    perf report -q -i "$OUT/$system-$role.data" --no-children --sort dso -g none 2>/dev/null |
      grep -v "^$" | head -n 6 || true
  done
done
