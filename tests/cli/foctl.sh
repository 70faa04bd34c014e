#!/usr/bin/env bash
# foctl against a fake daemon that answers what a daemon of another version,
# or something else on the socket, might: a message and exit 1, never an
# abort. A --socket path too long for sun_path is refused. No root needed.
# usage: foctl.sh FOCTL
set -euo pipefail
FOCTL=$1
dir=$(mktemp -d)
server=
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$dir"' EXIT
failures=0
# serve REPLY: a one-shot fake daemon on $dir/fake.sock.
serve() {
  rm -f "$dir/fake.sock"
  python3 - "$dir/fake.sock" "$1" <<'PY' &
import socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sys.argv[1])
server.listen(1)
client, _ = server.accept()
client.recv(64)
client.sendall(sys.argv[2].encode())
client.close()
PY
  server=$!
  for _ in $(seq 50); do [[ -S "$dir/fake.sock" ]] && break; sleep 0.05; done
}
# expect NAME REPLY STATUS PATTERN [ARGS]
expect() {
  local name=$1 reply=$2 want=$3 pattern=$4 out status=0
  shift 4
  serve "$reply"
  out=$("$FOCTL" --socket "$dir/fake.sock" "${@:-status}" 2>&1) || status=$?
  wait "$server" 2>/dev/null || true
  server=
  if ((status == want)) && grep -qE -- "$pattern" <<<"$out"; then
    echo "PASS: $name (exit $status): $out"
  else
    echo "FAIL: $name (exit $status, wanted $want and /$pattern/): $out"
    failures=$((failures + 1))
  fi
}
expect "an array" '[1,2]' 1 "unexpected reply from the daemon \(not a JSON object\): \[1,2\]"
expect "a status of another shape" '{"role": 5}' 1 "unexpected reply from the daemon \(.*type_error.*\); try --json"
expect "a status missing fields" '{"role": "primary"}' 1 "unexpected reply from the daemon \(.*out_of_range.*\); try --json"
expect "an error that is not a string" '{"error": 42}' 1 "^foctl: 42$"
expect "not JSON" 'hello' 1 "the daemon sent something that is not JSON"
expect "nothing" '' 1 "closed the connection without a reply"
expect "--json prints any object" '{"role": 5}' 0 '"role": 5' status --json
expect "events: the daemon refuses" $'{"error":"busy: 4 event streams already"}\n' 1 "^foctl: busy: 4 event streams already$" events
expect "events: the stream is copied until the daemon closes it" \
  $'{"event":"subscribed","next_seq":7,"queue":16}\n{"seq":7,"event":"peer"}\n' 0 '^\{"seq":7,"event":"peer"\}$' events
expect "events: nothing" '' 1 "closed the connection without a reply" events
long="/tmp/$(printf 'x%.0s' $(seq 120)).sock"
status=0
out=$("$FOCTL" --socket "$long" status 2>&1) || status=$?
if ((status == 2)) && grep -q "foctl: --socket: the path is 130 bytes; a Unix socket path holds 1 to 107" <<<"$out"; then
  echo "PASS: a --socket path too long (exit 2): $out"
else
  echo "FAIL: a --socket path too long (exit $status): $out"
  failures=$((failures + 1))
fi
((failures == 0)) && echo "all checks passed" || { echo "$failures check(s) failed"; exit 1; }
