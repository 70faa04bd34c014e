#!/usr/bin/env bash
# One end-to-end trial in its own namespaces (torn down on exit), printing one
# JSON line. Called by failover_bench.sh.
#   failover_trial.sh SYSTEM MODE
#   SYSTEM: keepalived-10ms | keepalived-1s | fastfailover-10ms | fastfailover-1ms
#           | floor-10ms | floor-1ms (mode idle only: build/bench/beat_floor
#           on both links of each host, the least any two-link heartbeat
#           does, with the links and the realtime setting of our configs)
#   MODE:   outage   (pull both of the primary's cables while the client probes)
#           failback (the primary stopped, the secondary took over; the primary
#                     starts again and gets the address back: ours by the
#                     release handshake after the 500 ms hold-down,
#                     keepalived by preemption, its priority being higher)
#           sigterm  (SIGTERM to the holding primary: the handover)
#           idle     (10 s of idle CPU of each daemon: utime+stime, sampled by the
#                     tick, and cpu_percent_exact, the on-CPU time from
#                     /proc/PID/task/*/schedstat in ns; the peak RSS; for
#                     the floor also the frames each link sent and received)
#   failback and sigterm report the longest client-visible gap and the time
#   two MACs answered (fo-probe outage), and whether the right host ended up
#   holding the address.
# FO_BENCH_BUILD=DIR takes the binaries from another build (a before/after
# comparison); FO_BENCH_PERF_DIR=DIR records `perf record -g` of each daemon
# (ours or the floor) during the idle mode (bench/profile_idle.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SYSTEM=$1 MODE=$2
REALTIME=${FO_BENCH_REALTIME:+--realtime}
BUILD=${FO_BENCH_BUILD:-$ROOT/build}
HEARTBEATD=$BUILD/tools/heartbeatd/heartbeatd
FAILOVERD=$BUILD/tools/failoverd/failoverd
FO_PROBE=$BUILD/tools/fo-probe/fo-probe
FOCTL=$BUILD/tools/foctl/foctl
BEAT_FLOOR=$BUILD/bench/beat_floor
case $SYSTEM in
  keepalived-10ms) interval=10 advert=0.01 ;;
  keepalived-1s) interval=1000 advert=1 ;;
  fastfailover-10ms) interval=10 ;;
  fastfailover-1ms) interval=1 ;;
  floor-10ms) interval=10 ;;
  floor-1ms) interval=1 ;;
  *) echo "unknown system $SYSTEM" >&2; exit 2 ;;
esac
if [[ $SYSTEM == floor-* && $MODE != idle ]]; then
  echo "system $SYSTEM measures mode idle only, not '$MODE' (it detects nothing and holds no address)" >&2
  exit 2
fi
source "$ROOT/tests/netns/lib.sh"
fo_require_netns >&2
fo_failover_pair "$interval" 3 2000 >&2
W=$FO_WORKDIR

keepalived_conf() { # ROLE PRIORITY
  cat <<CONF
global_defs {
  router_id $1
  vrrp_version 3
  script_user root
  enable_script_security
}
vrrp_instance failover {
  state $([[ $1 == primary ]] && echo MASTER || echo BACKUP)
  interface lan0
  virtual_router_id 51
  priority $2
  advert_int $advert
  virtual_ipaddress {
    $SERVICE/24 dev lan0
  }
}
CONF
}

floor_arguments() { # ROLE: beat_floor's links, interval and realtime from ROLE's config (one line each)
  echo --interval-us
  echo $((interval * 1000))
  grep -qx 'realtime = true' "$W/$1.toml" && echo --realtime
  awk -F' = ' '$1 == "interface" { link = $2 } $1 == "peer" { print "--link"; print link "," $2 }' "$W/$1.toml" |
    tr -d '"'
}

