#!/usr/bin/env bash
# Partition-and-heal trials ("One owner, always"): how long two owners answer
# after a partition heals, and the takeover outage during it.
#
#   bash bench/partition_trial.sh [--trials N] [--build DIR] [--json FILE]
#
# Each trial runs in its own namespaces (tests/netns/lib.sh: the standard pair
# at 10 ms x 3, a client with fo-probe outage at 1000 probes/s), all torn down
# when the trial ends, even on failure: the primary is cut off both links,
# both ways, for 1 s with no carrier change (lib.sh fo_partition: nftables
# netdev tables inside the test's namespaces only), then healed; the trial
# waits (bounded) for exactly one holder and for the failback. It prints one
# JSON line per trial (stdout, and FILE if --json):
#   takeover_outage_ms      the client's outage during the partition
#   heal_dual_owner_ms      two MACs answering ARP after the heal (target <= 50)
#   one_owner_after_ms      heal -> exactly one daemon holding (status polls, ~10 ms)
#   failback_at_ms          heal -> the client's echoes come from the primary again
#   failback_dual_owner_windows, owner_changes, yielded_to_newer_term
#   failed                  no takeover, no single owner, or no failback
# then a summary (min/median/max over every trial that measured the figure;
# in a trial that never got back to one owner, heal_dual_owner_ms runs to the
# end of the 5 s probe, a lower bound) as one JSON object. Needs root; uses the
# binaries of an existing build (default ROOT/build). Not run by CI.
# Defaults: 10 trials, at most 120 s each.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
TRIALS=10
JSON_OUT=
ONE=0
while (($#)); do
  case $1 in
    --trials) TRIALS=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --json) JSON_OUT=$2; shift 2 ;;
    --one) ONE=1; shift ;;
    *) echo "usage: $0 [--trials N] [--build DIR] [--json FILE]" >&2; exit 2 ;;
  esac
done
HEARTBEATD=$BUILD/tools/heartbeatd/heartbeatd
FAILOVERD=$BUILD/tools/failoverd/failoverd
FO_PROBE=$BUILD/tools/fo-probe/fo-probe
FOCTL=$BUILD/tools/foctl/foctl

if ((ONE == 0)); then
  for binary in "$HEARTBEATD" "$FAILOVERD" "$FO_PROBE" "$FOCTL"; do
    [[ -x $binary ]] || { echo "missing $binary: build first (cmake --build $BUILD)" >&2; exit 2; }
  done
  [[ $TRIALS =~ ^[1-9][0-9]*$ ]] || { echo "--trials wants a positive integer" >&2; exit 2; }
  results=$(mktemp)
  trap 'rm -f "$results"' EXIT
  for trial in $(seq 1 "$TRIALS"); do
    line=$(timeout 120 bash "$0" --one --build "$BUILD" 2>/dev/null | tail -n 1) || true
    jq -e . >/dev/null 2>&1 <<<"$line" || line='{"failed":true,"error":"the trial did not finish"}'
    line=$(jq -c --argjson trial "$trial" '{trial: $trial} + .' <<<"$line")
    echo "$line"
    echo "$line" >>"$results"
  done
  summary=$(jq -sc '
    def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
                       else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def stats(f): [.[] | f | select(. != null)]
                  | {min: min, median: median, max: max};
    {summary: "partition_heal", interval_ms: 10, miss_count: 3, partition_ms: 1000,
     trials: length, failed: (map(select(.failed)) | length),
     heal_dual_owner_ms: stats(.heal_dual_owner_ms),
     takeover_outage_ms: stats(.takeover_outage_ms),
     one_owner_after_ms: stats(.one_owner_after_ms),
     failback_at_ms: stats(.failback_at_ms),
     failback_dual_owner_windows_total: (map(.failback_dual_owner_windows // 0) | add)}' "$results")
  echo "$summary"
  if [[ -n $JSON_OUT ]]; then
    { cat "$results"; echo "$summary"; } >"$JSON_OUT"
  fi
  jq -r '"dual owner after heal: min \(.heal_dual_owner_ms.min) / median \(.heal_dual_owner_ms.median) / max \(.heal_dual_owner_ms.max) ms; takeover outage: min \(.takeover_outage_ms.min) / median \(.takeover_outage_ms.median) / max \(.takeover_outage_ms.max) ms; \(.failed) of \(.trials) trials failed"' <<<"$summary"
  exit 0
fi

# One trial (--one): everything it makes is torn down by lib.sh on exit.
# shellcheck source=../tests/netns/lib.sh
source "$ROOT/tests/netns/lib.sh"
fo_require_netns >&2
fo_require_nft >&2
HOLD_DOWN_MS=500
fo_failover_pair 10 3 3000 >&2
W=$FO_WORKDIR
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }
primary_mac=$(mac_of "$primary")
secondary_mac=$(mac_of "$secondary")
fo_start_pair trial >&2
fo_wait_status secondary '.state == "standby"' 10 >&2 || true
fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --duration 5 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10 >&2
sleep 0.5 # baseline
partition_ns=$(fo_now_ns)
fo_partition primary
took_over=false
fo_wait_status_ms secondary '.holding' 800 >&2 && took_over=true
rest_ms=$((1000 - ($(fo_now_ns) - partition_ns) / 1000000))
((rest_ms > 0)) && sleep "$(printf '0.%03d' "$rest_ms")" # the partition lasts 1 s
heal_ns=$(fo_now_ns) # before fo_heal: frames pass from its first nft call on
fo_heal primary
one_owner_after_ms=null
if fo_wait_one_holder 3000 >&2; then
  one_owner_after_ms=$((($(fo_now_ns) - heal_ns) / 1000000))
fi
failback=false
fo_wait_status_ms primary '.holding == true and .state == "active"' 5000 >&2 &&
  fo_wait_status_ms secondary '.holding == false' 3000 >&2 && failback=true
yielded=$(fo_status primary '.counters.yielded_to_newer_term' 2>/dev/null || echo null)
fo_wait_exit "$probe" 20 >&2 || true
figures=$(fo_partition_figures "$W/outage.out" "$partition_ns" "$heal_ns" "$primary_mac" "$secondary_mac" "$HOLD_DOWN_MS")
jq -c --argjson took_over "$took_over" --argjson one "$one_owner_after_ms" --argjson failback "$failback" \
  --argjson yielded "${yielded:-null}" --argjson partition_ms "$(((heal_ns - partition_ns) / 1000000))" \
  '{partition_ms: $partition_ms} + . + {one_owner_after_ms: $one, yielded_to_newer_term: $yielded,
    failed: (($took_over and $one != null and $failback and .failback_at_ms != null) | not)}' <<<"$figures"
