#!/usr/bin/env bash
# Two independent pairs on the same two hosts, each run with the command
# lines of the templated units (packaging/heartbeatd@.service on the primary
# host, failoverd@.service on the secondary host; instances "a" and "b"): each
# pair its own configuration file, UDP port, key, service address and control
# socket (the units' /etc/fastfailover and /run re-rooted under the test's
# directory). Both pairs come up with no frame of one counted by the other
# (different keys: cross-talk would show as bad MACs); stopping pair a's
# primary (SIGTERM, as `systemctl stop heartbeatd@a`) moves only pair a's address; pair b does not notice.
# usage: template_pairs.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
UNITS="$(dirname "$0")/../../packaging"
source "$(dirname "$0")/lib.sh"
fo_require_netns
fo_failover_pair 10 3 3000
W=$FO_WORKDIR
mkdir -p "$W/etc"
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }

# unit_command UNIT KEY INSTANCE: the unit's command line for INSTANCE, with
# the build's binaries and the test's directories.
unit_command() {
  local line
  line=$(grep -m1 "^$2=" "$UNITS/$1")
  line=${line#*=}
  line=${line//%i/$3}
  line=${line//\/etc\/fastfailover\//$W/etc/}
  line=${line//\/run\//$W/run/}
  line=${line//\/usr\/sbin\/heartbeatd/$HEARTBEATD}
  echo "${line//\/usr\/sbin\/failoverd/$FAILOVERD}"
}

declare -A service=([a]=198.51.100.100 [b]=198.51.100.101) port=([a]=1694 [b]=1794) pid=()
for pair in a b; do
  fo_key_file key "$pair.key"
  for role in primary secondary; do
    daemon=heartbeatd
    [[ $role == secondary ]] && daemon=failoverd
    # The pair's file: the standard pair's, with its own port, key and address
    # (the socket comes from the unit's --status-socket).
    { echo "port = ${port[$pair]}"; sed -e "s|^auth_key_file = .*|auth_key_file = \"$key\"|" \
      -e "s|^status_socket = .*||" -e "s|198.51.100.100/24|${service[$pair]}/24|" "$W/$role.toml"; } \
      >"$W/etc/$daemon-$pair.toml"
    mkdir -p "$W/run/fastfailover-$pair" # the unit's RuntimeDirectory
    read -r -a pre <<<"$(unit_command "$daemon@.service" ExecStartPre "$pair")"
    read -r -a start <<<"$(unit_command "$daemon@.service" ExecStart "$pair")"
    [[ $pair == a && $role == primary ]] && echo "   $daemon@$pair: ${start[*]}"
    ns=$primary
    [[ $role == secondary ]] && ns=$secondary
    fo_check "$daemon@$pair: ExecStartPre (--check-config) passes" ip netns exec "$ns" "${pre[@]}"
    fo_spawn "$ns" "$W/$daemon-$pair" "${start[@]}"
    pid[$daemon-$pair]=$FO_LAST_PID
  done
done
# fo_status ROLE reads $W/ROLE.sock: the units' sockets are run/fastfailover-PAIR/DAEMON.sock.
sock() { echo "run/fastfailover-$1/$2"; }

echo "== both pairs up at once"
for pair in a b; do
  fo_wait_status "$(sock $pair heartbeatd)" '.holding' 15
  fo_wait_status "$(sock $pair failoverd)" '.peer.state == "alive"' 10
  fo_check "pair $pair: the primary holds ${service[$pair]} only" \
    test "$(fo_status "$(sock $pair heartbeatd)" ".addresses_held | length == 1 and (.[0] | startswith(\"${service[$pair]}/\"))")" == true
done
sleep 0.5 # some beats of both pairs on the same links (not synchronisation)
for pair in a b; do
  for daemon in heartbeatd failoverd; do
    fo_check "$daemon@$pair: no bad MAC, no authentication alarm (no frame of the other pair counted)" \
      test "$(fo_status "$(sock $pair $daemon)" '.drops.bad_mac + .counters.authentication_alarms')" -eq 0
  done
done

echo "== stop pair a's primary (systemctl stop heartbeatd@a: SIGTERM): only pair a fails over"
fo_stop "${pid[heartbeatd-a]}" TERM 5
fo_wait_status "$(sock a failoverd)" '.holding' 5
fo_check "pair a: the secondary holds ${service[a]} only" \
  test "$(fo_status "$(sock a failoverd)" ".addresses_held | length == 1 and (.[0] | startswith(\"${service[a]}/\"))")" == true
fo_never_status "$(sock b failoverd)" '.holding or .peer.state != "alive"' 2
fo_check "pair b: the primary still holds ${service[b]}" test "$(fo_status "$(sock b heartbeatd)" '.holding')" == true
fo_check "pair b: its secondary still standby, peer alive" \
  test "$(fo_status "$(sock b failoverd)" '"\(.holding) \(.peer.state)"')" == "false alive"
# The client (fo-probe outage, 0.5 s of echoes): who answers each address.
for pair in a b; do
  fo_spawn "$client" "$W/probe-$pair" "$FO_PROBE" outage -i lan0 -t "${service[$pair]}" --duration 0.5 --json
  fo_wait_exit "$FO_LAST_PID" 10
done
fo_check "the client's echoes to ${service[a]} come from the secondary only" \
  jq -e ".replies_per_mac | keys == [\"$(mac_of "$secondary")\"]" "$W/probe-a.out"
fo_check "the client's echoes to ${service[b]} come from the primary only" \
  jq -e ".replies_per_mac | keys == [\"$(mac_of "$primary")\"]" "$W/probe-b.out"
fo_finish
