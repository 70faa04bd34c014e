#!/usr/bin/env bash
# One end-to-end trial in its own namespaces (torn down on exit), printing one
# JSON line. Called by failover_bench.sh.
#   failover_trial.sh SYSTEM MODE
#   SYSTEM: keepalived-10ms | keepalived-1s | fastfailover-10ms | fastfailover-1ms
#   MODE:   outage (pull both of the primary's cables while the client probes)
#           idle   (10 s of idle CPU and the peak RSS of each daemon)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SYSTEM=$1 MODE=$2
REALTIME=${FO_BENCH_REALTIME:+--realtime}
HEARTBEATD=$ROOT/build/tools/heartbeatd/heartbeatd
FAILOVERD=$ROOT/build/tools/failoverd/failoverd
FO_PROBE=$ROOT/build/tools/fo-probe/fo-probe
FOCTL=$ROOT/build/tools/foctl/foctl
source "$ROOT/tests/netns/lib.sh"
fo_require_netns >&2

case $SYSTEM in
  keepalived-10ms) interval=10 advert=0.01 ;;
  keepalived-1s) interval=1000 advert=1 ;;
  fastfailover-10ms) interval=10 ;;
  fastfailover-1ms) interval=1 ;;
  *) echo "unknown system $SYSTEM" >&2; exit 2 ;;
esac
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

start_system() {
  if [[ $SYSTEM == keepalived-* ]]; then
    keepalived_conf primary 150 >"$W/ka-primary.conf"
    keepalived_conf secondary 100 >"$W/ka-secondary.conf"
    for role in primary secondary; do
      local ns=$primary
      [[ $role == secondary ]] && ns=$secondary
      fo_spawn "$ns" "$W/ka-$role" keepalived --dont-fork --log-console --vrrp -f "$W/ka-$role.conf" \
        -p "$W/ka-$role.pid" -r "$W/ka-$role-vrrp.pid"
    done
  else
    fo_spawn "$primary" "$W/primary" "$HEARTBEATD" --config "$W/primary.toml" $REALTIME
    fo_spawn "$secondary" "$W/secondary" "$FAILOVERD" --config "$W/secondary.toml" $REALTIME
  fi
  # Settled: the primary holds the address and the pair has exchanged beats.
  local deadline=$((SECONDS + 20))
  until ip -n "$primary" -br addr show lan0 | grep -q "$SERVICE"; do
    ((SECONDS < deadline)) || { echo "primary never took the address" >&2; return 1; }
    sleep 0.05
  done
  sleep "$([[ $SYSTEM == keepalived-1s ]] && echo 4 || echo 1)"
}

namespace_cpu_ticks() { # NS: utime+stime of every process in it
  local total=0 pid
  for pid in $(ip netns pids "$1"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
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
  sleep 10
  p1=$(namespace_cpu_ticks "$primary") s1=$(namespace_cpu_ticks "$secondary")
  jq -cn --arg system "$SYSTEM" --argjson hz "$hz" --argjson p "$((p1 - p0))" --argjson s "$((s1 - s0))" \
    --argjson prss "$(namespace_peak_rss_kb "$primary")" --argjson srss "$(namespace_peak_rss_kb "$secondary")" \
    '{system: $system, mode: "idle",
      cpu_percent: {primary: ($p / $hz / 10 * 100), secondary: ($s / $hz / 10 * 100)},
      peak_rss_kb: {primary: $prss, secondary: $srss}}'
  exit 0
fi

bound=$([[ $SYSTEM == keepalived-1s ]] && echo 30 || echo 15)
fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --until-recovered --duration "$bound" --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10 >&2
sleep 0.5
# The private cable first, then the LAN: the primary cannot say goodbye on
# either, so the secondary must detect the silence (no graceful handover).
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_exit "$probe" $((bound + 10)) >&2 || true
secondary_mac=$(ip -n "$secondary" -j link show lan0 | jq -r '.[0].address')
jq -c --arg system "$SYSTEM" --arg secondary "$secondary_mac" \
  '{system: $system, mode: "outage", outage_ms: .outage_ms, dual_owner_ms: .dual_owner_ms,
    recovered_by_secondary: ((.owner_changes | last | .to) == $secondary),
    failed: ((.outage_ms == 0) or ((.owner_changes | last | .to) != $secondary))}' "$W/outage.out"
