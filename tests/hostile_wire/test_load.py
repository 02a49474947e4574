"""Load on loopback. The quick test (default run): 50 simultaneous sessions against Listener_Sessions = 10 —
the extra 40 get `421 4.4.5` and the server stays healthy. The soak test (`-m soak`, about 75 s): a real
`ecconf serve` process with 500 concurrent clients doing AUTH and a small message for 60 s, with no error,
flat memory, and `421 4.4.5` for connections over Listener_Sessions."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import pytest
from serving import serving, write_config

PLAIN = "AUTH PLAIN " + base64.b64encode(b"\0alice\0s3cret").decode()
OVER_CAP = b"421 4.4.5 Service unavailable, concurrency limit reached.\r\n"


STALL = 30.0  # seconds without an answer that count as a failure (a hang would stall the whole test)


async def reply(reader: asyncio.StreamReader) -> bytes:
    """One whole (possibly multi-line) reply; its last line."""
    while True:
        line = await asyncio.wait_for(reader.readline(), STALL)
        if line[3:4] != b"-":
            return line


async def mail_session(host: str, port: int, n: int) -> None:
    """EHLO, AUTH, one small message, QUIT, then wait for the server to close; raises on anything unexpected."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), STALL)
    try:
        steps = [
            (None, b"220"),
            ("EHLO load.example", b"250"),
            (PLAIN, b"235"),
            ("MAIL FROM:<alice@load.example>", b"250"),
            ("RCPT TO:<bob@example.org>", b"250"),
            ("DATA", b"354"),
            (f"Subject: load {n}\r\n\r\nmessage {n}\r\n.", b"250"),
            ("QUIT", b"221"),
        ]
        for command, expected in steps:
            if command is not None:
                writer.write(command.encode() + b"\r\n")
            answer = await reply(reader)
            if not answer.startswith(expected):
                raise AssertionError(f"{command!r}: {answer!r}")
        if await asyncio.wait_for(reader.read(), STALL) != b"":  # the server closes first: its slot is free
            raise AssertionError("data after 221")
    finally:
        writer.close()


async def hold(host: str, port: int) -> tuple[bytes, asyncio.StreamWriter]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), STALL)
    return await asyncio.wait_for(reader.readline(), STALL), writer


def test_sessions_over_listener_sessions_get_421_and_the_server_stays_healthy(run_server, make_config):
    running = run_server(make_config(listener_values={"listener_sessions": 10}))

    async def scenario() -> tuple[list[bytes], int]:
        opened = await asyncio.gather(*(hold("127.0.0.1", running.port) for _ in range(50)))
        greetings = [greeting for greeting, _ in opened]
        for _, writer in opened:
            writer.close()
        return greetings, running.server.active_sessions("127.0.0.1:0")

    greetings, active = asyncio.run(scenario())
    assert sum(g.startswith(b"220 ") for g in greetings) == 10 and active == 10
    assert greetings.count(OVER_CAP) == 40
    for _ in range(200):  # bounded wait until the server has seen the ten closes
        if running.server.active_sessions("127.0.0.1:0") == 0:
            break
        running.run(asyncio.sleep(0.01))
    assert running.server.active_sessions("127.0.0.1:0") == 0

    async def ten_messages() -> None:
        await asyncio.gather(*(mail_session("127.0.0.1", running.port, n) for n in range(10)))

    asyncio.run(ten_messages())  # full service again, at the cap
    assert len(list((running.config.spool_base / "new").iterdir())) == 10


# ----- the soak test ----------------------------------------------------------------------------------------

CLIENTS, SECONDS = 500, 60.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def soak(host: str, port: int, pid: int) -> tuple[int, list[str], list[int]]:
    deadline = time.monotonic() + SECONDS
    errors: list[str] = []
    done = 0

    async def worker(w: int) -> None:
        nonlocal done
        n = 0
        while time.monotonic() < deadline:
            try:
                await mail_session(host, port, w * 1_000_000 + n)
                done += 1
            except Exception as exc:  # every failure is reported, none stops the run
                errors.append(repr(exc))
            n += 1

    async def sampler(samples: list[int]) -> None:
        while time.monotonic() < deadline:
            samples.append(rss_kib(pid))
            await asyncio.sleep(5)

    samples: list[int] = []
    await asyncio.gather(sampler(samples), *(worker(w) for w in range(CLIENTS)))
    return done, errors, samples


async def over_the_cap(host: str, port: int) -> tuple[list[bytes], bytes]:
    opened = await asyncio.gather(*(hold(host, port) for _ in range(CLIENTS)))
    extra, writer = await hold(host, port)
    writer.close()
    for _, w in opened:
        w.close()
    return [greeting for greeting, _ in opened], extra


@pytest.mark.soak
def test_soak_500_concurrent_sessions(tmp_path):
    # Every client connects from 127.0.0.1: the per-address cap is lifted, Listener_Sessions is what counts.
    listener = f"Listener_Sessions = {CLIENTS}\n  Max_Connections_Per_Address = 0"
    config = write_config(tmp_path, extensions=("PIPELINING",), listener=listener, users="alice:s3cret\n")
    with serving(config, "--log-level", "WARNING") as served:
        proc, host, port = served.proc, served.host, served.port
        done, errors, samples = asyncio.run(soak(host, port, proc.pid))
        greetings, extra = asyncio.run(over_the_cap(host, port))
        assert proc.poll() is None, "the server died"
        served.stop(timeout=30)
    print(f"soak: {done} sessions in {SECONDS:.0f} s, server RSS every 5 s (KiB): {samples}")
    assert errors == [], f"{len(errors)} failed sessions, e.g. {errors[:3]}"
    assert done > CLIENTS  # every client went round more than once
    assert len(list((tmp_path / "spool" / "new").iterdir())) == done
    warm = samples[2:]  # the first 10 s fill caches and allocator pools
    assert max(warm) - warm[0] < max(warm[0] // 5, 20 * 1024), f"RSS grew: {samples} KiB"
    assert all(g.startswith(b"220 ") for g in greetings) and extra == OVER_CAP
