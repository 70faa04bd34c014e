#!/usr/bin/env python3
"""A stand-in for journald's native socket: binds SOCKET (a datagram Unix
socket, as /run/systemd/journal/socket) and prints every entry it receives
as one JSON object per line (field -> value), decoding both forms of the
native protocol (NAME=value lines, and NAME\\n<64-bit little-endian
length><value>\\n for values with newlines). Entries passed as a memfd
(SCM_RIGHTS, for large ones) are read too. Runs until killed.

usage: journal_listener.py SOCKET
"""
import array
import json
import os
import socket
import struct
import sys


def decode(data):
    fields = {}
    i = 0
    while i < len(data):
        newline = data.index(b"\n", i)
        line = data[i:newline]
        if b"=" in line:
            name, value = line.split(b"=", 1)
            i = newline + 1
        else:
            name = line
            (length,) = struct.unpack("<Q", data[newline + 1:newline + 9])
            value = data[newline + 9:newline + 9 + length]
            i = newline + 9 + length + 1
        fields[name.decode()] = value.decode(errors="replace")
    return fields


path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("listening", file=sys.stderr, flush=True)
while True:
    fds = array.array("i")
    data, ancillary, _, _ = s.recvmsg(1 << 20, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    for fd in fds:
        data = os.pread(fd, 1 << 20, 0)
        os.close(fd)
    print(json.dumps(decode(data)), flush=True)
