#!/usr/bin/env bash
# Silent clients on the control socket never delay the daemon: a pair beats
# at 10 ms x 3 while clients connect to the primary's socket and say nothing
# (5 at a time, under the cap of 8, for 3 s, reconnecting when the daemon drops them at their
# deadline). Meanwhile a status request from another client is answered
# within 100 ms every time, and the secondary never sees a late beat: no
# link went down, the peer was never dead. (Before: each silent client cost
# a 200 ms blocking read on the loop, and the secondary took over.)
# usage: silent_control_client.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
command -v python3 >/dev/null || fo_skip_or_fail "python3 is not installed"
W=$FO_WORKDIR
fo_failover_pair 10 3 1500
fo_start_pair one
sleep 0.5 # a baseline of beats (not synchronisation)
down_before=$(fo_status secondary '[.links[].went_down] | add')
dead_before=$(fo_status secondary '.counters.times_peer_dead')

echo "== 5 silent clients at a time for 3 s; a status request every 100 ms"
python3 - "$W/primary.sock" >"$W/silent.json" <<'PY'
import json, socket, sys, time
path = sys.argv[1]
def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    return s
silent = [connect() for _ in range(5)]
slowest, answered, failed, error, end = 0.0, 0, 0, "", time.monotonic() + 3
while time.monotonic() < end:
    for i, s in enumerate(silent):  # replace the ones the daemon dropped
        try:
            if s.recv(1) == b"":
                s.close()
                silent[i] = connect()
        except BlockingIOError:
            pass
    start = time.monotonic()
    asker = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    asker.settimeout(2)
    try:
        asker.connect(path)
        asker.sendall(b"status\n")
        reply = b""
        while chunk := asker.recv(65536):
            reply += chunk
        if "error" in json.loads(reply):
            raise RuntimeError(reply)
        answered += 1
    except Exception as e:
        failed, error = failed + 1, repr(e)
    finally:
        asker.close()
    slowest = max(slowest, time.monotonic() - start)
    time.sleep(0.1)
print(json.dumps({"slowest_ms": round(slowest * 1000, 1), "answered": answered, "failed": failed, "error": error}))
PY
echo "   status requests: $(cat "$W/silent.json")"
fo_check "every status request was answered" test "$(jq '.failed' "$W/silent.json")" -eq 0
fo_check "... at least 20 of them" test "$(jq '.answered' "$W/silent.json")" -ge 20
fo_check "... each within 100 ms" jq -e '.slowest_ms < 100' "$W/silent.json"
fo_check "the secondary saw no link go down" test "$(fo_status secondary '[.links[].went_down] | add')" -eq "$down_before"
fo_check "the secondary never saw the peer dead" \
  test "$(fo_status secondary '.counters.times_peer_dead')" -eq "$dead_before"
fo_check "the secondary does not hold the address" test "$(fo_status secondary '.holding')" == false
echo "   secondary's largest beat interval per link (us): $(fo_status secondary '[.links[].interval_us.max]' | tr -d ' \n')"
fo_finish
