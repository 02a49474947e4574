"""The peer: aiosmtpd serving the same users (PLAIN and LOGIN) into a Maildir with its Mailbox handler.

Rule of this room: aiosmtpd as its documentation sets it up, nothing tuned: an `authenticator` callback over
the same `user:password` file ecconf reads, AUTH allowed without TLS (the load runs on loopback, as ecconf's
does), `Mailbox` delivery. One asyncio loop in the main thread, no Controller thread, so both servers run the
same shape of process.

    python -m bench.aiosmtpd_peer --users FILE --maildir DIR [--port 0] [--loop asyncio|uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def read_users(path: Path) -> dict[bytes, bytes]:
    users: dict[bytes, bytes] = {}
    for line in path.read_bytes().splitlines():
        if line and not line.startswith(b"#"):
            user, _, password = line.partition(b":")
            users[user] = password
    return users


class FileAuthenticator:
    def __init__(self, users: dict[bytes, bytes]) -> None:
        self.users = users

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        known = self.users.get(auth_data.login)
        ok = known is not None and hmac.compare_digest(known, auth_data.password)
        return AuthResult(success=ok, handled=False)


async def serve(host: str, port: int, users: Path, maildir: Path) -> None:
    # aiosmtpd 1.4 logs a deprecation WARNING (Session.login_data) on every AUTH, which an unconfigured
    # logging module prints to stderr: a cost of the version, not of its design, so it is switched off.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    loop = asyncio.get_running_loop()
    handler = Mailbox(maildir)
    authenticator = FileAuthenticator(read_users(users))

    def factory() -> SMTP:
        return SMTP(handler, hostname="aiosmtpd.test", authenticator=authenticator, auth_require_tls=False)

    server = await loop.create_server(factory, host, port, backlog=1024, reuse_address=True)
    bound = server.sockets[0].getsockname()
    print(f"listening on {bound[0]}:{bound[1]}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.aiosmtpd_peer")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--users", type=Path, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args(argv)
    factory = None
    if args.loop == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(serve(args.host, args.port, args.users, args.maildir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
