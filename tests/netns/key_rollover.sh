#!/usr/bin/env bash
# Key rollover on a running pair (docs/protocol.md, "Key rollover"): both
# nodes start on key 1 of a key directory; then 1. key 2 is added on both
# (SIGHUP), 2. both switch to sending with key 2 (SIGHUP one, then the
# other), 3. key 1 is removed (SIGHUP). The client probes the service address
# throughout. Checked: no reply gap over 20 ms, no takeover, the peer never
# seen dead, no frame dropped for its key, and each node sees its peer move
# from key 1 to key 2. A key directory without the send id refuses the reload
# and the keys in use stay.
# usage: key_rollover.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
W=$FO_WORKDIR
# SCHED_FIFO: 3 missed 10 ms beats are DEAD, and a CPU hog on a 2-core CI
# runner can otherwise stall a daemon that long (not what this test is about).
fo_failover_pair 10 3 1000
for role in primary secondary; do
  mkdir -m 700 "$W/keys-$role"
  install -m 600 "$PAIR_KEY" "$W/keys-$role/1.key"
  sed -i "s|^auth_key_file = .*|auth_key_dir = \"$W/keys-$role\"\nauth_send_key_id = 1|" "$W/$role.toml"
done
fo_start_pair run
declare -A PID=([primary]=$PRIMARY_PID [secondary]=$SECONDARY_PID)
fo_check "both daemons run with realtime scheduling" \
  bash -c "! grep -q 'realtime scheduling not available' '$W/primary-run.log' '$W/secondary-run.log'"
for role in primary secondary; do
  fo_wait_status "$role" '.auth.peer_key_id == 1' 10
done
fo_check "both send with key 1 and accept only key 1" \
  test "$(fo_status primary '.auth | [.key_ids, .send_key_id] | tostring')" == '[[1],1]'

# hup ROLE...: SIGHUP each node and wait (bounded) until it handled it.
hup() {
  local role handled
  for role in "$@"; do
    handled=$(fo_status "$role" '.reloads.handled')
    kill -HUP "${PID[$role]}"
    fo_wait_status "$role" ".reloads.handled > $handled" 5
  done
}
key_drops() { fo_status "$1" '(.drops.unknown_key_id // 0) + (.drops.bad_mac // 0) + (.drops.auth_missing // 0)'; }
declare -A DROPS=([primary]=$(key_drops primary) [secondary]=$(key_drops secondary))

fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --duration 8 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10
sleep 0.3 # a baseline of replies (not synchronisation)

echo "== 1. key 2 added on both: accepted, not used"
fo_key_file NEXT_KEY next.key
for role in primary secondary; do install -m 600 "$NEXT_KEY" "$W/keys-$role/2.key"; done
hup primary secondary
for role in primary secondary; do
  fo_check "$role accepts keys 1 and 2, sends with 1" \
    test "$(fo_status "$role" '.auth | [.key_ids, .send_key_id] | tostring')" == '[[1,2],1]'
done

echo "== 2. both send with key 2 (the primary first)"
for role in primary secondary; do sed -i 's|^auth_send_key_id = .*|auth_send_key_id = 2|' "$W/$role.toml"; done
hup primary
fo_check "the secondary hears the primary on key 2" fo_wait_status secondary '.auth.peer_key_id == 2' 5
fo_check "the primary still hears the secondary on key 1" test "$(fo_status primary '.auth.peer_key_id')" -eq 1
hup secondary
fo_check "the primary hears the secondary on key 2" fo_wait_status primary '.auth.peer_key_id == 2' 5

echo "== 3. key 1 removed on both"
for role in primary secondary; do rm "$W/keys-$role/1.key"; done
hup primary secondary
for role in primary secondary; do
  fo_check "$role accepts and sends only key 2" \
    test "$(fo_status "$role" '.auth | [.key_ids, .send_key_id] | tostring')" == '[[2],2]'
done

echo "== a key directory without the send id is refused; the keys in use stay"
sed -i 's|^auth_send_key_id = .*|auth_send_key_id = 3|' "$W/primary.toml"
hup primary
fo_check "the reload was refused" test "$(fo_status primary '.reloads.refused')" -eq 1
fo_check "the primary still sends with key 2" test "$(fo_status primary '.auth.send_key_id')" -eq 2
fo_check "the refusal names the missing key" grep -q "holds no key 3" "$W/primary-run.log"
sleep 0.2 # frames after the refused reload
fo_check "the secondary still hears the primary on key 2" test "$(fo_status secondary '.auth.peer_key_id')" -eq 2

fo_check "the client's probe covered the whole rollover (still running)" kill -0 "$probe"
fo_wait_exit "$probe" 15 || true
echo "   client saw: $(jq -c '{probes_sent, probes_answered, outage_ms, gaps: (.gaps | length), owner_changes: [.owner_changes[].to]}' "$W/outage.out")"
for role in primary secondary; do
  echo "   $role: auth $(fo_status "$role" '.auth | tostring'), drops $(fo_status "$role" '.drops | tostring')"
done
fo_check "the client got replies throughout" jq -e '.probes_answered > 100' "$W/outage.out"
fo_check "no reply gap over 20 ms during the rollover" jq -e '.outage_ms <= 20' "$W/outage.out"
fo_check "one owner throughout (the primary's MAC)" jq -e '(.owner_changes | length) <= 1 and .dual_owner_windows == []' "$W/outage.out"
fo_check "the secondary took nothing over" test "$(fo_status secondary '.counters.takeovers')" -eq 0
fo_check "the primary still holds the address" test "$(fo_status primary '.holding')" == true
for role in primary secondary; do
  fo_check "$role never saw its peer dead" test "$(fo_status "$role" '.counters.times_peer_dead')" -eq 0
  fo_check "$role dropped no frame for its key (unknown_key_id, bad_mac, auth_missing)" \
    test "$(key_drops "$role")" -eq "${DROPS[$role]}"
  fo_check "$role raised no authentication alarm" test "$(fo_status "$role" '.counters.authentication_alarms')" -eq 0
done
fo_finish
