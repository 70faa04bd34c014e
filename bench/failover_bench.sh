#!/usr/bin/env bash
# End-to-end failover benchmark: keepalived (VRRPv3, from Debian) against our
# pair, on the same namespace topology (tests/netns/lib.sh fo_failover_pair).
# For each system, N trials of: start the pair, let it settle, start
# `fo-probe outage` on the client, pull both of the primary's cables, wait for
# recovery, tear down. Then 10 s of idle CPU and the peak RSS per daemon.
#   bash bench/failover_bench.sh [--trials N] [--json FILE] [--systems "a b"]
# Needs root (network namespaces). Installs keepalived if missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TRIALS=10
JSON_OUT=$ROOT/build/failover_bench.json
SYSTEMS="keepalived-10ms keepalived-1s fastfailover-10ms fastfailover-1ms"
while (($#)); do
  case $1 in
    --trials) TRIALS=$2; shift 2 ;;
    --json) JSON_OUT=$2; shift 2 ;;
    --systems) SYSTEMS=$2; shift 2 ;;
    *) echo "usage: $0 [--trials N] [--json FILE] [--systems \"...\"]" >&2; exit 2 ;;
  esac
done

bash "$ROOT/scripts/install-deps.sh"
if ! command -v keepalived >/dev/null; then
  echo "installing keepalived (the peer we measure against)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends keepalived >/dev/null
fi
cmake -S "$ROOT" -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" >/dev/null

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for system in $SYSTEMS; do
  for trial in $(seq 1 "$TRIALS"); do
    line=$(timeout 120 bash "$ROOT/bench/failover_trial.sh" "$system" outage 2>/dev/null | tail -n 1) ||
      line="{\"system\":\"$system\",\"mode\":\"outage\",\"failed\":true,\"outage_ms\":null,\"dual_owner_ms\":0}"
    echo "$line" >>"$results"
    echo "$system trial $trial: $(jq -r '"outage \(.outage_ms // "none") ms, dual-owner \(.dual_owner_ms) ms\(if .failed then ", FAILED" else "" end)"' <<<"$line")"
  done
  line=$(timeout 120 bash "$ROOT/bench/failover_trial.sh" "$system" idle 2>/dev/null | tail -n 1) ||
    line="{\"system\":\"$system\",\"mode\":\"idle\"}"
  echo "$line" >>"$results"
  echo "$system idle: $(jq -c '{cpu_percent, peak_rss_kb}' <<<"$line")"
done

jq -s --argjson trials "$TRIALS" '
  def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  (map(select(.mode == "outage")) | group_by(.system)) as $outages
  | (map(select(.mode == "idle")) | map({(.system): .}) | add) as $idle
  | [ $outages[] | {
        system: .[0].system,
        trials: length,
        failed: map(select(.failed)) | length,
        outage_ms: (map(select(.failed | not) | .outage_ms) | {min: min, median: median, max: max}),
        dual_owner_ms_total: (map(.dual_owner_ms // 0) | add),
        idle_cpu_percent: $idle[.[0].system].cpu_percent,
        peak_rss_kb: $idle[.[0].system].peak_rss_kb } ]
  | {trials_per_system: $trials, systems: .,
     ratio_median_ours_to_keepalived_at_10ms:
       ((map(select(.system == "fastfailover-10ms"))[0].outage_ms.median) /
        (map(select(.system == "keepalived-10ms"))[0].outage_ms.median))}' "$results" >"$JSON_OUT"

echo
printf '%-20s %7s %9s %9s %9s %12s %18s %20s\n' system failed "min ms" "median ms" "max ms" "dual-owner" "idle CPU % (p/s)" "peak RSS MB (p/s)"
jq -r '.systems[] | [.system, "\(.failed)/\(.trials)",
    (.outage_ms.min // "-" | tostring | .[0:7]), (.outage_ms.median // "-" | tostring | .[0:7]),
    (.outage_ms.max // "-" | tostring | .[0:7]), "\(.dual_owner_ms_total) ms",
    "\(.idle_cpu_percent.primary // "-" | tostring | .[0:4]) / \(.idle_cpu_percent.secondary // "-" | tostring | .[0:4])",
    "\((.peak_rss_kb.primary // 0) / 1024 | tostring | .[0:5]) / \((.peak_rss_kb.secondary // 0) / 1024 | tostring | .[0:5])"]
    | @tsv' "$JSON_OUT" | while IFS=$'\t' read -r a b c d e f g h; do
  printf '%-20s %7s %9s %9s %9s %12s %18s %20s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h"
done
echo
echo "median outage, ours / keepalived at 10 ms: $(jq -r '.ratio_median_ours_to_keepalived_at_10ms | tostring | .[0:5]' "$JSON_OUT")"
echo "JSON: $JSON_OUT"
