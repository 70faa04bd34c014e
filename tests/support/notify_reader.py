#!/usr/bin/env python3
"""A fake systemd NOTIFY_SOCKET: binds a Unix datagram socket at PATH and
appends every message it receives to OUT, one line per message, as
"<CLOCK_MONOTONIC ms> <message>" (several assignments in one datagram are
joined with spaces). Bounded: exits after SECONDS, or on SIGTERM/SIGINT.
usage: notify_reader.py PATH OUT SECONDS"""
import os
import signal
import socket
import sys
import time


def main() -> int:
    path, out_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(path):
        os.unlink(path)
    sock.bind(path)
    sock.settimeout(0.1)
    deadline = time.monotonic() + seconds
    with open(out_path, "a", buffering=1) as out:
        print("listening", flush=True, file=sys.stderr)
        while time.monotonic() < deadline:
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            text = " ".join(data.decode(errors="replace").split("\n")).strip()
            out.write(f"{time.monotonic() * 1000:.1f} {text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
