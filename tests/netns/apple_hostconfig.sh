#!/usr/bin/env bash
# Apple's model, from OS X Server's /etc/hostconfig keys: the service address
# is the primary's own public address (FAILOVER_PEER_IP_PAIRS on the
# secondary names it). Pull the primary's cables: the secondary answers for
# the primary's address; plug them back: the primary gets its own address
# back without a moment of two owners (Apple's flaw was a duplicate address).
# usage: apple_hostconfig.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
fo_failover_pair 10 3 1000
W=$FO_WORKDIR
PRIMARY_IP=198.51.100.1
cat >"$W/hostconfig-primary" <<'HC'
HOSTNAME=-AUTOMATIC-
FAILOVER_BCAST_IPS="198.51.100.2 203.0.113.2"
FAILOVER_EMAIL_RECIPIENT=admin@example.com
HC
cat >"$W/hostconfig-secondary" <<'HC'
FAILOVER_PEER_IP_PAIRS="en0:198.51.100.1"
FAILOVER_PEER_IP="203.0.113.1"
FAILOVER_EMAIL_RECIPIENT=admin@example.com
HC
common=(--key-file "$PAIR_KEY" --interval 10ms)
fo_spawn "$primary" "$W/primary" "$HEARTBEATD" --hostconfig "$W/hostconfig-primary" "${common[@]}" --node-id 1 \
  --status-socket "$W/primary.sock"
fo_spawn "$secondary" "$W/secondary" "$FAILOVERD" --hostconfig "$W/hostconfig-secondary" \
  --interface-map en0=lan0,fw0=priv0 "${common[@]}" --node-id 2 --status-socket "$W/secondary.sock"
fo_wait_status primary '.holding' 15
fo_wait_status secondary '.peer.state == "alive"' 10
fo_check "hostconfig: the primary manages its own address" \
  test "$(fo_status primary '.addresses_configured[0]')" == "$PRIMARY_IP/24@lan0"
fo_check "hostconfig: the secondary stands by for it" \
  test "$(fo_status secondary '.addresses_configured[0]')" == "$PRIMARY_IP/24@lan0"
secondary_mac=$(ip -n "$secondary" -j link show lan0 | jq -r '.[0].address')
primary_mac=$(ip -n "$primary" -j link show lan0 | jq -r '.[0].address')

fo_spawn "$client" "$W/takeover" "$FO_PROBE" outage -i lan0 -t "$PRIMARY_IP" --until-recovered --duration 20 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/takeover.log" 10
sleep 0.3
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_exit "$probe" 25 || true
echo "   takeover: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to]}' "$W/takeover.out")"
fo_check "the secondary answers for the primary's address" \
  jq -e ".outage_ms < 500 and .owner_changes[-1].to == \"$secondary_mac\"" "$W/takeover.out"

fo_spawn "$client" "$W/failback" "$FO_PROBE" outage -i lan0 -t "$PRIMARY_IP" --duration 14 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/failback.log" 10
sleep 0.3
ip -n "$lan" link set p-lan up
ip -n "$primary" link set priv0 up
fo_wait_status primary '.holding' 25 # hostconfig: the default 10 s failback hold-down
fo_wait_exit "$probe" 10 || true
echo "   failback: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to], dual_owner_ms}' "$W/failback.out")"
fo_check "the primary has its own address back" \
  jq -e ".owner_changes[-1].to == \"$primary_mac\"" "$W/failback.out"
fo_check "never two owners of the primary's address" jq -e '.dual_owner_windows == []' "$W/failback.out"
fo_check "the secondary let it go" test "$(fo_status secondary '.holding')" == false
fo_finish
