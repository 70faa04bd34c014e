#!/usr/bin/env bash
# Events and metrics on the real pair (10 ms x 3):
#  1. two `foctl events` readers on the secondary during a failover and the
#     failback see the same events, in order, with sequence numbers that
#     increase without a gap: the primary's links going down, the peer
#     dead, the acquisition (and its PostAcq hook) before the role change to
#     active; then the role change to standby and the release's result;
#  2. a reader that never reads (tests/support/stalled_reader.py) while the
#     private link flaps: the daemon's beats go on and `foctl status`
#     answers; when it reads at last it finds a gap in the sequence and a
#     "lost" line;
#  3. the metrics file (node_exporter textfile) passes `promtool check
#     metrics` and agrees with `foctl status --json`;
#  4. the journal fields: the secondary restarted in a mount namespace where
#     a stand-in for journald owns /run/systemd/journal/socket (CI runs no
#     journald), so `journalctl FAILOVER_EVENT=acquire` would find the entry;
#     without it, the log is as before. (events_test checks the fields with a
#     fake journal sink too.)
# usage: events_metrics.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
command -v python3 >/dev/null || fo_skip_or_fail "python3 is not installed"
command -v promtool >/dev/null || fo_skip_or_fail "promtool is not installed (Debian package prometheus)"
W=$FO_WORKDIR
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
fo_failover_pair 10 3 1500
for role in primary secondary; do
  cat >>"$W/$role.toml" <<TOML

[metrics]
file = "$W/$role.prom"
interval_ms = 200

[events]
queue = 16
TOML
done
mkdir -p "$W/hooks-secondary/PostAcq"
printf '#!/bin/sh\nexit 0\n' >"$W/hooks-secondary/PostAcq/10-ok"
chmod 755 "$W/hooks-secondary/PostAcq/10-ok"
SOCK="$W/secondary.sock"
# seq,event pairs of a reader's output, events only (no subscribed/lost lines).
events_of() { jq -c 'select(.seq != null) | [.seq, .event]' "$1"; }

fo_start_pair one

echo "== 1. two readers during a failover and the failback"
fo_spawn "$secondary" "$W/reader1" "$FOCTL" --socket "$SOCK" events
reader1=$FO_LAST_PID
fo_spawn "$secondary" "$W/reader2" "$FOCTL" --socket "$SOCK" events
reader2=$FO_LAST_PID
fo_spawn "$secondary" "$W/stalled" python3 "$ROOT/tests/support/stalled_reader.py" "$SOCK" "$W/go" 120
stalled=$FO_LAST_PID
fo_wait_for subscribed "$W/reader1.out" 10
fo_wait_for subscribed "$W/reader2.out" 10
fo_wait_for subscribed "$W/stalled.log" 10
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_status secondary '.holding' 10
fo_wait_for '"event":"role"' "$W/reader1.out" 5
ip -n "$lan" link set p-lan up
ip -n "$primary" link set priv0 up
fo_wait_status primary '.holding' 10
fo_wait_status secondary '.state == "standby"' 10

echo "== 2. the private link flaps while a reader stalls"
sent_before=$(fo_status secondary '.links[0].beats_sent')
start_ns=$(fo_now_ns)
status_failures=0
for flap in $(seq 1 60); do
  ip -n "$primary" link set priv0 down
  sleep 0.1
  ip -n "$primary" link set priv0 up
  sleep 0.1
  fo_status secondary '.state' >/dev/null || status_failures=$((status_failures + 1))
  (($(grep -c '"seq"' "$W/reader1.out") >= 250)) && break
done
elapsed_ms=$((($(fo_now_ns) - start_ns) / 1000000))
sent_after=$(fo_status secondary '.links[0].beats_sent')
echo "   $flap flaps in $elapsed_ms ms, reader 1 has $(grep -c '"seq"' "$W/reader1.out") events;" \
  "secondary sent $((sent_after - sent_before)) beats on lan0 meanwhile"
fo_check "status answered during the stall" test "$status_failures" -eq 0
fo_check "beats went on during the stall (>= 80% of one per 10 ms)" \
  test $((sent_after - sent_before)) -ge $((elapsed_ms * 8 / 100))
fo_wait_status secondary '.peer.state == "alive"' 10
sleep 0.5 # quiet: every event of the flaps has reached both readers (not synchronisation of the daemon)
touch "$W/go"
fo_wait_for done "$W/stalled.log" 30
fo_stop "$reader1" TERM 5
fo_stop "$reader2" TERM 5
fo_wait_exit "$stalled" 10 || true

events_of "$W/reader1.out" >"$W/seq1"
events_of "$W/reader2.out" >"$W/seq2"
echo "   reader 1: $(wc -l <"$W/seq1") events, reader 2: $(wc -l <"$W/seq2"), first: $(head -c 300 "$W/reader1.out" | tr '\n' ' ')"
echo "   role changes seen: $(jq -r 'select(.event == "role") | "\(.seq) \(.from)->\(.state) (\(.reason))"' \
  "$W/reader1.out" | paste -sd ';')"