start_daemon() { # ROLE: sets PRIMARY_PID or SECONDARY_PID
  local role=$1 ns=$primary log
  [[ $role == secondary ]] && ns=$secondary
  log=$W/$role-$((++STARTS))
  if [[ $SYSTEM == keepalived-* ]]; then
    fo_spawn "$ns" "$log" keepalived --dont-fork --log-console --vrrp -f "$W/ka-$role.conf" \
      -p "$W/ka-$role.pid" -r "$W/ka-$role-vrrp.pid"
  elif [[ $SYSTEM == floor-* ]]; then
    local arguments
    mapfile -t arguments < <(floor_arguments "$role")
    fo_spawn "$ns" "$log" "$BEAT_FLOOR" "${arguments[@]}"
    fo_wait_for running "$log.out" 10 >&2
  elif [[ $role == primary ]]; then
    fo_spawn "$ns" "$log" "$HEARTBEATD" --config "$W/primary.toml" $REALTIME
  else
    fo_spawn "$ns" "$log" "$FAILOVERD" --config "$W/secondary.toml" $REALTIME
  fi
  if [[ $role == primary ]]; then PRIMARY_PID=$FO_LAST_PID; else SECONDARY_PID=$FO_LAST_PID; fi
}
STARTS=0

holds() { ip -n "$1" -br addr show lan0 | grep -q "$SERVICE"; }
wait_holds() { # NS WHAT
  local deadline=$((SECONDS + 20))
  until holds "$1"; do
    ((SECONDS < deadline)) || { echo "$2 never took the address" >&2; return 1; }
    sleep 0.02
  done
}
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }

start_system() {
  if [[ $SYSTEM == keepalived-* ]]; then
    keepalived_conf primary 150 >"$W/ka-primary.conf"
    keepalived_conf secondary 100 >"$W/ka-secondary.conf"
  fi
  start_daemon primary
  start_daemon secondary
  # Settled: the primary holds the address and the pair has exchanged beats
  # (the floor holds none: both are running).
  [[ $SYSTEM == floor-* ]] || wait_holds "$primary" primary
  sleep "$([[ $SYSTEM == keepalived-1s ]] && echo 4 || echo 1)"
}

