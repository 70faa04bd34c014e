#!/usr/bin/env bash
# A slow PreAcq hook must not stop the beat (issue "Nothing blocks the beat"):
# the standard pair at 10 ms x 3; the primary's PreAcq hook sleeps 2 s when
# it acquires at start. Hooks run in the background of the event loop, so:
#  - the primary's beats keep flowing while the hook runs (its beats_sent
#    grows, the secondary's last_beat_age_ms stays small, and the status
#    socket answers meanwhile);
#  - the secondary never takes over (takeovers 0, times_peer_dead 0);
#  - the client's fo-probe sees no dual-owner window;
#  - the primary holds the address after the hook ended;
#  - the hook (and what it starts) inherited no descriptor of the daemon
#    (its libpcap and libnet sockets): only 0, 1, 2 and ls's own;
#  - SIGTERM while that hook runs (the primary, restarted, acquiring again
#    on failback) ends the daemon promptly without holding, and the
#    secondary takes the address over.
# usage: slow_hook.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
W=$FO_WORKDIR
fo_failover_pair 10 3 1000
sed -i 's/^hook_timeout_ms = .*/hook_timeout_ms = 5000/' "$W/primary.toml"
mkdir -p "$W/hooks-primary/PreAcq" "$W/hooks-primary/PostAcq"
cat >"$W/hooks-primary/PreAcq/10-slow" <<HOOK
#!/bin/sh
ls /proc/self/fd >"$W/preacq.fds"
awk '{print \$41}' /proc/\$\$/stat >"$W/preacq.policy"
touch "$W/preacq.started" # last: the test may stop the daemon (TERM to the hook) once it sees this
sleep 2
touch "$W/preacq.ended"
HOOK
chmod 755 "$W/hooks-primary/PreAcq/10-slow"

# The client watches the service address from before anyone holds it.
fo_spawn "$client" "$W/probe" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --rate 200 --duration 12 --json
probe=$FO_LAST_PID
fo_spawn "$primary" "$W/primary" "$HEARTBEATD" --config "$W/primary.toml"
fo_spawn "$secondary" "$W/secondary" "$FAILOVERD" --config "$W/secondary.toml"
for _ in $(seq 1 300); do [[ -f "$W/preacq.started" ]] && break; sleep 0.05; done # bounded: 15 s
fo_check "the primary's PreAcq hook started" test -f "$W/preacq.started"
beats() { fo_status primary '[.links[].beats_sent] | add' 2>/dev/null || echo -1; }
before=$(beats)
max_age=0 polls=0 answered=0
# While the hook sleeps (2 s): poll both daemons (bounded: 1.5 s of polls).
deadline=$(($(fo_now_ns) + 1500000000))
while (($(fo_now_ns) < deadline)) && [[ ! -f "$W/preacq.ended" ]]; do
  age=$(fo_status secondary '[.links[].last_beat_age_ms] | max' 2>/dev/null || echo 99999)
  age=${age%.*}
  ((age > max_age)) && max_age=$age
  polls=$((polls + 1))
  sleep 0.1
done
after=$(beats)
still_running=$([[ -f "$W/preacq.ended" ]] && echo no || echo yes)
echo "   during the hook: primary beats_sent $before -> $after; secondary's largest last_beat_age_ms $max_age over $polls polls"
fo_check "the hook was still running at the last poll" test "$still_running" == yes
fo_check "the primary's status socket answered while the hook ran" test "$before" -ge 0 -a "$after" -ge 0
fo_check "the primary kept beating while its PreAcq hook ran (>= 100 more beats in ~1.5 s)" \
  test "$((after - before))" -ge 100
fo_check "the secondary kept hearing it (last beat age < 30 ms at every poll)" test "$max_age" -lt 30
fo_check "the primary does not claim to hold during PreAcq" test "$(fo_status primary '.holding')" == false
fo_wait_status primary '.holding' 10 || true
fo_check "the hook ended before the primary held" test -f "$W/preacq.ended"
fo_check "the primary holds the address after the hook" test "$(fo_status primary '.holding')" == true
fo_check "the address is on the primary's lan0" \
  bash -c "ip -n '$primary' -4 addr show dev lan0 | grep -q '$SERVICE/'"
fo_check "the secondary never took over" test "$(fo_status secondary '.counters.takeovers')" -eq 0
fo_check "the secondary never saw the primary dead" test "$(fo_status secondary '.counters.times_peer_dead')" -eq 0
fo_check "the secondary stands by" test "$(fo_status secondary '.state')" == standby
fo_wait_exit "$probe" 20 || true
fo_check "fo-probe reported" jq -e '.dual_owner_windows' "$W/probe.out"
fo_check "no dual-owner window seen by the client" jq -e '(.dual_owner_windows | length) == 0' "$W/probe.out"
fo_check "the client reached the service after the takeover" jq -e '.probes_answered > 0' "$W/probe.out"
primary_pid=$(pgrep -f "heartbeatd --config $W/primary.toml" | head -n 1)

# SIGTERM during PreAcq: the primary stops (handing over), comes back, gets
# the address back by failback, and is stopped while its PreAcq hook sleeps.
fo_stop "$primary_pid" TERM 10
fo_wait_status secondary '.holding' 5 || true
fo_check "the secondary took over from the stopped primary" test "$(fo_status secondary '.holding')" == true
rm -f "$W/preacq.started" "$W/preacq.ended"
fo_spawn "$primary" "$W/primary2" "$HEARTBEATD" --config "$W/primary.toml"
primary2=$FO_LAST_PID
for _ in $(seq 1 300); do [[ -f "$W/preacq.started" ]] && break; sleep 0.05; done # bounded: 15 s
fo_check "the restarted primary runs PreAcq on failback" test -f "$W/preacq.started"
t0=$(fo_now_ns)
fo_stop "$primary2" TERM 5
stop_ms=$((($(fo_now_ns) - t0) / 1000000))
echo "   SIGTERM during PreAcq: the primary exited after ${stop_ms} ms"
fo_check "it exited within 1.5 s (the hook is terminated, TERM then KILL)" test "$stop_ms" -lt 1500
fo_check "the hook did not run to its end" test ! -f "$W/preacq.ended"
fo_check "the stopped primary left no service address" \
  bash -c "! ip -n '$primary' -4 addr show dev lan0 | grep -q '$SERVICE/'"
fo_wait_status secondary '.holding' 5 || true
fo_check "the secondary holds the address again" test "$(fo_status secondary '.holding')" == true

fds=$(tr '\n' ' ' <"$W/preacq.fds" 2>/dev/null || echo missing)
echo "   descriptors open in the hook: $fds"
fo_check "the hook inherited only 0, 1, 2 (3 is ls's own listing)" test "$fds" == "0 1 2 3 "
# The daemons run SCHED_FIFO (realtime = true in lib.sh): a hook must not
# inherit it (a looping script would starve the host). Field 41 of
# /proc/PID/stat is the policy: 0 SCHED_OTHER, 1 SCHED_FIFO.
hook_policy=$(cat "$W/preacq.policy" 2>/dev/null || echo missing)
echo "   scheduling policy: hook $hook_policy (0 = SCHED_OTHER)"
fo_check "the hook runs SCHED_OTHER, not the daemon's SCHED_FIFO" test "$hook_policy" == 0
fo_finish
