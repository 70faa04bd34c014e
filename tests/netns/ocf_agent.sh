#!/usr/bin/env bash
# The OCF resource agent ocf:fastfailover:address (packaging/ocf/address) and
# fo-address, as Pacemaker would run them, on two cluster nodes and a client
# on a LAN bridge (node1 .1, node2 .2, client .50, service .100):
#  1. ocf-tester (Debian's resource-agents) passes on node1, once with the
#     OCF shell functions and once with the agent's own stand-ins;
#  2. validate-all: a bad address is OCF_ERR_CONFIGURED, a missing interface
#     OCF_ERR_ARGS, a missing fo-address OCF_ERR_INSTALLED (a probe then says
#     OCF_NOT_RUNNING);
#  3. start on node1 adds the address (labelled lan0:fo) and its gratuitous
#     ARPs move the client's ARP entry, which pointed elsewhere, to node1
#     (the client sends nothing meanwhile); monitor: 0 on node1, 7 on node2;
#  4. start on node2 while node1 answers for the address: the RFC 5227 probe
#     vetoes it (OCF_ERR_GENERIC) and node2 adds nothing;
#  5. stop on node1 removes it (twice: idempotent); monitor says 7;
#  6. on node2 a Test hook that exits 1 vetoes start; with Test passing, start
#     runs PostAcq with "acquire ADDRESS" and the client's entry moves to
#     node2 by gratuitous ARP; the client reaches the address (fo-probe); stop runs
#     PreRel and PostRel;
#  7. monitor with check_carrier: the address held on a link without carrier
#     is a failure (OCF_ERR_GENERIC);
#  8. a move (stop on node1, start on node2) seen by the client with fo-probe:
#     the answering MAC changes once, never two owners, and the outage lies
#     between the probe window and the whole stop + start (printed).
# usage: ocf_agent.sh HEARTBEATD FO_PROBE ... (fo-address is found in the
# build tree next to heartbeatd's directory)
HEARTBEATD=$1 FO_PROBE=$2
FO_ADDRESS="$(cd "$(dirname "$HEARTBEATD")/.." && pwd)/fo-address/fo-address"
AGENT_SOURCE="$(cd "$(dirname "$0")/../.." && pwd)/packaging/ocf/address"
source "$(dirname "$0")/lib.sh"
fo_require_netns
command -v ocf-tester >/dev/null || fo_skip_or_fail "ocf-tester is not installed (resource-agents)"
command -v xmllint >/dev/null || fo_skip_or_fail "xmllint is not installed (libxml2-utils), ocf-tester needs it"
[[ -x "$FO_ADDRESS" ]] || fo_skip_or_fail "fo-address is not built ($FO_ADDRESS)"
[[ -x "$FO_PROBE" ]] || fo_skip_or_fail "fo-probe is not built ($FO_PROBE)"
OCF_FUNCTIONS=/usr/lib/ocf/lib/heartbeat
[[ -r $OCF_FUNCTIONS/ocf-shellfuncs ]] || fo_skip_or_fail "no $OCF_FUNCTIONS/ocf-shellfuncs (resource-agents)"

W=$FO_WORKDIR
# ocf-tester runs meta-data as nobody: the agent must be reachable by it, as
# in its installed place (OCF_ROOT/resource.d/fastfailover/address, 755).
chmod 755 "$W"
mkdir -p "$W/ocf/resource.d/fastfailover" "$W/no-shellfuncs"
install -m 755 "$AGENT_SOURCE" "$W/ocf/resource.d/fastfailover/address"
AGENT=$W/ocf/resource.d/fastfailover/address

fo_lan lan lan
fo_host node1 node1
fo_host node2 node2
fo_host client client
fo_plug "$lan" "$node1" lan0 198.51.100.1/24 n1-lan
fo_plug "$lan" "$node2" lan0 198.51.100.2/24 n2-lan
fo_plug "$lan" "$client" lan0 198.51.100.50/24 c-lan
SERVICE=198.51.100.100
ELSEWHERE_MAC=02:00:5e:00:53:99 # RFC 7042 documentation range
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }
node1_mac=$(mac_of "$node1")
node2_mac=$(mac_of "$node2")

