#!/usr/bin/env bash
# The demo (README command 1): builds everything, then runs a live failover in
# network namespaces: a LAN (a bridge) with primary, secondary and a client,
# and a private link between the two servers. heartbeatd and failoverd beat
# every 10 ms on both links; the client probes the service address 1000
# times a second with fo-probe. The demo pulls the primary's cables, prints
# the outage the client saw, plugs them back and shows the clean failback.
# Everything lives in namespaces made here and is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build >/dev/null
echo "built."

HEARTBEATD=$PWD/build/tools/heartbeatd/heartbeatd
FAILOVERD=$PWD/build/tools/failoverd/failoverd
FO_PROBE=$PWD/build/tools/fo-probe/fo-probe
FOCTL=$PWD/build/tools/foctl/foctl
source tests/netns/lib.sh
fo_require_netns
fo_failover_pair 10 3 2000
W=$FO_WORKDIR

show() { # ROLE
  "$FOCTL" --socket "$W/$1.sock" status | sed 's/^/     /'
}
outage() { # FILE
  jq -r '"     client: \(.probes_sent) probes, outage \(.outage_ms * 1000 | round / 1000) ms at \(.resolution_ms) ms resolution; answering MAC \([.owner_changes[] | .to] | join(" -> ")); two MACs at once: \(.dual_owner_ms) ms"' "$1"
}

echo
echo "== topology: LAN 198.51.100.0/24 (primary .1, secondary .2, client .50), private link 203.0.113.0/24,"
echo "   service address $SERVICE; beats every 10 ms, a link is down after 3 missed beats"
fo_spawn "$primary" "$W/primary" "$HEARTBEATD" --config "$W/primary.toml"
fo_spawn "$secondary" "$W/secondary" "$FAILOVERD" --config "$W/secondary.toml"
fo_wait_status primary '.holding' 15
fo_wait_status secondary '.peer.state == "alive"' 10
sleep 0.5
echo
echo "== both daemons up (foctl status)"
echo "   primary:"
show primary
echo "   secondary:"
show secondary

echo
echo "== pulling both of the primary's cables (LAN and private link) while the client probes"
fo_spawn "$client" "$W/outage-takeover" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --until-recovered --duration 20 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage-takeover.log" 10
sleep 0.5
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_exit "$probe" 25 || true
outage "$W/outage-takeover.out"
echo "   secondary now:"
show secondary
echo "   the secondary's log:"
grep -E "peer:|acquired|notify" "$W/secondary.log" | sed 's/^/     /'

echo
echo "== plugging the primary back in: failback after a 500 ms hold-down"
fo_spawn "$client" "$W/outage-failback" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --duration 4 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage-failback.log" 10
sleep 0.3
ip -n "$lan" link set p-lan up
ip -n "$primary" link set priv0 up
fo_wait_status primary '.holding' 15
fo_wait_exit "$probe" 10 || true
outage "$W/outage-failback.out"
echo "   primary now:"
show primary
echo "   the primary's log:"
grep -E "role primary|acquired|released|peer says" "$W/primary.log" | tail -n 6 | sed 's/^/     /'
echo
echo "demo done; tearing everything down."
