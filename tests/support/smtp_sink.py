#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd, from Debian's python3-aiosmtpd) for the
netns mail test: every message it receives is appended to OUT as one JSON
line {peer, mail_from, rcpt_tos, data}. Runs until SIGTERM or SIGINT.

usage: smtp_sink.py ADDRESS PORT OUT
"""
import json
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        record = {
            "peer": session.peer[0],
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main():
    address, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    controller = Controller(Sink(path), hostname=address, port=port)
    controller.start()
    print(f"smtp sink listening on {address}:{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait(600)  # bounded: a test never runs this long
    controller.stop()


if __name__ == "__main__":
    main()
