"""A bounded SMTP load client: full submission sessions at a fixed concurrency, loopback only.

Rule of this room: every run is bounded in count *and* time and talks only to a loopback address; it
measures, it never retries. One session: connect, 220, EHLO, AUTH (PLAIN, LOGIN, CRAM-MD5 or DIGEST-MD5,
client sides in sasl_client.py), MAIL, RCPT, DATA with a 1 KiB message, QUIT. Latency is connect to 221.
Any unexpected reply, timeout or socket error counts as an error (the first few are kept with their reason).

    python -m bench.smtp_load load --port 2525 --mech PLAIN --concurrency 50 --sessions 5000 --time-limit 5
    python -m bench.smtp_load idle --port 2525 --count 5000      # hold idle sessions until stdin closes

Both print one JSON object on stdout. Uses uvloop when it is installed, so the client is rarely the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import ipaddress
import json
import resource
import sys
import time
from collections import deque
from dataclasses import asdict, dataclass, field

from .sasl_client import SaslError, client

STEP_TIMEOUT = 10.0  # seconds for any one reply; a session can never hang the run


class SessionError(Exception):
    pass


def require_loopback(host: str) -> None:
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"refusing to load {host}: this client only talks to loopback addresses")


def message(size: int = 1024) -> bytes:
    """A message of exactly `size` octets (headers, body, CRLF line ends), dot-stuffing never needed."""
    head = b"From: bench@example.test\r\nTo: sink@example.org\r\nSubject: load\r\n\r\n"
    line = b"x" * 62 + b"\r\n"
    body = line * ((size - len(head)) // len(line))
    body += b"y" * (size - len(head) - len(body) - 2) + b"\r\n"
    return head + body


class _Replies(asyncio.Protocol):
    """Complete SMTP replies (all lines of a multi-line reply) as an awaitable queue."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._lines: list[bytes] = []
        self._ready: deque[tuple[int, list[bytes]]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._closed: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buf += data
        while (end := self._buf.find(b"\r\n")) >= 0:
            line = bytes(self._buf[:end])
            del self._buf[: end + 2]
            self._lines.append(line)
            if line[3:4] != b"-":
                lines, self._lines = self._lines, []
                code = int(line[:3]) if line[:3].isdigit() else 0
                self._ready.append((code, lines))
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = exc or ConnectionResetError("server closed the connection")
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def reply(self) -> tuple[int, list[bytes]]:
        while not self._ready:
            if self._closed is not None:
                raise SessionError(f"connection closed: {self._closed!r}")
            self._waiter = asyncio.get_running_loop().create_future()
            await asyncio.wait_for(self._waiter, STEP_TIMEOUT)
        return self._ready.popleft()

    def send(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    async def expect(self, data: bytes | None, code: int) -> list[bytes]:
        if data is not None:
            self.send(data)
        got, lines = await self.reply()
        if got != code:
            sent = data.split(b" ", 1)[0].decode(errors="replace") if data else "connect"
            raise SessionError(f"{sent}: expected {code}, got {lines[-1][:60].decode(errors='replace')!r}")
        return lines


@dataclass
class Target:
    host: str
    port: int
    mechanism: str = "PLAIN"  # or "NONE": no AUTH (a relay_hosts client)
    user: str = "bench"
    password: str = "bench-password"
    message_size: int = 1024


async def _connect(target: Target) -> _Replies:
    loop = asyncio.get_running_loop()
    _transport, proto = await asyncio.wait_for(loop.create_connection(_Replies, target.host, target.port), STEP_TIMEOUT)
    return proto


async def _authenticate(r: _Replies, target: Target) -> None:
    mech = client(target.mechanism, target.user, target.password)
    first = mech.initial()
    line = b"AUTH " + mech.name.encode()
    if first is not None:
        line += b" " + (base64.b64encode(first) if first else b"=")
    r.send(line + b"\r\n")
    while True:
        code, lines = await r.reply()
        if code == 235:
            return
        if code != 334:
            raise SessionError(f"AUTH {mech.name}: got {lines[-1][:60].decode(errors='replace')!r}")
        try:
            answer = mech.respond(base64.b64decode(lines[-1][4:]))
        except SaslError as exc:
            raise SessionError(str(exc)) from None
        r.send(base64.b64encode(answer) + b"\r\n")


async def session(target: Target, body: bytes) -> None:
    r = await _connect(target)
    try:
        await r.expect(None, 220)
        await r.expect(b"EHLO load.example.test\r\n", 250)
        if target.mechanism != "NONE":
            await _authenticate(r, target)
        await r.expect(b"MAIL FROM:<bench@example.test>\r\n", 250)
        await r.expect(b"RCPT TO:<sink@example.org>\r\n", 250)
        await r.expect(b"DATA\r\n", 354)
        await r.expect(body + b".\r\n", 250)
        await r.expect(b"QUIT\r\n", 221)
    finally:
        if r.transport is not None:
            r.transport.close()


@dataclass
class LoadResult:
    mechanism: str
    concurrency: int
    sessions: int = 0  # completed without error
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (start offset s, latency ms)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


async def run_load(
    target: Target, concurrency: int, sessions: int, time_limit: float, keep_timeline: bool = False
) -> LoadResult:
    """Run up to `sessions` sessions, `concurrency` at a time, starting none after `time_limit` seconds."""
    require_loopback(target.host)
    body = message(target.message_size)
    result = LoadResult(target.mechanism, concurrency)
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + time_limit
    budget = [sessions]

    async def worker() -> None:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            t0 = time.perf_counter()
            try:
                await session(target, body)
            except (SessionError, OSError, TimeoutError) as exc:
                result.errors += 1
                if len(result.error_samples) < 5:
                    result.error_samples.append(f"{type(exc).__name__}: {exc}")
                continue
            latency = (time.perf_counter() - t0) * 1000
            latencies.append(latency)
            if keep_timeline:
                result.timeline.append((t0 - started, latency))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    result.sessions = len(latencies)
    result.per_second = result.sessions / result.elapsed if result.elapsed > 0 else 0.0
    latencies.sort()
    result.p50_ms, result.p99_ms = percentile(latencies, 0.5), percentile(latencies, 0.99)
    result.max_ms = latencies[-1] if latencies else 0.0
    return result


async def hold_idle(target: Target, count: int, release: asyncio.Future[None] | None = None) -> dict[str, object]:
    """Open `count` sessions (banner and EHLO answered), report, then hold them until `release` (or stdin EOF)."""
    require_loopback(target.host)
    held: list[_Replies] = []
    errors: list[str] = []
    semaphore = asyncio.Semaphore(200)  # do not flood the accept queue

    async def one() -> None:
        async with semaphore:
            try:
                r = await _connect(target)
                await r.expect(None, 220)
                await r.expect(b"EHLO idle.example.test\r\n", 250)
                held.append(r)
            except (SessionError, OSError, TimeoutError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(one() for _ in range(count)))
    report = {"held": len(held), "errors": len(errors), "error_samples": errors[:5]}
    print(json.dumps(report), flush=True)
    if release is None:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    else:
        await release
    for r in held:
        if r.transport is not None:
            r.transport.close()
    return report


def raise_nofile(wanted: int) -> int:
    """Raise the soft open-file limit towards `wanted` (up to the hard limit); returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def _loop_runner() -> type[asyncio.Runner] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop  # type: ignore[return-value]


def _run(coro: object) -> object:
    factory = _loop_runner()
    with asyncio.Runner(loop_factory=factory) as runner:  # type: ignore[arg-type]
        return runner.run(coro)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.smtp_load", description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("load", "idle"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mech", default="PLAIN", help="PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5 or NONE")
    parser.add_argument("--user", default="bench")
    parser.add_argument("--password", default="bench-password")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--timeline", action="store_true", help="include (start, latency) of every session")
    parser.add_argument("--count", type=int, default=5000, help="idle sessions to hold")
    args = parser.parse_args(argv)
    target = Target(args.host, args.port, args.mech.upper(), args.user, args.password)
    if args.mode == "load":
        raise_nofile(args.concurrency + 64)
        result = _run(run_load(target, args.concurrency, args.sessions, args.time_limit, args.timeline))
        print(json.dumps(asdict(result)), flush=True)  # type: ignore[call-overload]
    else:
        raise_nofile(args.count + 64)
        _run(hold_idle(target, args.count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
