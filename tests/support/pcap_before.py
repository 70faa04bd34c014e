#!/usr/bin/env python3
"""Copies the records of a pcap file captured before a CLOCK_REALTIME instant
to a new pcap file (same header; microsecond or nanosecond format).
usage: pcap_before.py IN OUT EPOCH_SECONDS   (e.g. from date +%s.%N)"""
import struct
import sys


def main() -> int:
    source, target, instant = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(source, "rb") as f:
        data = f.read()
    magic = data[:4]
    formats = {b"\xd4\xc3\xb2\xa1": ("<", 1e6), b"\xa1\xb2\xc3\xd4": (">", 1e6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e9), b"\xa1\xb2\x3c\x4d": (">", 1e9)}
    if magic not in formats:
        raise SystemExit(f"{source}: not a pcap file")
    endian, fraction = formats[magic]
    out = bytearray(data[:24])
    offset, kept, total = 24, 0, 0
    while offset + 16 <= len(data):
        seconds, sub, caplen, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        end = offset + 16 + caplen
        total += 1
        if seconds + sub / fraction < instant:
            out += data[offset:end]
            kept += 1
        offset = end
    with open(target, "wb") as f:
        f.write(out)
    print(f"{kept} of {total} records before {instant}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