# agent NS ACTION [OCF_RESKEY_NAME=VALUE...]: runs the agent as the cluster
# would (parameters in the environment), logs to agent.log, prints its rc.
agent() {
  local ns=$1 action=$2 rc=0
  shift 2
  echo "== $action in ${ns##*-} $*" >>"$W/agent.log"
  ip netns exec "$ns" env OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=none OCF_RESOURCE_INSTANCE=service \
    OCF_RESKEY_interface=lan0 OCF_RESKEY_address="$SERVICE/24" OCF_RESKEY_binary="$FO_ADDRESS" \
    OCF_RESKEY_garp_count=3 OCF_RESKEY_garp_interval_ms=50 "$@" "$AGENT" "$action" >>"$W/agent.log" 2>&1 || rc=$?
  echo "$rc"
}
held_on() { ip -n "$1" -o -4 addr show dev lan0 | grep -q " $SERVICE/24 "; }
absent_on() { ! held_on "$1"; }
# client_answers_from MAC|none: 0.3 s of fo-probe outage from the client
# (ICMP echo through its ARP cache): every echo reply came from MAC, or none
# was answered.
client_answers_from() {
  local report
  report=$(ip netns exec "$client" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --rate 100 --duration 0.3 --json \
    2>>"$W/fo-probe.log") || return 1
  [[ -n $report ]] || return 1
  if [[ $1 == none ]]; then
    jq -e '.probes_answered == 0' <<<"$report"
  else
    jq -e --arg mac "$1" '.probes_answered > 0 and (.replies_per_mac | keys) == [$mac]' <<<"$report"
  fi
}
label_on() { ip -n "$1" -j addr show dev lan0 | jq -r --arg a "$SERVICE" '.[0].addr_info[] | select(.local == $a) | .label'; }
# client_entry: the client's ARP entry for the service address (MAC or "none").
client_entry() {
  ip -n "$client" -j neigh show "$SERVICE" dev lan0 | jq -r '.[0].lladdr // "none"'
}
# client_entry_is MAC SECONDS: waits (bounded) for the client's entry to say MAC.
client_entry_is() {
  local mac=$1 deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    [[ "$(client_entry)" == "$mac" ]] && return 0
    sleep 0.05
  done
  echo "client's ARP entry for $SERVICE is $(client_entry), not $mac"
  return 1
}
# point_client_elsewhere: the client believes the address is at another MAC
# (as after a move it has not heard of); only a gratuitous ARP can change that
# while the client sends nothing.
point_client_elsewhere() {
  ip -n "$client" neigh replace "$SERVICE" lladdr "$ELSEWHERE_MAC" dev lan0 nud stale
}
tester() {
  local tag=$1 rc=0
  shift
  ip netns exec "$node1" env OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=none "$@" ocf-tester -n service \
    -o interface=lan0 -o address="$SERVICE/24" -o binary="$FO_ADDRESS" -o garp_count=3 -o garp_interval_ms=50 \
    "$AGENT" >"$W/$tag.log" 2>&1 || rc=$?
  echo "$rc"
}

# 1. ocf-tester.
fo_check "ocf-tester passes with the OCF shell functions" [ "$(tester ocf-tester)" = 0 ]
fo_check "ocf-tester said so" grep -q "passed all tests" "$W/ocf-tester.log"
fo_check "ocf-tester passes with the agent's stand-ins (no ocf-shellfuncs)" \
  [ "$(tester ocf-tester-standins OCF_FUNCTIONS_DIR="$W/no-shellfuncs")" = 0 ]
fo_check "ocf-tester left the address removed" absent_on "$node1"

# 2. validate-all.
fo_check "validate-all: a good configuration is OCF_SUCCESS" [ "$(agent "$node1" validate-all)" = 0 ]
fo_check "validate-all: a network address is OCF_ERR_CONFIGURED (6)" \
  [ "$(agent "$node1" validate-all OCF_RESKEY_address=198.51.100.0/24)" = 6 ]
fo_check "validate-all: no prefix is OCF_ERR_CONFIGURED (6)" \
  [ "$(agent "$node1" validate-all OCF_RESKEY_address=$SERVICE)" = 6 ]
fo_check "validate-all: no address at all is OCF_ERR_CONFIGURED (6)" \
  [ "$(agent "$node1" validate-all OCF_RESKEY_address=)" = 6 ]
