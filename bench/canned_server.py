"""The floor: a minimal asyncio SMTP server that answers the load client's dialogue with canned replies.

Rule of this room: the least work an asyncio server can do for one session — no parsing beyond the verb, no
credentials checked, nothing stored — so the ratio to it shows what everything else costs. It speaks what
the load client sends: EHLO, AUTH PLAIN (initial response) and AUTH LOGIN (two prompts), MAIL, RCPT, DATA
(up to `<CRLF>.<CRLF>`), QUIT.

    python -m bench.canned_server --port 0 [--loop asyncio|uvloop]    # prints "listening on HOST:PORT"
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

BANNER = b"220 canned.test ESMTP\r\n"
EHLO = b"250-canned.test\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n250 AUTH PLAIN LOGIN\r\n"
OK = b"250 2.0.0 OK\r\n"
REPLIES = {
    b"EHLO": EHLO,
    b"HELO": b"250 canned.test\r\n",
    b"MAIL": OK,
    b"RCPT": OK,
    b"RSET": OK,
    b"NOOP": OK,
    b"DATA": b"354 go ahead\r\n",
    b"QUIT": b"221 2.0.0 bye\r\n",
}
AUTH_OK = b"235 2.7.0 Authentication successful\r\n"
LOGIN_PROMPTS = (b"334 VXNlcm5hbWU6\r\n", b"334 UGFzc3dvcmQ6\r\n")


class Canned(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.in_data = False
        self.login_step = 0  # prompts of AUTH LOGIN still owed answers

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(BANNER)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buf += data
        out = []
        while True:
            if self.in_data:
                end = self.buf.find(b"\r\n.\r\n")
                if end < 0:
                    break
                self.buf = self.buf[end + 5 :]
                self.in_data = False
                out.append(b"250 2.0.0 queued as CANNED\r\n")
                continue
            nl = self.buf.find(b"\r\n")
            if nl < 0:
                break
            line, self.buf = self.buf[:nl], self.buf[nl + 2 :]
            out.append(self.answer(line))
        if out:
            self.transport.write(b"".join(out))
        if out and out[-1].startswith(b"221"):
            self.transport.close()

    def answer(self, line: bytes) -> bytes:
        if self.login_step:
            self.login_step -= 1
            return LOGIN_PROMPTS[1] if self.login_step else AUTH_OK
        verb = line[:4].upper()
        if verb == b"AUTH":
            if line[5:].upper().startswith(b"LOGIN"):
                self.login_step = 2
                return LOGIN_PROMPTS[0]
            return AUTH_OK
        if verb == b"DATA":
            self.in_data = True
            self.buf = b"\r\n" + self.buf  # the end marker may follow an empty message directly
        return REPLIES.get(verb, b"500 5.5.1 unknown\r\n")


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Canned, host, port, backlog=1024, reuse_address=True)
    bound = server.sockets[0].getsockname()
    print(f"listening on {bound[0]}:{bound[1]}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.canned_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args(argv)
    factory = None
    if args.loop == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
