#!/usr/bin/env python3
"""A `foctl events` reader that stops reading: connects to the daemon's
control socket, asks for the event stream, waits until its first byte is
there (peeked, not read: the subscription is in place), then reads nothing
until the file GO exists (bounded), and finally reads everything the daemon
still sends until it has been quiet for a second; prints it to stdout.

usage: stalled_reader.py SOCKET GO_FILE MAX_WAIT_SECONDS
"""
import os
import socket
import sys
import time

path, go, max_wait = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.sendall(b"events\n")
s.settimeout(10)
s.recv(1, socket.MSG_PEEK)
print("subscribed", file=sys.stderr, flush=True)
deadline = time.monotonic() + max_wait
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.05)
print("reading", file=sys.stderr, flush=True)
s.settimeout(1.0)
data = bytearray()
end = time.monotonic() + 20
while time.monotonic() < end:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        break
    data += chunk
sys.stdout.buffer.write(bytes(data))
sys.stdout.flush()
print("done", file=sys.stderr, flush=True)
