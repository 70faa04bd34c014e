#!/usr/bin/env bash
# heartbeatd at 1 ms (--realtime: SCHED_FIFO, so the 5 % band holds on a
# loaded machine) for 3 s on one namespace, fo-probe watch on another:
#  - at least 99.9 % of the beats arrive, median interval within 5 % of 1 ms;
#  - a sender with the wrong key shows only as auth failures from unknown
#    senders, never as a sender or a beat;
#  - a captured stream of valid beats, replayed, is rejected as replays:
#    exactly zero replayed beats accepted, against the watcher's own count
#    before the replay (its own capture, cut at the instant the replay began).
# usage: beats_1ms.sh HEARTBEATD FO_PROBE PCAP_REPLAY
HEARTBEATD=$1 FO_PROBE=$2 PCAP_REPLAY=$3
source "$(dirname "$0")/lib.sh"
fo_require_netns

fo_host primary primary
fo_host secondary secondary
fo_cable "$primary" eth0 198.51.100.1/24 "$secondary" eth0 198.51.100.2/24
fo_key_file key good.key
fo_key_file wrong_key wrong.key
W=$FO_WORKDIR

# Watcher 1 captures phase one to a file; watcher 2 runs through the replay.
fo_spawn "$secondary" "$W/watch1" "$FO_PROBE" watch -i eth0 --key-file "$key" --json -w "$W/beats.pcap"
watch1=$FO_LAST_PID
fo_spawn "$secondary" "$W/watch2" "$FO_PROBE" watch -i eth0 --key-file "$key" --json -w "$W/watch2.pcap"
watch2=$FO_LAST_PID
fo_wait_for "watching" "$W/watch1.log" 10
fo_wait_for "watching" "$W/watch2.log" 10

fo_spawn "$primary" "$W/good" "$HEARTBEATD" -i eth0 -p 198.51.100.2 --interval 1ms --key-file "$key" \
  --node-id 1 --summary-json --realtime
good=$FO_LAST_PID
fo_spawn "$primary" "$W/intruder" "$HEARTBEATD" -i eth0 -p 198.51.100.2 --interval 10ms --key-file "$wrong_key" \
  --node-id 666 --summary-json
intruder=$FO_LAST_PID
fo_wait_for "started" "$W/good.log" 10
fo_check "the 1 ms sender runs with realtime scheduling" bash -c "! grep -q 'realtime scheduling not available' '$W/good.log'"
sleep 3 # the measurement: 3 s of beats (not synchronisation)
fo_stop "$good" TERM 5
fo_stop "$intruder" TERM 5
sleep 0.2 # let the last frames cross the veth
fo_stop "$watch1" INT 5

sent=$(jq ".links[0].beats_sent" "$W/good.out")
intruder_sent=$(jq ".links[0].beats_sent" "$W/intruder.out")
node1='.senders[] | select(.node_id == 1)'
node666='.senders[] | select(.node_id == 666)'
received=$(jq "$node1 | .beats_received" "$W/watch1.out")
p50=$(jq "$node1 | .interval_us.p50" "$W/watch1.out")
p99=$(jq "$node1 | .interval_us.p99" "$W/watch1.out")
echo "phase 1: sent $sent, received $received, interval p50 ${p50} us p99 ${p99} us"
echo "         intruder sent $intruder_sent, seen as: $(jq -c "{auth_failures_unknown_senders, node666: [$node666]}" "$W/watch1.out")"

fo_check "heartbeatd sent about 3000 beats in 3 s (got $sent)" test "$sent" -ge 2500
fo_check "at least 99.9 % of beats received ($received of $sent)" test $((received * 1000)) -ge $((sent * 999))
fo_check "no more beats received than sent" test "$received" -le "$sent"
fo_check "median interval within 5 % of 1000 us (p50 $p50)" \
  jq -e "$node1 | .interval_us.p50 >= 950 and .interval_us.p50 <= 1050" "$W/watch1.out"
fo_check "good sender: no auth failures, nothing replayed" \
  jq -e "$node1 | .auth_failures == 0 and .replays_rejected == 0 and .mac_verified" "$W/watch1.out"
fo_check "wrong-key sender is never a sender nor a beat" jq -e "[$node666] == []" "$W/watch1.out"
fo_check "wrong-key frames show as auth failures from unknown senders ($intruder_sent sent)" \
  jq -e ".auth_failures_unknown_senders >= ($intruder_sent * 0.99)" "$W/watch1.out"
fo_check "bad_mac drops counted" jq -e ".drops.bad_mac >= ($intruder_sent * 0.99)" "$W/watch1.out"

# Phase 2: replay the captured valid beats at the still-watching receiver.
"$FO_PROBE" watch -r "$W/beats.pcap" --key-file "$key" --json >"$W/file.out" 2>"$W/file.log"
in_file=$(jq "$node1 | .beats_received" "$W/file.out")
replay_start=$(date +%s.%N) # every live beat reached watcher 2 before this: the senders were stopped
replayed=$(ip netns exec "$primary" "$PCAP_REPLAY" "$W/beats.pcap" eth0 20 2>"$W/replay.log")
sleep 0.3 # frames still in flight on the veth when the replay tool returns
fo_stop "$watch2" INT 5
rejected=$(jq "$node1 | .replays_rejected + .duplicated" "$W/watch2.out")
received2=$(jq "$node1 | .beats_received" "$W/watch2.out")
# Watcher 2's own count before the replay: its capture up to replay_start,
# read back through the same code path.
python3 "$(dirname "$0")/../support/pcap_before.py" "$W/watch2.pcap" "$W/watch2-before.pcap" "$replay_start" \
  2>"$W/split.log"
"$FO_PROBE" watch -r "$W/watch2-before.pcap" --key-file "$key" --json >"$W/before.out" 2>"$W/before.log"
before=$(jq "$node1 | .beats_received" "$W/before.out")
echo "phase 2: replayed $replayed frames ($in_file valid beats of node 1), rejected as replays: $rejected"
echo "         watcher 2 accepted $before beats before the replay and $received2 in all ($(cat "$W/split.log"))"
fo_check "watcher 2 saw the live beats before the replay ($before)" test "$before" -ge $((received * 99 / 100))
fo_check "exactly zero replayed beats accepted ($received2 in all == $before before the replay)" \
  test "$received2" -eq "$before"
fo_check "the capture held the received beats ($in_file)" test "$in_file" -ge $((received * 99 / 100))
fo_check "replayed beats rejected as replays ($rejected of $in_file)" test $((rejected * 1000)) -ge $((in_file * 999))
fo_check "no replayed beat counted as a beat ($received2 <= $sent)" test "$received2" -le "$sent"
fo_check "stale_sequence drops counted" jq -e '.drops.stale_sequence > 0' "$W/watch2.out"
fo_finish
