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
#     between the probe window and the whole stop + start (printed);
#  9. IPv6 (2001:db8::100/64; the hosts' own addresses without DAD):
#     ocf-tester passes; validate-all refuses a link-local address and one
#     without prefix; start on node1 sends DAD probes, then unsolicited NAs
#     that move the client's neighbor entry (which pointed elsewhere) to
#     node1 with no solicitation from the client (fo-probe watch), and the
#     client reaches it; start on node2 while node1 holds it: node1's answer
#     to the DAD probe vetoes it; stop removes it; on node2 the hooks get
#     the IPv6 address and its NAs move the client's entry to node2.
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
# Not `ip | grep -q`: grep's early exit can kill ip by SIGPIPE, a failure under pipefail.
held_on() { [[ $(ip -n "$1" -o -4 addr show dev lan0) == *" $SERVICE/24 "* ]]; }
absent_on() { ! held_on "$1"; }
# client_answers_from MAC|none [TARGET]: 0.3 s of fo-probe outage from the
# client (ICMP echo through its ARP or neighbor cache) to TARGET (the IPv4
# service address by default): every echo reply came from MAC, or none was
# answered.
client_answers_from() {
  local report
  report=$(ip netns exec "$client" "$FO_PROBE" outage -i lan0 -t "${2:-$SERVICE}" --rate 100 --duration 0.3 --json \
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
# tester TAG ADDRESS/PREFIX [NAME=VALUE...]: ocf-tester on node1, its rc.
tester() {
  local tag=$1 address=$2 rc=0
  shift 2
  ip netns exec "$node1" env OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=none "$@" ocf-tester -n service \
    -o interface=lan0 -o address="$address" -o binary="$FO_ADDRESS" -o garp_count=3 -o garp_interval_ms=50 \
    "$AGENT" >"$W/$tag.log" 2>&1 || rc=$?
  echo "$rc"
}

# 1. ocf-tester.
fo_check "ocf-tester passes with the OCF shell functions" [ "$(tester ocf-tester "$SERVICE/24")" = 0 ]
fo_check "ocf-tester said so" grep -q "passed all tests" "$W/ocf-tester.log"
fo_check "ocf-tester passes with the agent's stand-ins (no ocf-shellfuncs)" \
  [ "$(tester ocf-tester-standins "$SERVICE/24" OCF_FUNCTIONS_DIR="$W/no-shellfuncs")" = 0 ]
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

# 9. IPv6: the same path with DAD probes and unsolicited NAs.
SERVICE6=2001:db8::100
host6=1
for ns in "$node1" "$node2" "$client"; do
  # DAD off before IPv6 comes up: the hosts' own addresses are usable at once.
  fo_no_dad "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.lan0.accept_dad=0 net.ipv6.conf.all.disable_ipv6=0 \
    net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.lan0.disable_ipv6=0
  ip -n "$ns" addr add "2001:db8::$host6/64" dev lan0 nodad
  host6=$((host6 + 1))
done
agent6() { agent "$1" "$2" OCF_RESKEY_address="$SERVICE6/64" "${@:3}"; }
held6_on() { [[ $(ip -n "$1" -o -6 addr show dev lan0) == *" $SERVICE6/64 "* ]]; }
absent6_on() { ! held6_on "$1"; }
client_entry6() { ip -n "$client" -6 -j neigh show "$SERVICE6" dev lan0 | jq -r '.[0].lladdr // "none"'; }
# client_entry6_is MAC SECONDS: as client_entry_is, for the IPv6 neighbor entry.
client_entry6_is() {
  local mac=$1 deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    [[ "$(client_entry6)" == "$mac" ]] && return 0
    sleep 0.05
  done
  echo "client's neighbor entry for $SERVICE6 is $(client_entry6), not $mac"
  return 1
}
point_client6_elsewhere() {
  ip -n "$client" -6 neigh replace "$SERVICE6" lladdr "$ELSEWHERE_MAC" dev lan0 nud stale
}

fo_check "IPv6: ocf-tester passes" [ "$(tester ocf-tester6 "$SERVICE6/64")" = 0 ]
fo_check "IPv6: ocf-tester said so" grep -q "passed all tests" "$W/ocf-tester6.log"
fo_check "IPv6: ocf-tester left the address removed" absent6_on "$node1"
fo_check "IPv6 validate-all: a good configuration is OCF_SUCCESS" [ "$(agent6 "$node1" validate-all)" = 0 ]
fo_check "IPv6 validate-all: a link-local address is OCF_ERR_CONFIGURED (6)" \
  [ "$(agent "$node1" validate-all OCF_RESKEY_address=fe80::100/64)" = 6 ]
fo_check "the reason says why" grep -q -- "fe80::100 cannot be a service address" "$W/agent.log"
fo_check "IPv6 validate-all: no prefix is OCF_ERR_CONFIGURED (6)" \
  [ "$(agent "$node1" validate-all OCF_RESKEY_address=$SERVICE6)" = 6 ]
fo_check "the reason says the prefix is missing" grep -qF -- "--address '$SERVICE6' has no /PREFIX" "$W/agent.log"

point_client6_elsewhere
fo_spawn "$client" "$W/watch6" "$FO_PROBE" watch -i lan0 --arp --json
watch=$FO_LAST_PID
fo_wait_for "watching" "$W/watch6.log" 10
fo_check "IPv6 monitor before start: OCF_NOT_RUNNING (7)" [ "$(agent6 "$node1" monitor)" = 7 ]
fo_check "IPv6 start on node1: OCF_SUCCESS" [ "$(agent6 "$node1" start)" = 0 ]
fo_check "node1 holds $SERVICE6/64" held6_on "$node1"
fo_check "the client's neighbor entry moved to node1 by unsolicited NA" client_entry6_is "$node1_mac" 2
fo_stop "$watch" INT 5
client_mac=$(mac_of "$client")
na='[.neighbor_adverts[] | select(.source_mac == "'$node1_mac'" and .target == "'$SERVICE6'" and (.solicited | not))]'
dad='[.neighbor_solicits[] | select(.dad and .source_mac == "'$node1_mac'" and .target == "'$SERVICE6'")]'
echo "IPv6 start on the wire: $(jq -c "$dad | length" "$W/watch6.out") DAD probes, $(jq -c "$na | length" \
  "$W/watch6.out") unsolicited NAs from node1, first NA $(jq -c "${na}[0] | del(.time_ns)" "$W/watch6.out")"
fo_check "fo-probe watch saw node1's 3 DAD probes (RFC 4862 5.4.2: from ::) before its NAs" \
  jq -e "($dad | length) == 3 and ($dad | all(.source_ip == \"::\")) and ($dad | map(.time_ns) | max) < ($na | map(.time_ns) | min)" \
  "$W/watch6.out"
fo_check "fo-probe watch saw garp_count = 3 unsolicited NAs (RFC 4861 7.2.6: override, to ff02::1, node1's MAC)" \
  jq -e "($na | length) == 3 and ($na | all(.override and .destination_ip == \"ff02::1\" and
     .target_mac == \"$node1_mac\" and .source_ip == \"$SERVICE6\"))" "$W/watch6.out"
fo_check "the client sent no solicitation for the address meanwhile (its entry moved by the NAs alone)" \
  jq -e --arg mac "$client_mac" --arg target "$SERVICE6" \
    '[.neighbor_solicits[] | select(.source_mac == $mac and .target == $target)] == []' \
  "$W/watch6.out"
fo_check "the client reaches $SERVICE6 on node1" client_answers_from "$node1_mac" "$SERVICE6"
fo_check "IPv6 monitor on node1: OCF_SUCCESS" [ "$(agent6 "$node1" monitor)" = 0 ]
fo_check "IPv6 monitor on node2: OCF_NOT_RUNNING (7)" [ "$(agent6 "$node2" monitor)" = 7 ]

fo_check "IPv6 start on node2 while node1 holds the address: OCF_ERR_GENERIC (1)" [ "$(agent6 "$node2" start)" = 1 ]
fo_check "node2 did not add the IPv6 address" absent6_on "$node2"
fo_check "the log names node1's MAC and the DAD probe" \
  grep -q "$SERVICE6 is answered by $node1_mac on lan0 (DAD probe, RFC 4862)" "$W/agent.log"
fo_check "the client's neighbor entry still says node1" client_entry6_is "$node1_mac" 1

fo_check "IPv6 stop on node1: OCF_SUCCESS" [ "$(agent6 "$node1" stop)" = 0 ]
fo_check "node1 no longer holds the IPv6 address" absent6_on "$node1"
fo_check "IPv6 stop on node1 again: OCF_SUCCESS (idempotent)" [ "$(agent6 "$node1" stop)" = 0 ]
fo_check "IPv6 monitor on node1 after stop: OCF_NOT_RUNNING (7)" [ "$(agent6 "$node1" monitor)" = 7 ]

# While it probes, fo-address's capture joins the address's solicited-node
# group (33:33:ff:00:01:00), where another node's DAD probe goes: a NIC drops
# it unless joined, and node2's kernel does not hold the address yet.
solicited_group_joined() { # NS SECONDS: joined while the kernel does not hold the address (the probe's join)
  local deadline=$((SECONDS + $2)) groups
  while ((SECONDS < deadline)); do
    groups=$(ip -n "$1" maddr show dev lan0)
    absent6_on "$1" || return 1
    [[ $groups == *"link  33:33:ff:00:01:00"* ]] && return 0
    sleep 0.05
  done
  return 1
}
groups_before=$(ip -n "$node2" maddr show dev lan0)
fo_check "node2's lan0 lists its multicast groups (all nodes, 33:33:00:00:00:01, among them)" \
  test "${groups_before/33:33:00:00:00:01/}" != "$groups_before"
fo_check "node2's lan0 has not joined the solicited-node group before the probe" \
  test "${groups_before/link  33:33:ff:00:01:00/}" == "$groups_before"
fo_spawn "$node2" "$W/acquire6" "$FO_ADDRESS" acquire -i lan0 -a "$SERVICE6/64" --probe-ms 2000
acquire=$FO_LAST_PID
fo_check "while fo-address probes, node2's lan0 accepts the solicited-node group" solicited_group_joined "$node2" 2
fo_check "that acquire exits 0" fo_wait_exit_status "$acquire" 10
fo_check "node2 holds the IPv6 address after it" held6_on "$node2"
fo_check "and its release too" ip netns exec "$node2" "$FO_ADDRESS" release -i lan0 -a "$SERVICE6/64"
fo_check "node2 no longer holds the IPv6 address after the release" absent6_on "$node2"

rm -f "$W/hooks.ran"
# The acquire above moved the client's entry to node2 already: point it
# elsewhere, so that only this start's advertisements can move it back.
point_client6_elsewhere
fo_check "the client's IPv6 neighbor entry points elsewhere before the start" test "$(client_entry6)" == "$ELSEWHERE_MAC"
fo_check "IPv6 start on node2 with hooks: OCF_SUCCESS" [ "$(agent6 "$node2" start OCF_RESKEY_hooks_dir="$HOOKS")" = 0 ]
fo_check "node2 holds the IPv6 address" held6_on "$node2"
fo_check "the client's neighbor entry moved to node2 by unsolicited NA" client_entry6_is "$node2_mac" 2
fo_check "PostAcq ran with 'acquire $SERVICE6'" \
  grep -qx "PostAcq acquire $SERVICE6 acquire $SERVICE6 lan0" "$W/hooks.ran"
fo_check "IPv6 stop on node2: OCF_SUCCESS" [ "$(agent6 "$node2" stop OCF_RESKEY_hooks_dir="$HOOKS")" = 0 ]
fo_check "PreRel ran with 'release $SERVICE6'" grep -qx "PreRel release $SERVICE6 release $SERVICE6 lan0" "$W/hooks.ran"
fo_check "PostRel ran with 'release $SERVICE6'" \
  grep -qx "PostRel release $SERVICE6 release $SERVICE6 lan0" "$W/hooks.ran"
fo_check "node2 no longer holds the IPv6 address" absent6_on "$node2"

if ((FO_FAILURES > 0)); then
  tail -n 30 "$W/agent.log"
  for log in ocf-tester ocf-tester-standins ocf-tester6 agent; do
    echo "== $log.log"
    tail -n 60 "$W/$log.log"
  done
fi
fo_finish
