#!/usr/bin/env bash
# A change of what a node's frames say goes out at once, not at its next tick
# (daemon: a beat on every link when the role generation changes). The
# standard pair at 1000 ms x 3; fo-probe watch records the secondary's priv0.
# The primary is killed and its service address removed by hand, so the
# secondary takes over on the timeout. Its PreAcq hook sleeps 300 ms, so the
# acquisition has two changes: `starting` (in a decision) and `active` (when
# the hook has ended: outside any decision, on the hook runner's callback).
# The first frame saying each must leave at the change: off the secondary's
# beat grid (more than 1 ms from a whole number of intervals after its last
# `standby` frame), or, when the change fell on a tick, within 1 ms of that
# tick's frame. Frames sent only on the tick fail this: they stay on the grid
# ~1 s apart. The `active` frame (the hook runner's callback) also leaves
# within 3 ms of its role event (foctl events). Then one frame per interval.
# usage: beat_on_change.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
INTERVAL_MS=1000
OFF_GRID_MS=1
AFTER_EVENT_MS=3
fo_failover_pair "$INTERVAL_MS" 3 2000
W=$FO_WORKDIR
mkdir -p "$W/hooks-secondary/PreAcq"
printf '#!/bin/sh\nsleep 0.3\n' >"$W/hooks-secondary/PreAcq/10-slow"
chmod 755 "$W/hooks-secondary/PreAcq/10-slow"

echo "== start the pair half an interval apart, watch the secondary's priv0"
# Apart: the secondary's deadline (the primary's last beat + 3 intervals)
# then falls between its own ticks, not next to one.
fo_spawn "$primary" "$W/primary-change" "$HEARTBEATD" --config "$W/primary.toml"
PRIMARY_PID=$FO_LAST_PID
sleep 0.5
fo_spawn "$secondary" "$W/secondary-change" "$FAILOVERD" --config "$W/secondary.toml"
fo_wait_status primary '.holding' 15
fo_wait_status secondary '.peer.state == "alive"' 10
fo_spawn "$secondary" "$W/events" "$FOCTL" --socket "$W/secondary.sock" events
fo_wait_for subscribed "$W/events.out" 10
fo_spawn "$secondary" "$W/watch" "$FO_PROBE" watch -i priv0 --json -w "$W/priv0.pcap"
watch=$FO_LAST_PID
fo_wait_for "watching" "$W/watch.log" 10
sleep 2.5 # a few of the secondary's beats: its tick grid

echo "== kill the primary, free the address: the secondary takes over on the timeout"
kill -KILL "$PRIMARY_PID"
ip -n "$primary" addr del "$SERVICE/24" dev lan0
fo_check "the secondary took over" fo_wait_status secondary '.holding' 15
sleep 2.5 # two beats after the change
fo_stop "$watch" INT 5
"$FO_PROBE" decode --json "$W/priv0.pcap" >"$W/decoded.json"

# The secondary's frames (node 2) on priv0: time (s) and state, in order.
jq -c '[.frames[] | select(.kind == "heartbeat" and .heartbeat.node_id == 2)
        | {t: (.time | tonumber), state: .heartbeat.state}] | sort_by(.t)' "$W/decoded.json" >"$W/secondary.json"
first_frame() { # STATE: when the first frame saying STATE left, against the last `standby` frame before it
  jq -c --arg state "$1" --argjson interval "$INTERVAL_MS" '. as $f | ($f | map(.state == $state) | index(true)) as $i
    | (if $i == null then null else ($f[0:$i] | map(select(.state == "standby")) | last) end) as $anchor
    | if $anchor == null then {found: false}
      else (($f[$i].t - $anchor.t) * 1000) as $since
        | ($since - ((($since / $interval) | floor) * $interval)) as $phase
        | {found: true, since_previous_ms: $since, off_grid_ms: ([$phase, $interval - $phase] | min)} end' \
    "$W/secondary.json"
}
for state in starting active; do
  first_frame "$state" >"$W/first_$state.json"
  echo "   first $state frame: $(cat "$W/first_$state.json")"
  fo_check "the capture has the secondary's frames before and after it says $state" jq -e '.found' "$W/first_$state.json"
  fo_check "the first $state frame left at the change, not on the next tick" jq -e \
    ".found and (.off_grid_ms > $OFF_GRID_MS or .since_previous_ms < $OFF_GRID_MS)" "$W/first_$state.json"
done
# `active` comes from the hook's end, outside a decision: its frame must not
# wait for the next tick, nor for the 20 ms housekeeping timer's decision.
change_s=$(jq -s -r 'map(select(.event == "role" and .state == "active")) | first | .wall
  | ((.[0:19] + "Z" | fromdateiso8601) + ("0" + .[19:-1] | tonumber))' "$W/events.out")
active_s=$(jq -r 'map(select(.state == "active")) | first | .t' "$W/secondary.json")
echo "   role event active at $change_s, first active frame at $active_s"
fo_check "the first active frame left within $AFTER_EVENT_MS ms of the role event" jq -n -e \
  "$active_s - $change_s < $AFTER_EVENT_MS / 1000 and $active_s >= $change_s - 0.001"
fo_check "after the change one frame per interval again (on the tick)" jq -e \
  "[. as \$f | range(2; length) | select(\$f[.].state == \"active\" and \$f[. - 2].state == \"active\")
    | (\$f[.].t - \$f[. - 1].t) * 1000] | length > 0 and all(. > $INTERVAL_MS * 0.8)" "$W/secondary.json"
fo_finish
