#!/usr/bin/env bash
# The real daemons on the standard pair topology (lib.sh fo_failover_pair),
# 10 ms x 3. Proof items of the daemons issue:
#  1. pull both of the primary's cables, the private link first (so the
#     primary cannot hand over on it): a timeout takeover, the secondary
#     answers the client within 500 ms and the client's ARP entry holds the
#     secondary's MAC;
#  3. plug them back: clean failback, no two MACs answering at once;
#  7. SIGTERM on the primary: the secondary takes over on the handover
#     (status: the primary's sender state `stopping`, the reason of the
#     takeover) faster than a timeout takeover could (< 3 x 10 ms);
#  8. pull only the primary's LAN cable: the secondary takes over at once.
# usage: failover_pair.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
fo_failover_pair 10 3 3000
W=$FO_WORKDIR
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }
primary_mac=$(mac_of "$primary")
secondary_mac=$(mac_of "$secondary")


echo "== 1. pull both of the primary's cables"
fo_start_pair one
fo_check "primary holds the service address at start" \
  test "$(fo_status primary '.addresses_held | length')" -eq 1
fo_spawn "$client" "$W/outage1" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --until-recovered --duration 20 --json
probe=$FO_LAST_PID
fo_spawn "$secondary" "$W/watch1" "$FO_PROBE" watch -i lan0 --arp --key-file "$PAIR_KEY" --json
watch=$FO_LAST_PID
fo_wait_for "probing" "$W/outage1.log" 10
fo_wait_for "watching" "$W/watch1.log" 10
sleep 0.3 # a baseline of replies from the primary before the cut (not synchronisation)
# The private link first: with its LAN carrier gone first, the primary would
# hand over on the private link and this would not test the timeout path.
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_exit "$probe" 20 || true
echo "   client saw: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to], dual_owner_ms}' "$W/outage1.out")"
fo_check "secondary answers the client within 500 ms" jq -e '.outage_ms < 500' "$W/outage1.out"
fo_check "the answering MAC moved to the secondary" \
  jq -e ".owner_changes[-1].to == \"$secondary_mac\"" "$W/outage1.out"
fo_check "client's ARP entry holds the secondary's MAC" \
  bash -c "ip -n '$client' neigh show $SERVICE | grep -q '$secondary_mac'"
fo_check "secondary holds the address" test "$(fo_status secondary '.holding')" == true
echo "   secondary's last change: $(fo_status secondary '.last_change | tostring')"
fo_check "it was a timeout takeover (every link silent), not a handover" \
  test "$(fo_status secondary '.last_change | "\(.from) -> \(.to): \(.reason)"')" == \
  "standby -> active: peer dead: every link silent"
fo_stop "$watch" INT 5
garp='[.arp[] | select(.kind == "gratuitous-request" and .sender_ip == "'$SERVICE'" and .sender_mac == "'$secondary_mac'")][0]'
echo "   on the wire: first GARP $(jq -c "$garp | {silent_node, since_last_beat_ms}" "$W/watch1.out")"
fo_check "fo-probe watch times the secondary's GARP from the primary's last beat (< 100 ms)" \
  jq -e "$garp | .silent_node == 1 and .since_last_beat_ms > 0 and .since_last_beat_ms < 100" "$W/watch1.out"
fo_check "primary dropped its address when its links went down" \
  test "$(fo_status primary '.addresses_held | length')" -eq 0

echo "== 3. plug the primary back: clean failback"
fo_spawn "$client" "$W/outage3" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --duration 4 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage3.log" 10
sleep 0.3 # a baseline of replies from the secondary (not synchronisation)
ip -n "$lan" link set p-lan up
ip -n "$primary" link set priv0 up
fo_wait_status primary '.holding' 10
fo_wait_exit "$probe" 10 || true
echo "   client saw: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to], dual_owner_ms}' "$W/outage3.out")"
fo_check "primary holds the address again" test "$(fo_status primary '.holding')" == true
fo_check "secondary released it" test "$(fo_status secondary '.holding')" == false
fo_check "the answering MAC moved back to the primary" \
  jq -e ".owner_changes[-1].to == \"$primary_mac\"" "$W/outage3.out"
fo_check "never two MACs answering for the address" jq -e '.dual_owner_windows == []' "$W/outage3.out"
fo_check "failback outage short (< 500 ms)" jq -e '.outage_ms < 500' "$W/outage3.out"

echo "== 7. SIGTERM on the primary"
fo_spawn "$client" "$W/outage7" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --until-recovered --duration 10 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage7.log" 10
sleep 0.3 # a baseline of replies from the primary (not synchronisation)
fo_stop "$PRIMARY_PID" TERM 5
fo_wait_status secondary '.holding' 5 || true
fo_wait_exit "$probe" 15 || true
echo "   client saw: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to]}' "$W/outage7.out")"
echo "   secondary: peer sender state $(fo_status secondary '.peer.sender_state'), last change $(fo_status secondary '.last_change | tostring')"
fo_check "the secondary heard the primary's last state: stopping" \
  test "$(fo_status secondary '.peer.sender_state')" == stopping
fo_check "the takeover was the handover, not a timeout" \
  test "$(fo_status secondary '.last_change | "\(.from) -> \(.to): \(.reason)"')" == \
  "standby -> active: primary handed over (stopping)"
# A timeout takeover needs 3 x 10 ms of silence before DEAD; the handover
# needs at most one of the secondary's intervals. 25 ms leaves the client's
# 1 ms probes and a loaded machine some room and is still below 30 ms.
fo_check "the client's outage is below what a timeout takeover needs (< 25 ms < 3 x 10 ms)" \
  jq -e ".outage_ms < 25 and .owner_changes[-1].to == \"$secondary_mac\"" "$W/outage7.out"
fo_stop "$SECONDARY_PID" TERM 5

echo "== 8. pull only the primary's LAN cable"
fo_start_pair eight
fo_spawn "$client" "$W/outage8" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --until-recovered --duration 10 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage8.log" 10
sleep 0.3 # a baseline of replies from the primary (not synchronisation)
ip -n "$lan" link set p-lan down
fo_wait_exit "$probe" 15 || true
echo "   client saw: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to]}' "$W/outage8.out")"
fo_check "secondary took over although the private link still beats" \
  jq -e ".outage_ms < 300 and .owner_changes[-1].to == \"$secondary_mac\"" "$W/outage8.out"
fo_wait_status secondary '.holding' 5 || true
fo_check "the primary is releasing (its service link is down)" test "$(fo_status primary '.state')" == releasing
fo_check "the primary holds nothing" test "$(fo_status primary '.addresses_held | length')" -eq 0
fo_check "the secondary took over on the handover (releasing), not a timeout" \
  test "$(fo_status secondary '.last_change.reason')" == "primary handed over (releasing)"
fo_finish