fo_check "the reason names the argument" grep -q -- "--address '$SERVICE' has no /PREFIX" "$W/agent.log"
fo_check "validate-all: an interface missing on this node is OCF_ERR_ARGS (2)" \
  [ "$(agent "$node1" validate-all OCF_RESKEY_interface=nosuch0)" = 2 ]
fo_check "validate-all: fo-address missing is OCF_ERR_INSTALLED (5)" \
  [ "$(agent "$node1" validate-all OCF_RESKEY_binary=/nonexistent/fo-address)" = 5 ]
fo_check "a probe without fo-address is OCF_NOT_RUNNING (7)" \
  [ "$(agent "$node1" monitor OCF_RESKEY_binary=/nonexistent/fo-address OCF_RESKEY_CRM_meta_interval=0)" = 7 ]
fo_check "an unknown action is OCF_ERR_UNIMPLEMENTED (3)" [ "$(agent "$node1" promote)" = 3 ]

# 3. start on node1: the address and the client's ARP entry move to it.
point_client_elsewhere
fo_check "monitor before start: OCF_NOT_RUNNING (7)" [ "$(agent "$node1" monitor)" = 7 ]
fo_check "start on node1: OCF_SUCCESS" [ "$(agent "$node1" start)" = 0 ]
fo_check "node1 holds the address" held_on "$node1"
fo_check "labelled lan0:fo" [ "$(label_on "$node1")" = "lan0:fo" ]
fo_check "the client's ARP entry moved to node1 by gratuitous ARP" client_entry_is "$node1_mac" 2
fo_check "monitor on node1: OCF_SUCCESS" [ "$(agent "$node1" monitor)" = 0 ]
fo_check "monitor on node2: OCF_NOT_RUNNING (7)" [ "$(agent "$node2" monitor)" = 7 ]
fo_check "start on node1 again: OCF_SUCCESS (idempotent)" [ "$(agent "$node1" start)" = 0 ]

# 4. The RFC 5227 probe: node1 answers for the address, node2 must not claim it.
fo_check "start on node2 while node1 answers: OCF_ERR_GENERIC (1)" [ "$(agent "$node2" start)" = 1 ]
fo_check "node2 did not add the address" absent_on "$node2"
fo_check "the log names node1's MAC as the holder" grep -q "is answered by $node1_mac" "$W/agent.log"
fo_check "the client's ARP entry still says node1" client_entry_is "$node1_mac" 1
fo_check "the client reaches the address on node1" client_answers_from "$node1_mac"

# 5. stop on node1.
fo_check "stop on node1: OCF_SUCCESS" [ "$(agent "$node1" stop)" = 0 ]
fo_check "node1 no longer holds the address" absent_on "$node1"
fo_check "stop on node1 again: OCF_SUCCESS (idempotent)" [ "$(agent "$node1" stop)" = 0 ]
fo_check "monitor on node1 after stop: OCF_NOT_RUNNING (7)" [ "$(agent "$node1" monitor)" = 7 ]
fo_check "the client gets no answer from the address" client_answers_from none

# 6. Hooks on node2: Test vetoes, then PostAcq, PreRel, PostRel run.
HOOKS=$W/hooks
mkdir -p "$HOOKS/PostAcq" "$HOOKS/PreRel" "$HOOKS/PostRel"
chmod 755 "$HOOKS" "$HOOKS"/*
printf '#!/bin/sh\nexit 1\n' >"$HOOKS/Test"
for phase in PostAcq PreRel PostRel; do
  printf '#!/bin/sh\necho "%s $* $FAILOVER_ACTION $FAILOVER_ADDRESSES $FAILOVER_INTERFACES" >>%s\n' \
    "$phase" "$W/hooks.ran" >"$HOOKS/$phase/10-record"
done
chmod 755 "$HOOKS/Test" "$HOOKS"/*/10-record
point_client_elsewhere
fo_check "start on node2 with a Test hook that exits 1: OCF_ERR_GENERIC (1)" \
  [ "$(agent "$node2" start OCF_RESKEY_hooks_dir="$HOOKS")" = 1 ]
