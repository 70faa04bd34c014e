#!/usr/bin/env bash
# failback = "manual" with a running pair (standard topology, 10 ms x 3):
#  - the primary stops, the secondary takes over;
#  - the primary comes back: the secondary keeps the addresses past the
#    hold-down, and the admin is mailed that failback is manual;
#  - `foctl release` on the secondary hands them back cleanly: the client
#    (fo-probe outage) sees the answering MAC move to the primary and never
#    two MACs answering at once.
# usage: manual_failback.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
W=$FO_WORKDIR
cat >"$W/sendmail" <<SH
#!/bin/sh
cat >>"$W/mail.txt"
echo "----" >>"$W/mail.txt"
SH
chmod +x "$W/sendmail"
# failback_hold_down_ms = 500 (lib.sh): "manual" must hold well past it.
fo_failover_pair 10 3 1500 "failback = \"manual\"
mail_recipient = \"admin@example.com\"
sendmail = \"$W/sendmail\""
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }
primary_mac=$(mac_of "$primary")
secondary_mac=$(mac_of "$secondary")

echo "== the pair runs; the primary stops; the secondary takes over"
fo_start_pair one
fo_check "the secondary's failback is manual" test "$(fo_status secondary '.failback')" == manual
fo_stop "$PRIMARY_PID" TERM 5
fo_wait_status secondary '.holding' 10
fo_check "the secondary holds the address" test "$(fo_status secondary '.addresses_held | length')" -eq 1

echo "== the primary comes back: the secondary keeps the addresses and says failback is manual"
fo_spawn "$primary" "$W/primary-two" "$HEARTBEATD" --config "$W/primary.toml"
PRIMARY_PID=$FO_LAST_PID
fo_wait_status primary '.peer.sender_state == "active"' 10
fo_wait_for "failback is manual" "$W/mail.txt" 10 || true
fo_check "the admin was mailed that failback is manual" grep -q "Subject: .*failback is manual" "$W/mail.txt"
fo_check "the secondary still holds the address past the 500 ms hold-down (2 s)" \
  fo_never_status secondary '.holding | not' 2
fo_check "the primary does not hold it (no dual owner)" test "$(fo_status primary '.holding')" == false
fo_check "the primary waits in state starting" test "$(fo_status primary '.state')" == starting
fo_check "the notice was sent once" test "$(grep -c 'Subject: .*failback is manual' "$W/mail.txt")" -eq 1

echo "== foctl release hands the addresses back cleanly"
fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --duration 20 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10
sleep 0.3 # a baseline of replies from the secondary (not synchronisation)
release_status=0
ip netns exec "$secondary" "$FOCTL" --socket "$W/secondary.sock" release >"$W/release.out" 2>&1 || release_status=$?
fo_check "foctl release succeeded (exit 0)" test "$release_status" -eq 0
fo_wait_status primary '.holding' 10
fo_wait_status secondary '.holding | not' 5
sleep 0.3 # replies from the primary after the move, for the report (not synchronisation)
fo_stop "$probe" INT 5
echo "   client saw: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to], dual_owner_ms}' "$W/outage.out")"
fo_check "the primary holds the address again" test "$(fo_status primary '.addresses_held | length')" -eq 1
fo_check "the secondary released it, to standby" \
  test "$(fo_status secondary '.last_change | "\(.from) -> \(.to)"')" == "active -> standby"
fo_check "the primary acquired on the secondary's released" \
  test "$(fo_status primary '.last_change.reason')" == "secondary released the addresses"
fo_check "the answering MAC moved from the secondary to the primary" \
  jq -e "[.owner_changes[].to][-2:] == [\"$secondary_mac\", \"$primary_mac\"]" "$W/outage.out"
fo_check "never two MACs answering for the address" jq -e '.dual_owner_windows == [] and .dual_owner_ms == 0' "$W/outage.out"
fo_check "the failback outage is short (< 500 ms)" jq -e '.outage_ms < 500' "$W/outage.out"
fo_finish
