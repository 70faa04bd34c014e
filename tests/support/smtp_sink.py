#!/usr/bin/python3
"""A real SMTP server (aiosmtpd, from Debian's python3-aiosmtpd) for the
netns mail test: every message it receives is appended to OUT as one JSON
line {peer, mail_from, rcpt_tos, tls, login, data}. Runs until SIGTERM or
SIGINT (at most 600 s).

usage: smtp_sink.py ADDRESS PORT OUT [--tls CERT KEY] [--auth USER:PASSWORD]
  --tls: offers STARTTLS and refuses mail without it (RFC 3207)
  --auth: requires AUTH (PLAIN or LOGIN, only after STARTTLS) with these credentials
"""
import json
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def login_of(session):
    """The user the client authenticated as (None without AUTH)."""
    auth = getattr(session, "auth_data", None)
    return auth.login.decode() if auth is not None and hasattr(auth, "login") else None


class Sink:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        record = {
            "peer": session.peer[0],
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "login": login_of(session),
            "data": envelope.content.decode("utf-8", "replace"),
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main():
    address, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    options = sys.argv[4:]
    kwargs = {}
    if "--tls" in options:
        at = options.index("--tls")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(options[at + 1], options[at + 2])
        kwargs.update(tls_context=context, require_starttls=True)
    if "--auth" in options:
        user, _, password = options[options.index("--auth") + 1].partition(":")

        def authenticate(server, session, envelope, mechanism, data):
            ok = data.login.decode() == user and data.password.decode() == password
            return AuthResult(success=ok, handled=False, auth_data=data)

        kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=True)
    controller = Controller(Sink(path), hostname=address, port=port, **kwargs)
    controller.start()
    print(f"smtp sink listening on {address}:{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait(600)  # bounded: a test never runs this long
    controller.stop()


if __name__ == "__main__":
    main()