fo_check "both readers saw the same events in the same order" cmp -s "$W/seq1" "$W/seq2"
fo_check "the readers' sequence numbers increase by one (no gap)" \
  jq -s -e '[.[][0]] as $s | $s | length > 20 and ([range(1; length)] | all($s[.] == $s[. - 1] + 1))' "$W/seq1"
fo_check "the readers got no 'lost' line" test "$(grep -c '"event":"lost"' "$W/reader1.out")" -eq 0
# The failover, in order: lan0 down, peer dead, acquired, PostAcq ran, active.
order() { jq -s -r "$1"' | map(.seq) | first // 0' "$W/reader1.out"; }
link_down=$(order 'map(select(.event == "link" and .link == "lan0" and .link_state == "down"))')
dead=$(order 'map(select(.event == "peer" and .peer_state == "dead"))')
acquired=$(order 'map(select(.event == "acquire" and .result == "acquired" and .address == "'"$SERVICE"'/24"))')
hook=$(order 'map(select(.event == "hook" and .phase == "PostAcq" and .hook == "10-ok" and .exit == 0))')
active=$(order 'map(select(.event == "role" and .from == "standby" and .state == "active"))')
released=$(order 'map(select(.event == "release" and .result == "released"))')
standby=$(order 'map(select(.event == "role" and .from == "active" and .state == "standby"))')
echo "   seq: lan0 down $link_down, peer dead $dead, acquired $acquired, PostAcq $hook, active $active," \
  "released $released, standby $standby"
fo_check "the failover in order: link down < peer dead < PostAcq hook < acquired < role active" \
  test 0 -lt "$link_down" -a "$link_down" -lt "$dead" -a "$dead" -lt "$hook" -a "$hook" -lt "$acquired" \
  -a "$acquired" -lt "$active"
fo_check "then the failback: standby (the addresses are gone), then released (after PostRel)" \
  test "$active" -lt "$standby" -a "$standby" -lt "$released"
fo_check "every event has both timestamps" \
  jq -s -e 'map(select(.seq != null)) | all(.mono_ns > 0 and (.wall | test("^20[0-9-]+T[0-9:.]+Z$")))' \
  "$W/reader1.out"
fo_check "notifications are events too" grep -q '"event":"notification"' "$W/reader1.out"

jq -c 'select(.seq != null) | .seq' "$W/stalled.out" >"$W/seq-stalled"
lost=$(jq -s '[.[] | select(.event == "lost") | .count] | add // 0' "$W/stalled.out")
echo "   stalled reader: $(wc -l <"$W/seq-stalled") events, lost $lost," \
  "seq $(head -1 "$W/seq-stalled")..$(tail -1 "$W/seq-stalled")"
fo_check "the stalled reader lost events, and was told (a 'lost' line)" test "$lost" -gt 0
# From the sequence it subscribed at (next_seq - 1) on: increasing, with a jump.
fo_check "the stalled reader's sequence increases, with a gap" \
  jq -s -e '([.[] | select(.event == "subscribed") | .next_seq - 1] + [.[] | select(.seq != null) | .seq]) as $s
            | ($s | length > 1) and ([range(1; $s | length)] | all($s[.] > $s[. - 1]))
            and ([range(1; $s | length)] | any($s[.] > $s[. - 1] + 1))' "$W/stalled.out"
fo_check "the stalled reader caught up with the newest event" \
  test "$(tail -1 "$W/seq-stalled")" -eq "$(jq -r '.[0]' <(tail -1 "$W/seq1"))"

echo "== 3. the metrics file"
fo_wait_status secondary '.peer.state == "alive"' 5
sleep 0.5 # two metrics intervals: the file is at most 200 ms old
for role in primary secondary; do
  fo_check "$role.prom passes promtool check metrics" promtool check metrics <"$W/$role.prom"
