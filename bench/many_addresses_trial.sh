#!/usr/bin/env bash
# Many service addresses at 10 ms x 3 (issue 10): per trial, the standard
# pair topology (tests/netns/lib.sh) with COUNT addresses (198.51.100.100/24
# first, then 198.18.0.1/32 onwards), settle, pull both of the primary's
# cables (private first: a timeout takeover), and measure on the client:
#   first_outage_ms      fo-probe outage of the first address (ICMP, 1 ms resolution)
#   last_first_garp_ms   the last address's first gratuitous ARP from the
#                        secondary (fo-probe watch --arp, pcap time) after the
#                        secondary's decision (its log line "-> DEAD", ms
#                        resolution, truncated: up to 1 ms too early)
#   first_garp_ms        the same for the first address
#   probes               RFC 5227 probes the secondary sent during the capture
#   dead_before_cut      times the secondary declared the peer dead while settling (should be 0)
# FO_GARP_RATE=N sets garp.frames_per_second (default: the daemon's);
# FO_KEEP_LOG=FILE keeps the secondary's log of a --one trial.
# Root; not run by CI. Prints one JSON line per trial and a summary (median,
# min, max per count) and writes it to --json.
#   bash bench/many_addresses_trial.sh [--trials 10] [--counts "1 1000"] [--build DIR] [--json FILE]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TRIALS=10 COUNTS="1 1000" BUILD=$ROOT/build JSON= ONE=
while (($#)); do
  case $1 in
    --trials) TRIALS=$2; shift 2 ;;
    --counts) COUNTS=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --json) JSON=$2; shift 2 ;;
    --one) ONE=$2; shift 2 ;; # internal: one trial with COUNT addresses
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
JSON=${JSON:-$BUILD/many_addresses.json}
HEARTBEATD=$BUILD/tools/heartbeatd/heartbeatd
FAILOVERD=$BUILD/tools/failoverd/failoverd
FO_PROBE=$BUILD/tools/fo-probe/fo-probe
FOCTL=$BUILD/tools/foctl/foctl

if [[ -z $ONE ]]; then
  results=()
  for count in $COUNTS; do
    for ((trial = 1; trial <= TRIALS; trial++)); do
      line=$(bash "$0" --one "$count" --build "$BUILD" || echo '{"failed": true, "count": '"$count"'}')
      echo "$line"
      results+=("$line")
    done
  done
  printf '%s\n' "${results[@]}" | jq -s --arg host "$(uname -srm)" --arg cpus "$(nproc)" '
    def stats(f): [.[] | f | select(. != null)] | sort
      | if length == 0 then null
        else {min: .[0], median: (if length % 2 == 1 then .[length / 2 | floor]
                                  else (.[length / 2 - 1] + .[length / 2]) / 2 end), max: .[-1]} end;
    {interval_ms: 10, miss_count: 3, host: $host, cpus: $cpus, trials: .,
     summary: (group_by(.count) | map({count: .[0].count, runs: length,
       failed: ([.[] | select(.failed)] | length),
       first_outage_ms: ([.[] | select(.failed | not)] | stats(.first_outage_ms)),
       first_garp_ms: ([.[] | select(.failed | not)] | stats(.first_garp_ms)),
       last_first_garp_ms: ([.[] | select(.failed | not)] | stats(.last_first_garp_ms)),
       probes: ([.[] | select(.failed | not)] | stats(.probes))}))}' >"$JSON"
  jq -c '.summary[]' "$JSON"
  echo "written: $JSON"
  exit 0
fi

source "$ROOT/tests/netns/lib.sh"
fo_require_netns >&2
COUNT=$ONE
fo_failover_pair 10 3 2000 >&2
W=$FO_WORKDIR
extra_address() { echo "198.18.$((($1 + 1) / 250)).$((($1 + 1) % 250 + 1))"; }
for role in primary secondary; do
  [[ -z ${FO_GARP_RATE:-} ]] || sed -i "s/^interval_ms = 50$/interval_ms = 50\nframes_per_second = $FO_GARP_RATE/" "$W/$role.toml"
  for ((i = 0; i < COUNT - 1; i++)); do
    printf '\n[[address]]\ninterface = "lan0"\naddress = "%s/32"\n' "$(extra_address "$i")"
  done >>"$W/$role.toml"
done
ip -n "$client" addr add 198.18.255.50/16 dev lan0
for ns in "$primary" "$secondary"; do ip -n "$ns" route add 198.18.0.0/16 dev lan0; done
secondary_mac=$(ip -n "$secondary" -j link show lan0 | jq -r '.[0].address')

fo_spawn "$primary" "$W/primary" "$HEARTBEATD" --config "$W/primary.toml"
fo_spawn "$secondary" "$W/secondary" "$FAILOVERD" --config "$W/secondary.toml"
fo_wait_status primary ".addresses_held | length == $COUNT" 30 >&2
fo_wait_status secondary '.peer.state == "alive"' 10 >&2
sleep 1
fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --until-recovered --duration 15 --json
probe=$FO_LAST_PID
fo_spawn "$client" "$W/watch" "$FO_PROBE" watch -i lan0 --arp --duration 3 --json
watch=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10 >&2
fo_wait_for "watching" "$W/watch.log" 10 >&2
sleep 0.5
cut_ms=$(($(date +%s%3N) % 86400000))
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_exit "$probe" 25 >&2 || true
fo_wait_exit "$watch" 15 >&2 || true
fo_wait_status secondary ".addresses_held | length == $COUNT" 10 >&2 || true
# The decision: the first "peer: ... -> DEAD" after the cut.
decision_ms= dead_before_cut=0
while read -r line; do
  at=$(fo_log_ms "$line")
  if ((at < cut_ms)); then dead_before_cut=$((dead_before_cut + 1)); continue; fi
  decision_ms=$at
  break
done < <(grep -- 'peer: .* -> DEAD' "$W/secondary.log")
if [[ -z $decision_ms ]]; then
  grep -- '-> DEAD' "$W/secondary.log" >&2 || true
  echo "no decision after the cut at $cut_ms" >&2
  exit 1
fi
[[ -z ${FO_KEEP_LOG:-} ]] || cp "$W/secondary.log" "$FO_KEEP_LOG"
jq -c --argjson count "$COUNT" --argjson decision "$decision_ms" --arg mac "$secondary_mac" \
  --argjson dead_before_cut "$dead_before_cut" \
  --slurpfile outage "$W/outage.out" --argjson held "$(fo_status secondary '.addresses_held | length')" '
  [.arp[] | select(.sender_mac == $mac)] as $ours
  | [$ours[] | select(.kind == "gratuitous-request")] as $garps
  | ($garps | group_by(.sender_ip) | map({ip: .[0].sender_ip, t: (map(.time_ns) | min)})) as $first
  | def since_decision(ns): (ns / 1e6) as $ms | $ms - 86400000 * (($ms / 86400000) | floor) - $decision;
  {count: $count, held: $held, first_outage_ms: $outage[0].outage_ms,
   dual_owner_ms: $outage[0].dual_owner_ms,
   first_garp_ms: (if ($garps | length) > 0 then since_decision($garps[0].time_ns) else null end),
   last_first_garp_ms: (if ($first | length) > 0 then since_decision($first | map(.t) | max) else null end),
   announced: ($first | length), probes: ([$ours[] | select(.kind == "probe")] | length),
   arp_dropped: .arp_dropped, dead_before_cut: $dead_before_cut,
   failed: (($first | length) != $count or $held != $count or $outage[0].outage_ms == 0)}' "$W/watch.out"
