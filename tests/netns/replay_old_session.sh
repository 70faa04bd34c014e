#!/usr/bin/env bash
# Replay of an old session ("One owner, always"; protocol version 2, sessions:
# every frame echoes the receiver's boot epoch). The standard pair at 10 ms x 3
# and a rogue namespace on the LAN bridge (learning off on its port, so the
# spoofed source MACs do not move the bridge's entries).
#  1. record a whole run on the LAN (the secondary's bridge port, both
#     directions) and on the private link (the secondary's priv0): beats,
#     a takeover (the primary's cables pulled), a failback (release-request,
#     released), SIGTERM on the primary (released, stopping); stop both;
#  2. start a fresh pair (new boot epochs) in the same namespaces (same MACs,
#     so the recorded frames are addressed right) and let it settle;
#  3. re-inject the recordings: the LAN one from the rogue namespace, the
#     private one from both ends of the private cable (each node receives its
#     peer's old frames from the far end, and may see them once more going
#     out of its own priv0: a capture sees both directions unless the daemon
#     limits it; frames from a node's own MAC never pass its filter).
# Then nothing may move: no hold-state change on either node, the primary
# holds and the secondary stands by throughout, the client sees no owner
# change and no dual owner, no peer restart is believed, and the frames are
# dropped as unechoed_epoch (or stale_session) on both nodes.
# usage: replay_old_session.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 PCAP_REPLAY=$3 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
fo_failover_pair 10 3 3000
rogue=""
fo_host rogue rogue
fo_plug "$lan" "$rogue" lan0 - r-lan
ip -n "$lan" link set dev r-lan type bridge_slave learning off
W=$FO_WORKDIR
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }
primary_mac=$(mac_of "$primary")
is_int() { [[ $1 =~ ^[0-9]+$ ]]; } # a missing field (null) is not
same_int() { is_int "$1" && is_int "$2" && (($1 == $2)); }

echo "== 1. record a whole run on the LAN and the private link"
fo_start_pair old
fo_wait_status secondary '.state == "standby"' 10
fo_spawn "$lan" "$W/rec-lan" "$FO_PROBE" watch -i s-lan -w "$W/lan.pcap"
rec_lan=$FO_LAST_PID
fo_spawn "$secondary" "$W/rec-priv" "$FO_PROBE" watch -i priv0 -w "$W/priv.pcap"
rec_priv=$FO_LAST_PID
fo_wait_for "watching" "$W/rec-lan.log" 10
fo_wait_for "watching" "$W/rec-priv.log" 10
sleep 0.3 # some plain beats in the recording
ip -n "$lan" link set p-lan down
ip -n "$primary" link set priv0 down
fo_wait_status secondary '.holding' 10
sleep 0.2
ip -n "$lan" link set p-lan up
ip -n "$primary" link set priv0 up
fo_wait_status primary '.holding' 10
fo_wait_status secondary '.holding == false' 5
sleep 0.2
fo_stop "$PRIMARY_PID" TERM 5
fo_wait_status secondary '.holding' 5
fo_stop "$SECONDARY_PID" TERM 5
fo_stop "$rec_lan" INT 5
fo_stop "$rec_priv" INT 5
count_frames() { # FILE ROLE [TYPE]: heartbeat frames of that sender (and type) in a recording
  "$FO_PROBE" decode "$1" --json |
    jq --arg role "$2" --arg type "${3:-}" \
      '[.frames[] | select(.kind == "heartbeat" and .heartbeat.role == $role
                            and ($type == "" or .heartbeat.type == $type))] | length'
}
for f in lan priv; do
  echo "   $f.pcap: $(count_frames "$W/$f.pcap" primary) frames of the primary" \
    "($(count_frames "$W/$f.pcap" primary release-request) release-request," \
    "$(count_frames "$W/$f.pcap" primary released) released)," \
    "$(count_frames "$W/$f.pcap" secondary) of the secondary" \
    "($(count_frames "$W/$f.pcap" secondary released) released)"
done
old_primary=$(($(count_frames "$W/lan.pcap" primary) + $(count_frames "$W/priv.pcap" primary)))
old_secondary=$(($(count_frames "$W/lan.pcap" secondary) + $(count_frames "$W/priv.pcap" secondary)))
fo_check "the recording holds the primary's release-request and released" \
  test "$(count_frames "$W/priv.pcap" primary release-request)" -gt 0 -a \
  "$(count_frames "$W/priv.pcap" primary released)" -gt 0
fo_check "the recording holds the secondary's released" test "$(count_frames "$W/priv.pcap" secondary released)" -gt 0

echo "== 2. a fresh pair (new boot epochs)"
fo_start_pair new
fo_check "fresh pair settled: primary active" fo_wait_status primary '.state == "active" and .holding' 10
fo_check "fresh pair settled: secondary standby" fo_wait_status secondary '.state == "standby" and .holding == false' 10
fo_check "sessions up on both links of the primary" \
  fo_wait_status_ms primary '[.links[].session.state] == ["up", "up"]' 3000
fo_check "sessions up on both links of the secondary" \
  fo_wait_status_ms secondary '[.links[].session.state] == ["up", "up"]' 3000
sleep 0.5 # settled
for role in primary secondary; do
  fo_status "$role" '.' >"$W/$role-before.json"
done
ip netns exec "$client" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --duration 0.2 >/dev/null 2>&1 # resolves ARP
fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --duration 5 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10
sleep 0.3