done
metric() { awk -v name="$1" '$1 == name { print $2; exit }' "$W/metrics.prom"; }
status() { jq -r "$1" "$W/status.json"; }
# Both roles: the secondary took over once and released once; the primary
# acquired twice (at start and after the failback) and released once.
for role in primary secondary; do
  cp "$W/$role.prom" "$W/metrics.prom" # first the file, then the status: the file is never the newer
  "$FOCTL" --socket "$W/$role.sock" status --json >"$W/status.json"
  echo "   $role: takeovers $(metric fastfailover_takeovers_total)/$(status .counters.takeovers)," \
    "releases $(metric fastfailover_releases_total)/$(status .counters.releases)," \
    "beats sent lan0 $(metric 'fastfailover_link_beats_sent_total{link="lan0"}')/$(status '.links[0].beats_sent')"
  fo_check "$role: takeovers agree with status" \
    test "$(metric fastfailover_takeovers_total)" -eq "$(status .counters.takeovers)"
  fo_check "$role: releases agree with status" \
    test "$(metric fastfailover_releases_total)" -eq "$(status .counters.releases)"
  fo_check "$role: takeovers and releases happened" \
    test "$(status .counters.takeovers)" -ge 1 -a "$(status .counters.releases)" -ge 1
  fo_check "$role: the state agrees with status ($(status .state))" \
    test "$(metric "fastfailover_state{state=\"$(status .state)\"}")" -eq 1
  fo_check "$role: holding agrees with status" \
    test "$(metric fastfailover_holding)" -eq "$([[ $(status .holding) == true ]] && echo 1 || echo 0)"
  fo_check "$role: the peer state agrees with status" \
    test "$(metric "fastfailover_peer_state{state=\"$(status .peer.state)\"}")" -eq 1
  fo_check "$role: the hook failures agree with status" \
    test "$(metric fastfailover_hook_failures_total)" -eq "$(status .counters.hook_failures)"
  for i in 0 1; do
    link=$(status ".links[$i].interface")
    for counter in beats_sent beats_received; do
      m=$(metric "fastfailover_link_${counter}_total{link=\"$link\"}")
      s=$(status ".links[$i].$counter")
      fo_check "$role $link $counter: metrics ($m) at most 40 beats before status ($s)" \
        test "$m" -le "$s" -a $((s - m)) -le 40
    done
    fo_check "$role $link went_down agrees with status" \
      test "$(metric "fastfailover_link_went_down_total{link=\"$link\"}")" -eq "$(status ".links[$i].went_down")"
    fo_check "$role $link interval histogram: +Inf bucket == count > 100" \
      test "$(metric "fastfailover_link_beat_interval_seconds_bucket{link=\"$link\",le=\"+Inf\"}")" -eq \
      "$(metric "fastfailover_link_beat_interval_seconds_count{link=\"$link\"}")" \
      -a "$(metric "fastfailover_link_beat_interval_seconds_count{link=\"$link\"}")" -gt 100
  done
  fo_check "$role: the last change's time is a recent wall-clock time" \
    test "$(metric fastfailover_last_change_timestamp_seconds | cut -d. -f1)" -gt $(($(date +%s) - 120))
done

echo "== 4. the journal"
fo_check "without a journal the log has no event entries (the lines of before)" \
  bash -c "! grep -q 'failover event' '$W/secondary-one.log'"
# The secondary again, in a mount namespace of its own where a stand-in for
# journald (tests/support/journal_listener.py) owns the journal's socket:
# the daemon's real sd_journal_sendv path, without a journald in CI.
fo_stop "$SECONDARY_PID" TERM 10
fo_spawn "$secondary" "$W/secondary-journal" unshare -m --propagation private bash -c '
  mount -t tmpfs fo-journal /run/systemd && mkdir /run/systemd/journal || exit 1
  python3 "$1" /run/systemd/journal/socket >"$2" 2>"$2.log" &
  for _ in $(seq 100); do [[ -S /run/systemd/journal/socket ]] && break; sleep 0.05; done
  exec "$3" --config "$4"' journal "$ROOT/tests/support/journal_listener.py" "$W/journal.jsonl" "$FAILOVERD" \
  "$W/secondary.toml"
fo_wait_status secondary '.peer.state == "alive"' 10
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_status secondary '.holding' 10
sleep 0.2 # the entry is a datagram: delivered before the status says holding, read by the listener meanwhile
acquire='select(.FAILOVER_EVENT == "acquire")'
echo "   journal entry: $(jq -c "$acquire" "$W/journal.jsonl" | head -1)"
fo_check "journal: FAILOVER_EVENT=acquire with FAILOVER_ADDRESS, FAILOVER_RESULT, MESSAGE, PRIORITY" \
  jq -e -s "map($acquire | select(.FAILOVER_ADDRESS == \"$SERVICE/24\" and .FAILOVER_RESULT == \"acquired\"
            and (.MESSAGE | startswith(\"failover event acquire\")) and .PRIORITY == \"6\"
            and .SYSLOG_IDENTIFIER == \"failoverd\")) | length == 1" "$W/journal.jsonl"
fo_check "journal: the peer's death with FAILOVER_PEER_STATE=dead" \
  jq -e -s 'map(select(.FAILOVER_EVENT == "peer" and .FAILOVER_PEER_STATE == "dead")) | length >= 1' "$W/journal.jsonl"
fo_check "journal: the links with FAILOVER_LINK and FAILOVER_LINK_STATE" \
  jq -e -s 'map(select(.FAILOVER_EVENT == "link" and .FAILOVER_LINK == "lan0" and .FAILOVER_LINK_STATE == "down"))
            | length >= 1' "$W/journal.jsonl"
fo_finish