namespace_cpu_ticks() { # NS: utime+stime of every process in it
  local total=0 pid
  for pid in $(ip netns pids "$1"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
namespace_cpu_ns() { # NS: on-CPU time of every thread in it (schedstat, ns; not tick-sampled)
  local total=0 pid
  for pid in $(ip netns pids "$1"); do
    total=$((total + $(cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{t += $1} END {print t + 0}')))
  done
  echo "$total"
}
namespace_peak_rss_kb() { # NS: the sum of VmHWM of every process in it
  local total=0 pid
  for pid in $(ip netns pids "$1"); do
    total=$((total + $(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

start_system
if [[ $MODE == idle ]]; then
  hz=$(getconf CLK_TCK)
  p0=$(namespace_cpu_ticks "$primary") s0=$(namespace_cpu_ticks "$secondary")
  pn0=$(namespace_cpu_ns "$primary") sn0=$(namespace_cpu_ns "$secondary")
  perf_pids=()
  if [[ -n ${FO_BENCH_PERF_DIR:-} && $SYSTEM != keepalived-* ]]; then
    # Profile of each daemon over the same 10 s (bench/profile_idle.sh).
    for role in primary secondary; do
      pid_var=${role^^}_PID
      perf record -q -g -F 4999 -p "${!pid_var}" -o "$FO_BENCH_PERF_DIR/$SYSTEM-$role.data" -- sleep 10 \
        >/dev/null 2>&1 &
      perf_pids+=($!)
    done
  fi
  sleep 10
  for pid in "${perf_pids[@]}"; do wait "$pid" || true; done
  p1=$(namespace_cpu_ticks "$primary") s1=$(namespace_cpu_ticks "$secondary")
  pn1=$(namespace_cpu_ns "$primary") sn1=$(namespace_cpu_ns "$secondary")
  prss=$(namespace_peak_rss_kb "$primary") srss=$(namespace_peak_rss_kb "$secondary")
  frames=null
  if [[ $SYSTEM == floor-* ]]; then
    # Each prints its links' counts when stopped: proof that both ends beat.
    fo_stop "$PRIMARY_PID" TERM 5 >&2
    fo_stop "$SECONDARY_PID" TERM 5 >&2
    cat "$W"/primary-*.out "$W"/secondary-*.out >&2
    frames=$(for role in primary secondary; do
      sed -n 's/^link \([^:]*\): sent \([0-9]*\), received \([0-9]*\), to \([a-z]*\), send errors \([0-9]*\), read errors \([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' \
        "$W/$role-"*.out |
        jq -R --arg role "$role" 'split(" ")
          | {($role): {(.[0]): {sent: (.[1] | tonumber), received: (.[2] | tonumber), to: .[3],
                                send_errors: (.[4] | tonumber), read_errors: (.[5] | tonumber)}}}'
    done | jq -cs 'reduce .[] as $x ({}; . * $x)')
    # A floor that did not beat both ways on every link measured nothing.
    if ! jq -e '[.primary, .secondary] | all(. != null and length == 2
          and all(.[]; .sent > 0 and .received > 0 and .send_errors == 0 and .read_errors == 0))' \
        <<<"$frames" >/dev/null; then
      echo "the floor did not beat both ways on both links without errors: $frames" >&2
      exit 1
    fi
  fi
  jq -cn --arg system "$SYSTEM" --argjson hz "$hz" --argjson p "$((p1 - p0))" --argjson s "$((s1 - s0))" \
    --argjson pn "$((pn1 - pn0))" --argjson sn "$((sn1 - sn0))" \
    --argjson prss "$prss" --argjson srss "$srss" --argjson frames "$frames" \
    '{system: $system, mode: "idle",
      cpu_percent: {primary: ($p / $hz / 10 * 100), secondary: ($s / $hz / 10 * 100)},
      cpu_percent_exact: {primary: ($pn / 1e8 * 1000 | round / 1000), secondary: ($sn / 1e8 * 1000 | round / 1000)},
      peak_rss_kb: {primary: $prss, secondary: $srss}}
     | if $frames == null then . else .frames = $frames end'
  exit 0
fi

bound=$([[ $SYSTEM == keepalived-1s ]] && echo 30 || echo 15)
start_probe() {
  fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --until-recovered --duration "$bound" --json
  probe=$FO_LAST_PID
  fo_wait_for "probing" "$W/outage.log" 10 >&2
  sleep 0.5
}
report() { # EXPECTED_OWNER_NS: one JSON line from the probe's report
  fo_wait_exit "$probe" $((bound + 10)) >&2 || true
  jq -c --arg system "$SYSTEM" --arg mode "$MODE" --arg owner "$(mac_of "$1")" \
    '{system: $system, mode: $mode, outage_ms: .outage_ms, dual_owner_ms: .dual_owner_ms,
      recovered_by_expected: ((.owner_changes | last | .to) == $owner),
      failed: (((.owner_changes | last | .to) != $owner)
               # a failure gives no warning: the client must miss at least a probe
               or (.outage_ms == 0 and ($mode == "outage" or (.owner_changes | length) < 2)))}
     | if $mode == "outage" then .recovered_by_secondary = .recovered_by_expected else . end' "$W/outage.out"
}

case $MODE in
  outage)
    start_probe
    # The private cable first, then the LAN: the primary cannot say goodbye on
    # either, so the secondary must detect the silence (no graceful handover).
    ip -n "$primary" link set priv0 down
    ip -n "$lan" link set p-lan down
    report "$secondary"
    ;;
  sigterm)
    start_probe
    kill -TERM "$PRIMARY_PID"
    report "$secondary"
    ;;
  failback)
    fo_stop "$PRIMARY_PID" TERM 10 >&2
    wait_holds "$secondary" secondary
    sleep 1
    start_probe
    start_daemon primary
    report "$primary"
    ;;
  *) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
