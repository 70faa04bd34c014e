#!/usr/bin/env bash
# The real daemons, the guards and the hooks (daemons issue, proof 2, 4, 5, 6):
#  2. pull only the private link: no takeover, DEGRADED notified, no hook run;
#  4. a secondary started alone while another host holds the address: no takeover;
#  5. Test exits 1: no takeover, and the admin is notified;
#  6. hooks run in order with their arguments; a hanging hook is killed at its
#     timeout and the takeover completes;
#  a secondary whose own service link is down says it cannot stand by, and
#     takes nothing over even when the peer then dies;
#  the initial dead time is measured (DEAD no earlier than configured);
#  and SIGHUP reloads the configuration (a broken file is refused).
# Checks read the daemons' status where it has the answer, not their logs.
# Mail goes through a fake sendmail that appends each message to a file.
# usage: failover_guards.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
W=$FO_WORKDIR
cat >"$W/sendmail" <<SH
#!/bin/sh
cat >>"$W/mail.txt"
echo "----" >>"$W/mail.txt"
SH
chmod +x "$W/sendmail"
fo_failover_pair 10 3 1500 "mail_recipient = \"admin@example.com\"
sendmail = \"$W/sendmail\""
HOOKS="$W/hooks-secondary"
log_hook() { # NAME [EXTRA SHELL]: a hook that records its name, arguments and environment
  cat >"$HOOKS/$1" <<SH
#!/bin/sh
echo "\$(basename "\$0") \$* state=\$FAILOVER_STATE addresses=\$FAILOVER_ADDRESSES" >>"$W/hooks.txt"
${2:-}
SH
  chmod +x "$HOOKS/$1"
}
mkdir -p "$HOOKS/PreAcq"
log_hook "PreAcq/10-first"
log_hook "PreAcq/20-hangs" "sleep 30"
log_hook "PostAcq-05-prefix-form"
log_hook "PreRel"
printf '#!/bin/sh\necho not executable >>%s/hooks.txt\n' "$W" >"$HOOKS/PreAcq/30-not-executable"


echo "== 2. pull only the private link"
fo_start_pair two
ip -n "$primary" link set priv0 down
fo_wait_status secondary '.peer.state == "degraded"' 5
fo_check "no takeover while one link still beats (1 s)" fo_never_status secondary '.counters.takeovers > 0' 1
fo_check "secondary sees the peer DEGRADED" test "$(fo_status secondary '.peer.state')" == degraded
fo_check "no takeover" test "$(fo_status secondary '.counters.takeovers')" -eq 0
fo_check "primary still holds the address" test "$(fo_status primary '.holding')" == true
fo_check "no hook ran" test ! -e "$W/hooks.txt"
fo_check "DEGRADED counted once as a state change" test "$(fo_status secondary '.counters.times_peer_degraded')" -eq 1
fo_check "DEGRADED logged as a state change" grep -q "peer: ALIVE -> DEGRADED" "$W/secondary-two.log"
fo_check "the admin was mailed about the anomaly" grep -q "Subject: .*network anomaly: link priv0 silent" "$W/mail.txt"
ip -n "$primary" link set priv0 up
fo_wait_status secondary '.peer.state == "alive"' 10

echo "== a secondary whose own LAN cable is pulled says it cannot stand by, even when the peer dies"
ip -n "$lan" link set s-lan down
fo_wait_for "cannot stand by" "$W/mail.txt" 5 || true
fo_check "the admin was mailed that the secondary cannot stand by" grep -q "Subject: .*cannot stand by" "$W/mail.txt"
# Now the peer dies too (its private link goes silent): every link is silent,
# which would be a takeover for a secondary that could stand by.
ip -n "$primary" link set priv0 down
fo_wait_status secondary '.peer.state == "dead"' 5
fo_check "the peer is DEAD for the secondary" test "$(fo_status secondary '.peer.state')" == dead
fo_check "no takeover although the peer is dead (1 s)" fo_never_status secondary '.counters.takeovers > 0 or .holding' 1
fo_check "and it took nothing over" test "$(fo_status secondary '.counters.takeovers')" -eq 0
fo_check "the notice was sent once" test "$(grep -c 'Subject: .*cannot stand by' "$W/mail.txt")" -eq 1
ip -n "$primary" link set priv0 up
ip -n "$lan" link set s-lan up
fo_wait_status secondary '.peer.state == "alive"' 10
fo_wait_status primary '.peer.state == "alive"' 10

echo "== 6. hooks in order, a hanging hook killed, takeover completes"
# The private link first: a primary that loses its LAN carrier first hands
# over on the private link; this must be the timeout path.
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_status secondary '.holding' 10
fo_check "a timeout takeover (every link silent), not a handover" \
  test "$(fo_status secondary '.last_change.reason')" == "peer dead: every link silent"
echo "   hooks: $(tr '\n' '|' <"$W/hooks.txt")"
fo_check "PreAcq hooks ran in name order, then PostAcq, with acquire and the address" \
  diff <(cut -d' ' -f1-3 "$W/hooks.txt") <(printf '%s\n' "10-first acquire $SERVICE" "20-hangs acquire $SERVICE" \
    "PostAcq-05-prefix-form acquire $SERVICE")