fo_check "the veto added nothing" absent_on "$node2"
fo_check "the veto ran no PostAcq" [ ! -e "$W/hooks.ran" ]
printf '#!/bin/sh\nexit 0\n' >"$HOOKS/Test"
fo_check "start on node2 with Test passing: OCF_SUCCESS" [ "$(agent "$node2" start OCF_RESKEY_hooks_dir="$HOOKS")" = 0 ]
fo_check "node2 holds the address" held_on "$node2"
fo_check "the client's ARP entry moved to node2 by gratuitous ARP" client_entry_is "$node2_mac" 2
fo_check "PostAcq ran with 'acquire ADDRESS' and the FAILOVER_ environment" \
  grep -qx "PostAcq acquire $SERVICE acquire $SERVICE lan0" "$W/hooks.ran"
fo_check "the client reaches the address on node2" client_answers_from "$node2_mac"
fo_check "stop on node2: OCF_SUCCESS" [ "$(agent "$node2" stop OCF_RESKEY_hooks_dir="$HOOKS")" = 0 ]
fo_check "PreRel ran with 'release ADDRESS'" grep -qx "PreRel release $SERVICE release $SERVICE lan0" "$W/hooks.ran"
fo_check "PostRel ran with 'release ADDRESS'" grep -qx "PostRel release $SERVICE release $SERVICE lan0" "$W/hooks.ran"
fo_check "node2 no longer holds the address" absent_on "$node2"

# 7. check_carrier: the bridge's port to node1 goes down, node1's lan0 loses
# its carrier with the address on it.
fo_check "start on node1: OCF_SUCCESS" [ "$(agent "$node1" start)" = 0 ]
ip -n "$lan" link set n1-lan down
fo_check "monitor on a link without carrier: OCF_ERR_GENERIC (1)" [ "$(agent "$node1" monitor)" = 1 ]
fo_check "monitor with check_carrier=false: OCF_SUCCESS" \
  [ "$(agent "$node1" monitor OCF_RESKEY_check_carrier=false)" = 0 ]
fo_check "stop on node1: OCF_SUCCESS" [ "$(agent "$node1" stop)" = 0 ]
ip -n "$lan" link set n1-lan up

# 8. A move as Pacemaker makes it (stop on node1, then start on node2), seen
# by the client with fo-probe at 1 ms: one owner at a time, and an outage
# inside the stop + start, at least the probe window (claimed after probing).
# fo-probe's own ARP probes for the address must not veto the start.
fo_check "start on node1: OCF_SUCCESS" [ "$(agent "$node1" start)" = 0 ]
fo_check "the client reaches node1" client_answers_from "$node1_mac"
fo_spawn "$client" "$W/move" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --until-recovered --duration 20 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/move.log" 10
sleep 0.3 # a baseline of replies from node1 (not synchronisation)
t0=$(date +%s%3N)
stopped=$(agent "$node1" stop)
started=$(agent "$node2" start OCF_RESKEY_probe_ms=100)
t1=$(date +%s%3N)
fo_check "stop on node1 and start on node2: OCF_SUCCESS" [ "$stopped$started" = 00 ]
fo_check "fo-probe saw the outage end" fo_wait_exit "$probe" 25
echo "move by the agent: stop + start took $((t1 - t0)) ms;" \
  "$(jq -c '{outage_ms, owner_changes: [.owner_changes[].to], dual_owner_ms}' "$W/move.out")"
fo_check "the answering MAC changed from node1 to node2" \
  jq -e --arg a "$node1_mac" --arg b "$node2_mac" '[.owner_changes[].to] == [$a, $b]' "$W/move.out"
fo_check "never two owners during the move" jq -e '.dual_owner_windows == []' "$W/move.out"
fo_check "outage at least the 100 ms probe window, at most the stop + start" \
  jq -e ".outage_ms >= 100 and .outage_ms <= $((t1 - t0))" "$W/move.out"
fo_check "stop on node2: OCF_SUCCESS" [ "$(agent "$node2" stop)" = 0 ]

if ((FO_FAILURES > 0)); then
  tail -n 30 "$W/agent.log"
  for log in ocf-tester ocf-tester-standins agent; do
    echo "== $log.log"
    tail -n 60 "$W/$log.log"
  done
fi
fo_finish
