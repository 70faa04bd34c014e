#!/usr/bin/env bash
# End-to-end failover benchmark: keepalived (VRRPv3, from Debian) against our
# pair, on the same namespace topology (tests/netns/lib.sh fo_failover_pair).
# For each system, N trials of each mode (bench/failover_trial.sh):
#   outage   start the pair, let it settle, start `fo-probe outage` on the
#            client, pull both of the primary's cables, wait for recovery;
#   failback the primary stopped and the secondary holding, the primary starts
#            again and gets the address back (keepalived: by preemption);
#   sigterm  SIGTERM to the holding primary (keepalived: stopping the master);
# each in fresh namespaces, torn down after. Then 10 s of idle CPU and the
# peak RSS per daemon, and the same for the floor systems (--floors, default
# floor-10ms floor-1ms: build/bench/beat_floor, the least any two-link
# heartbeat does, on the same topology; the JSON's "idle_floor" and the ratio
# of our idle CPU to it). With fastfailover-10ms and mode "many" (default on):
# bench/many_addresses_trial.sh, 1 and 1000 service addresses, N trials each
# (the first address's outage, the last address's first gratuitous ARP).
# The comparison picture: bench/plot_bench.py -> the JSON's name with .svg.
# FO_BENCH_BUILD=DIR: the binaries of another build (every trial, the many-address one too).
#   bash bench/failover_bench.sh [--trials N] [--json FILE] [--systems "a b"] [--modes "outage failback sigterm many"]
#                                [--floors "floor-10ms floor-1ms"]
# Needs root (network namespaces). Installs keepalived if missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TRIALS=10
JSON_OUT=$ROOT/build/failover_bench.json
SYSTEMS="keepalived-10ms keepalived-1s fastfailover-10ms fastfailover-1ms"
MODES="outage failback sigterm many"
FLOORS="floor-10ms floor-1ms"
while (($#)); do
  case $1 in
    --trials) TRIALS=$2; shift 2 ;;
    --json) JSON_OUT=$2; shift 2 ;;
    --systems) SYSTEMS=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --floors) FLOORS=$2; shift 2 ;;
    *) echo "usage: $0 [--trials N] [--json FILE] [--systems \"...\"] [--modes \"...\"] [--floors \"...\"]" >&2; exit 2 ;;
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
many=$(mktemp)
trap 'rm -f "$results" "$many"' EXIT
echo '{}' >"$many"
idle_trial() { # SYSTEM: one idle trial, appended to the results
  local line
  line=$(timeout 120 bash "$ROOT/bench/failover_trial.sh" "$1" idle 2>/dev/null | tail -n 1) ||
    line="{\"system\":\"$1\",\"mode\":\"idle\"}"
  [[ -n $line ]] || line="{\"system\":\"$1\",\"mode\":\"idle\"}"
  echo "$line" >>"$results"
  echo "$1 idle: $(jq -c '{cpu_percent, cpu_percent_exact, peak_rss_kb}' <<<"$line")"
}
for system in $SYSTEMS; do
  for mode in $MODES; do
    if [[ $mode == many ]]; then
      if [[ $system == fastfailover-10ms ]]; then
        timeout $((TRIALS * 2 * 120)) bash "$ROOT/bench/many_addresses_trial.sh" --trials "$TRIALS" --counts "1 1000" \
          --build "${FO_BENCH_BUILD:-$ROOT/build}" --json "$many" || echo '{}' >"$many"
      fi
      continue
    fi
    for trial in $(seq 1 "$TRIALS"); do
      line=$(timeout 120 bash "$ROOT/bench/failover_trial.sh" "$system" "$mode" 2>/dev/null | tail -n 1) ||
        line="{\"system\":\"$system\",\"mode\":\"$mode\",\"failed\":true,\"outage_ms\":null,\"dual_owner_ms\":0}"
      [[ -n $line ]] || line="{\"system\":\"$system\",\"mode\":\"$mode\",\"failed\":true,\"outage_ms\":null,\"dual_owner_ms\":0}"
      echo "$line" >>"$results"
      echo "$system $mode trial $trial: $(jq -r '"longest gap \(.outage_ms // "none") ms, dual-owner \(.dual_owner_ms) ms\(if .failed then ", FAILED" else "" end)"' <<<"$line")"
    done
  done
  idle_trial "$system"
done
for floor in $FLOORS; do
  idle_trial "$floor"
done

jq -s --argjson trials "$TRIALS" --slurpfile many "$many" '
  def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def spread: map(select(.failed | not) | .outage_ms) | {min: min, median: median, max: max};
  def mode_summary: {trials: length, failed: map(select(.failed)) | length, gap_ms: spread,
                     dual_owner_ms_total: (map(.dual_owner_ms // 0) | add)};
  (map(select(.mode == "idle")) | map({(.system): .}) | add // {}) as $idle
  | (map(select(.mode != "idle")) | group_by(.system)) as $by_system
  | [ $by_system[] | . as $runs | (map(select(.mode == "outage"))) as $outages | {
        system: .[0].system,
        trials: ($outages | length),
        failed: ($outages | map(select(.failed)) | length),
        outage_ms: ($outages | spread),
        outage_ms_trials: ($outages | map(select(.failed | not) | .outage_ms)),
        dual_owner_ms_total: ($outages | map(.dual_owner_ms // 0) | add // 0),
        failback: ($runs | map(select(.mode == "failback")) | if length > 0 then mode_summary else null end),
        sigterm: ($runs | map(select(.mode == "sigterm")) | if length > 0 then mode_summary else null end),
        idle_cpu_percent: $idle[.[0].system].cpu_percent,
        idle_cpu_percent_exact: $idle[.[0].system].cpu_percent_exact,
        peak_rss_kb: $idle[.[0].system].peak_rss_kb } ]
  | ($idle | with_entries(select(.key | startswith("floor-")))
     | map_values({cpu_percent, cpu_percent_exact, peak_rss_kb, frames})) as $floor
  | {trials_per_system: $trials, systems: ., many_addresses: $many[0], idle_floor: $floor,
     # per setting: ours / the floor, primary + secondary, on-CPU time
     idle_cpu_ratio_ours_to_floor: ($floor | with_entries(
       .key |= ltrimstr("floor-")
       | (($idle["fastfailover-" + .key].cpu_percent_exact // null) as $ours
          | .value.cpu_percent_exact as $min
          | .value = (if $ours == null or $min == null or ($min.primary + $min.secondary) == 0 then null
                      else ($ours.primary + $ours.secondary) / ($min.primary + $min.secondary) end)))),
     ratio_median_ours_to_keepalived_at_10ms:
       ((map(select(.system == "fastfailover-10ms"))[0].outage_ms.median // null) as $ours
        | (map(select(.system == "keepalived-10ms"))[0].outage_ms.median // null) as $theirs
        | if $ours == null or $theirs == null or $theirs == 0 then null else $ours / $theirs end)}' "$results" >"$JSON_OUT"

echo
printf '%-18s %6s %21s %21s %21s %11s %15s %17s\n' system failed "outage min/med/max" "failback min/med/max" \
  "sigterm min/med/max" "dual-owner" "idle CPU % p/s" "peak RSS MB p/s"
jq -r 'def num: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
  def three: if . == null then "-" else "\(.min | num)/\(.median | num)/\(.max | num)" end;
  .systems[] | [.system,
    "\(.failed + (.failback.failed // 0) + (.sigterm.failed // 0))",
    (.outage_ms | three), (.failback.gap_ms | three), (.sigterm.gap_ms | three),
    "\(.dual_owner_ms_total + (.failback.dual_owner_ms_total // 0) + (.sigterm.dual_owner_ms_total // 0) | num) ms",
    "\(.idle_cpu_percent.primary | num) / \(.idle_cpu_percent.secondary | num)",
    "\((.peak_rss_kb.primary // null) | if . == null then "-" else (. / 1024 | num) end) / \((.peak_rss_kb.secondary // null) | if . == null then "-" else (. / 1024 | num) end)"]
    | @tsv' "$JSON_OUT" | while IFS=$'\t' read -r a b c d e f g h; do
  printf '%-18s %6s %21s %21s %21s %11s %15s %17s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h"
done
echo
echo "all gaps are the longest client-visible gap in ms (fo-probe outage, 1 ms probes); failed counts every mode"
echo "median outage, ours / keepalived at 10 ms: $(jq -r '.ratio_median_ours_to_keepalived_at_10ms // "-" | tostring | .[0:5]' "$JSON_OUT")"
jq -r '.idle_floor | to_entries[] | "idle \(.key) (the least a two-link heartbeat costs here), exact CPU % p/s: \(.value.cpu_percent_exact.primary // "-") / \(.value.cpu_percent_exact.secondary // "-")"' "$JSON_OUT"
jq -r '.idle_cpu_ratio_ours_to_floor | to_entries[] | "idle CPU, ours / floor at \(.key): \(.value // "-" | tostring | .[0:5])"' "$JSON_OUT"
if [[ $(jq '.many_addresses | length' "$JSON_OUT") -gt 0 ]]; then
  echo "many addresses (ours, 10 ms x 3): $(jq -c '.many_addresses' "$JSON_OUT" | cut -c1-400)"
fi
echo "JSON: $JSON_OUT"
/usr/bin/python3 "$ROOT/bench/plot_bench.py" "$JSON_OUT" "${JSON_OUT%.json}.svg" && echo "picture: ${JSON_OUT%.json}.svg"