fo_check "hooks saw the state and the addresses in their environment" grep -q "state=standby addresses=$SERVICE" "$W/hooks.txt"
fo_check "the non-executable file did not run" bash -c "! grep -q 'not executable' '$W/hooks.txt'"
echo "   hook results: $(fo_status secondary '.hooks | tostring')"
fo_check "the hanging hook was killed at its timeout" \
  test "$(fo_status secondary '[.hooks[] | select(.name == "20-hangs") | .timed_out] | tostring')" == "[true]"
fo_check "the other hooks did not time out" \
  test "$(fo_status secondary '[.hooks[] | select(.name != "20-hangs") | .timed_out] | any | not')" == true
fo_check "one hook failure counted" test "$(fo_status secondary '.counters.hook_failures')" -eq 1
fo_check "its failure was notified" grep -q "Subject: .*PreAcq hook failed" "$W/mail.txt"
fo_check "the takeover completed" test "$(fo_status secondary '.addresses_held | length')" -eq 1
fo_check "the takeover was mailed" grep -q "Subject: .*took over $SERVICE" "$W/mail.txt"
fo_stop "$PRIMARY_PID" TERM 5
fo_stop "$SECONDARY_PID" TERM 5
ip -n "$lan" link set p-lan up
ip -n "$primary" link set priv0 up
rm -rf "$HOOKS"/* "$W/hooks.txt"

echo "== 5. Test exits 1: no takeover, notified"
printf '#!/bin/sh\necho "Test $*" >>%s/hooks.txt\nexit 1\n' "$W" >"$HOOKS/Test"
chmod +x "$HOOKS/Test"
fo_start_pair five
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_status secondary '.counters.vetoed >= 1' 10
fo_check "Test was asked with acquire and the address" grep -q "Test acquire $SERVICE" "$W/hooks.txt"
fo_check "no takeover" test "$(fo_status secondary '.addresses_held | length')" -eq 0
fo_check "the veto was mailed" grep -q "Subject: .*acquire vetoed by Test" "$W/mail.txt"
fo_stop "$PRIMARY_PID" TERM 5
fo_stop "$SECONDARY_PID" TERM 5
rm -f "$HOOKS/Test"
ip -n "$lan" link set p-lan up
ip -n "$primary" link set priv0 up

echo "== 4. a secondary alone while another host holds the address"
ip -n "$client" addr add "$SERVICE/24" dev lan0 # the client plays the other host
fo_spawn "$secondary" "$W/secondary-four" "$FAILOVERD" --config "$W/secondary.toml"
SECONDARY_PID=$FO_LAST_PID
fo_wait_status secondary '.peer.state == "dead"' 10
# Measured on the daemon's own log clock: from "started" (logged after the
# detector began counting, so this slightly under-measures) to DEAD.
started_ms=$(fo_log_ms "$(grep -m1 ' started, ' "$W/secondary-four.log")")
dead_ms=$(fo_log_ms "$(grep -m1 'peer: WAITING -> DEAD' "$W/secondary-four.log")")
waited=$((dead_ms - started_ms))
echo "   initial dead time 1500 ms configured; DEAD ${waited} ms after start"
fo_check "DEAD no earlier than the initial dead time (1500 ms, less <= 100 ms of start-up) after start" \
  test "$waited" -ge 1400
fo_check "and not much later (<= 1500 + 1000 ms)" test "$waited" -le 2500
fo_check "no takeover (1 s): the address is in use" fo_never_status secondary '.counters.takeovers > 0' 1
fo_check "no takeover" test "$(fo_status secondary '.counters.takeovers')" -eq 0
grep -E "acquired|notify|peer:" "$W/secondary-four.log" | tail -5
fo_check "the address in use was mailed" grep -q "Subject: .*peer silent but the address is still in use" "$W/mail.txt"

echo "== SIGHUP reloads the configuration; a broken one is refused and the daemon keeps running"
sed -i 's/^failback_hold_down_ms = 500$/failback = "manual"/' "$W/secondary.toml"
fo_check "no reload handled before SIGHUP" test "$(fo_status secondary '.reloads.handled')" -eq 0
kill -HUP "$SECONDARY_PID"
fo_wait_status secondary '.reloads.handled == 1' 5
fo_check "the reload was handled and accepted" test "$(fo_status secondary '.reloads | "\(.handled)/\(.refused)"')" == 1/0
fo_check "failback is manual after SIGHUP" test "$(fo_status secondary '.failback')" == manual
sed -i 's/^failback = "manual"$/failback = "sometimes"/' "$W/secondary.toml"
kill -HUP "$SECONDARY_PID"
fo_wait_status secondary '.reloads.handled == 2' 5
fo_check "the second reload was handled and refused" \
  test "$(fo_status secondary '.reloads | "\(.handled)/\(.refused)"')" == 2/1
fo_check "a broken file on SIGHUP is refused with its line and key" \
  grep -q "reload refused: .*secondary.toml:[0-9]*: key 'failback'" "$W/secondary-four.log"
fo_check "and the daemon keeps its last good configuration" test "$(fo_status secondary '.failback')" == manual
fo_check "and keeps running" kill -0 "$SECONDARY_PID"
fo_finish