echo "== 3. re-inject the old session"
fo_spawn "$rogue" "$W/replay-lan" "$PCAP_REPLAY" "$W/lan.pcap" lan0 200
replay_lan=$FO_LAST_PID
fo_spawn "$secondary" "$W/replay-priv" "$PCAP_REPLAY" "$W/priv.pcap" priv0 200
replay_priv=$FO_LAST_PID
fo_spawn "$primary" "$W/replay-priv2" "$PCAP_REPLAY" "$W/priv.pcap" priv0 200
replay_priv2=$FO_LAST_PID
# Sample both nodes while the replay runs and 1.5 s after (the hold-down is
# 500 ms: a believed release-request would act within that).
moved=0 samples=0 quiet_until=0
for _ in $(seq 1 400); do
  p=$(fo_status primary '"\(.holding) \(.state)"' 2>/dev/null || echo error)
  s=$(fo_status secondary '"\(.holding) \(.state)"' 2>/dev/null || echo error)
  samples=$((samples + 1))
  if [[ $p != "true active" || $s != "false standby" ]]; then
    ((moved == 0)) && echo "   moved: primary '$p', secondary '$s' (sample $samples)"
    moved=$((moved + 1))
  fi
  if ((quiet_until == 0)) && ! kill -0 "$replay_lan" 2>/dev/null && ! kill -0 "$replay_priv" 2>/dev/null &&
    ! kill -0 "$replay_priv2" 2>/dev/null; then
    quiet_until=$(($(fo_now_ns) + 1500000000))
  fi
  ((quiet_until != 0 && $(fo_now_ns) > quiet_until)) && break
  sleep 0.02
done
fo_wait_exit "$replay_lan" 10 || true
fo_wait_exit "$replay_priv" 10 || true
fo_wait_exit "$replay_priv2" 10 || true
sent_lan=$(cat "$W/replay-lan.out" 2>/dev/null || echo 0)
sent_priv=$(cat "$W/replay-priv.out" 2>/dev/null || echo 0)
sent_priv2=$(cat "$W/replay-priv2.out" 2>/dev/null || echo 0)
echo "   re-injected $sent_lan frames on the LAN, $sent_priv + $sent_priv2 on the private link" \
  "($old_primary of the old primary, $old_secondary of the old secondary); $samples samples"
fo_check "both recordings were re-injected whole" \
  test "$sent_lan" -gt 0 -a "$sent_priv" -gt 0 -a "$sent_priv2" -gt 0
fo_wait_exit "$probe" 15 || true
for role in primary secondary; do
  fo_status "$role" '.' >"$W/$role-after.json"
done

echo "   client saw: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to], dual_owner_ms}' "$W/outage.out")"
for role in primary secondary; do
  echo "   $role: transitions $(jq -c .transitions "$W/$role-before.json") -> $(jq -c .transitions "$W/$role-after.json")," \
    "state $(jq -c .state "$W/$role-after.json"), peer restarts $(jq -c .peer.restarts "$W/$role-before.json")" \
    "-> $(jq -c .peer.restarts "$W/$role-after.json"), drops before $(jq -c .drops "$W/$role-before.json")," \
    "after $(jq -c .drops "$W/$role-after.json")"
done
fo_check "no state seen moving while the replay ran" test "$moved" -eq 0
for role in primary secondary; do
  fo_check "$role: no hold-state change (.transitions unchanged)" \
    same_int "$(jq -r .transitions "$W/$role-before.json")" "$(jq -r .transitions "$W/$role-after.json")"
  fo_check "$role: no peer restart believed" \
    same_int "$(jq -r .peer.restarts "$W/$role-before.json")" "$(jq -r .peer.restarts "$W/$role-after.json")"
  fo_check "$role: sessions still up" jq -e '[.links[].session.state] == ["up", "up"]' "$W/$role-after.json"
done
fo_check "primary still active, holding" jq -e '.state == "active" and .holding == true' "$W/primary-after.json"
fo_check "secondary still standby, not holding" jq -e '.state == "standby" and .holding == false' "$W/secondary-after.json"
fo_check "the client: no owner change (the primary answered throughout)" \
  jq -e "[.owner_changes[].to] == [\"$primary_mac\"]" "$W/outage.out"
fo_check "the client: never two MACs answering" jq -e '.dual_owner_windows == []' "$W/outage.out"
session_drops='((.drops.unechoed_epoch // 0) + (.drops.stale_session // 0))'
for role in primary secondary; do
  peer_frames=$old_secondary
  [[ $role == secondary ]] && peer_frames=$old_primary
  grown=$(($(jq "$session_drops" "$W/$role-after.json") - $(jq "$session_drops" "$W/$role-before.json")))
  grown_unechoed=$(($(jq '.drops.unechoed_epoch // 0' "$W/$role-after.json") - $(jq '.drops.unechoed_epoch // 0' "$W/$role-before.json")))
  echo "   $role: unechoed_epoch +$grown_unechoed, unechoed_epoch + stale_session +$grown, peer frames re-injected $peer_frames"
  fo_check "$role: the replayed frames were dropped as unechoed_epoch (+$grown_unechoed > 0)" test "$grown_unechoed" -gt 0
  fo_check "$role: unechoed_epoch + stale_session grew by at least half the peer's frames (+$grown >= $peer_frames / 2)" \
    test "$((grown * 2))" -ge "$peer_frames"
done
fo_finish
