#!/usr/bin/env bash
# systemd Type=notify through a fake NOTIFY_SOCKET (a Unix datagram socket
# that tests/support/notify_reader.py reads): failoverd on the standard pair
# topology, alone, with WATCHDOG_USEC = 200 ms (WATCHDOG_PID unset):
#  - READY=1 once, when the daemon serves its status socket;
#  - WATCHDOG=1 at half of WATCHDOG_USEC (about every 100 ms), steadily;
#  - WATCHDOG=1 keeps coming at that pace while a hook hangs until its
#    timeout (hook_timeout_ms = 1000): the secondary, alone, takes over after
#    the initial dead time and its PreAcq hook sleeps until the TERM;
#  - STOPPING=1 on SIGTERM.
# usage: systemd_notify.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
command -v python3 >/dev/null || fo_skip_or_fail "python3 is not installed"
W=$FO_WORKDIR
READER="$(cd "$(dirname "$0")/../support" && pwd)/notify_reader.py"
fo_failover_pair 10 3 1000
# A PreAcq hook that hangs until its timeout's TERM; it writes the monotonic
# time (the reader's clock, in ms) when it starts and when it is terminated.
mkdir -p "$W/hooks-secondary/PreAcq"
cat >"$W/hooks-secondary/PreAcq/10-hangs" <<HOOK
#!/bin/sh
mono() { python3 -c 'import time; print("%.1f" % (time.monotonic() * 1000))'; }
mono >"$W/hook.started"
trap 'mono >"$W/hook.ended"; exit 1' TERM
sleep 30 &
wait
HOOK
chmod 755 "$W/hooks-secondary/PreAcq/10-hangs"
SOCK="$W/notify.sock"
fo_spawn "$secondary" "$W/reader" python3 "$READER" "$SOCK" "$W/notify.txt" 60
reader=$FO_LAST_PID
fo_wait_for "listening" "$W/reader.log" 10
fo_spawn "$secondary" "$W/secondary" env NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=200000 \
  "$FAILOVERD" --config "$W/secondary.toml"
daemon=$FO_LAST_PID
fo_wait_for "READY=1" "$W/notify.txt" 10
fo_check "READY=1 sent" grep -q "READY=1" "$W/notify.txt"
fo_check "the status socket answers once READY=1 was sent" test "$(fo_status secondary '.role')" == secondary
# Wait (bounded) for the hanging hook to start and to be terminated at its
# timeout, and for a few pings after it, then look at the pings' spacing.
fo_wait_for "." "$W/hook.started" 15 || true
fo_wait_for "." "$W/hook.ended" 10 || true
fo_check "the PreAcq hook ran and was terminated at its timeout" test -s "$W/hook.ended"
# Until a ping after the hook's end arrived (bounded: 2 s).
for _ in $(seq 1 40); do
  awk -v e="$(cat "$W/hook.ended" 2>/dev/null || echo 1e18)" '/WATCHDOG=1/ && $1 > e { found = 1 } END { exit !found }' \
    "$W/notify.txt" && break
  sleep 0.05
done
fo_check "WATCHDOG=1 kept coming (>= 10)" test "$(grep -c "WATCHDOG=1" "$W/notify.txt")" -ge 10
hook_start=$(cat "$W/hook.started" 2>/dev/null || echo 0)
hook_end=$(cat "$W/hook.ended" 2>/dev/null || echo 0)
during=$(awk -v s="$hook_start" -v e="$hook_end" '/WATCHDOG=1/ && $1 >= s && $1 <= e' "$W/notify.txt" | wc -l)
hang_ms=$(awk -v s="$hook_start" -v e="$hook_end" 'BEGIN { printf "%d", e - s }')
echo "   hook hung ${hang_ms} ms; WATCHDOG=1 during it: $during"
# Both marks pay a python3 start (100-300 ms on a loaded machine), the start
# mark after the timeout's clock began: 700 ms still tells a hook that hung
# until its 1000 ms timeout from one that ended early.
fo_check "the hook hung about its timeout (>= 700 ms)" test "$hang_ms" -ge 700
fo_check "WATCHDOG=1 kept coming while the hook hung (>= 7 in ~1 s)" test "$during" -ge 7
gaps=$(grep "WATCHDOG=1" "$W/notify.txt" | awk 'NR > 1 { printf "%d\n", $1 - last } { last = $1 }' | sort -n)
median=$(sed -n "$((($(wc -l <<<"$gaps") + 1) / 2))p" <<<"$gaps")
largest=$(tail -n 1 <<<"$gaps")
echo "   watchdog gaps (ms): median $median, largest $largest"
fo_check "WATCHDOG=1 at half of WATCHDOG_USEC (median gap 100 ms, 70..130)" \
  test "$median" -ge 70 -a "$median" -le 130
fo_check "no gap reached WATCHDOG_USEC (200 ms): systemd would have killed it" test "$largest" -lt 200
first_watchdog=$(grep -n -m1 "WATCHDOG=1" "$W/notify.txt" | cut -d: -f1)
first_ready=$(grep -n -m1 "READY=1" "$W/notify.txt" | cut -d: -f1)
fo_check "READY=1 came before the first WATCHDOG=1" test "$first_ready" -lt "$first_watchdog"
fo_check "READY=1 sent once" test "$(grep -c "READY=1" "$W/notify.txt")" -eq 1
fo_check "no STOPPING=1 while running" bash -c "! grep -q STOPPING=1 '$W/notify.txt'"
fo_stop "$daemon" TERM 5
fo_wait_for "STOPPING=1" "$W/notify.txt" 5 || true
fo_check "STOPPING=1 sent on SIGTERM" grep -q "STOPPING=1" "$W/notify.txt"
fo_stop "$reader" TERM 5
fo_finish
