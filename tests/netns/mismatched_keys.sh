#!/usr/bin/env bash
# A pair whose two nodes were given different keys (RFC 3768 5.3.6: in VRRPv2
# mismatched secrets elected two masters). Nothing of the peer verifies, so
# each node sees the other dead; the secondary's RFC 5227 probes find the
# address held by the primary and it never claims it. Checked: exactly one
# holder throughout (both daemons' status and the client's view of who
# answers ARP), both nodes count the failures and raise the alarm once.
# usage: mismatched_keys.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
W=$FO_WORKDIR
fo_failover_pair 10 3 1000
fo_key_file OTHER_KEY other.key
sed -i "s|^auth_key_file = .*|auth_key_file = \"$OTHER_KEY\"|" "$W/secondary.toml"
fo_check "the two nodes were given different keys" bash -c "! cmp -s '$PAIR_KEY' '$OTHER_KEY'"

fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --duration 5 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10
fo_spawn "$primary" "$W/primary" "$HEARTBEATD" --config "$W/primary.toml"
fo_spawn "$secondary" "$W/secondary" "$FAILOVERD" --config "$W/secondary.toml"
fo_wait_status primary '.holding' 10
# The initial dead time is 1 s: after it the secondary sees its peer DEAD and
# probes; it must keep out for as long as we watch.
fo_wait_status secondary '.peer.state == "dead"' 10
fo_check "the secondary never holds the address while the primary does (3 s after its peer went DEAD)" \
  fo_never_status secondary '.holding' 3
fo_wait_exit "$probe" 15 || true
echo "   client saw: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to], dual_owner_ms, dual_owner_windows}' "$W/outage.out")"
fo_check "the client never saw two MACs answer for the address" jq -e '.dual_owner_windows == []' "$W/outage.out"
fo_check "the primary held the address throughout" test "$(fo_status primary '.holding')" == true
fo_check "the secondary took nothing over" test "$(fo_status secondary '.counters.takeovers')" -eq 0
echo "   secondary drops: $(fo_status secondary '.drops | tostring'), alarms: $(fo_status secondary '.counters.authentication_alarms')"
fo_check "the secondary counts the primary's frames as bad_mac" test "$(fo_status secondary '.drops.bad_mac // 0')" -gt 0
fo_check "the primary counts the secondary's frames as bad_mac" test "$(fo_status primary '.drops.bad_mac // 0')" -gt 0
fo_check "the secondary raised the authentication alarm exactly once" \
  test "$(fo_status secondary '.counters.authentication_alarms')" -eq 1
fo_check "the primary raised it exactly once" test "$(fo_status primary '.counters.authentication_alarms')" -eq 1
fo_check "the alarm is in the secondary's log" grep -q "authentication failures: frames on link" "$W/secondary.log"
fo_finish
