"""The per-address AUTH penalty of a real `ecconf serve`: one table for the machine, whichever worker a guess
lands on (`--workers 2`), and none for the networks of Auth_Penalty_Exempt."""

from __future__ import annotations

import base64
import contextlib
import re
from pathlib import Path

from serving import connect, dialogue, hang_up, serving, write_config

BASE, CAP = 0.2, 2.0  # spacings 0.2, 0.6, 1.4, 2, 2... s
POLICY = f"Auth_Penalty_Base = {BASE}\n  Auth_Penalty_Cap = {CAP}\n  Auth_Failure_Delay = 0"
FAILED = re.compile(r"\[(\d+)\] ecconf\.runtime\.server: .*AUTH PLAIN user='carol' from 127\.0\.0\.1: failure")
HELD = re.compile(r"\[(\d+)\] ecconf\.runtime\.server: \[\S+\] AUTH answer to 127\.0\.0\.1 held back ([\d.]+) s")


def guess(port: int, source: str = "127.0.0.1") -> bytes:
    """One session, one wrong AUTH PLAIN: its answer, once the server gives it."""
    sock, reader = dialogue(port, source)
    blob = base64.b64encode(b"\0carol\0wrong").decode()
    sock.sendall(f"AUTH PLAIN {blob}\r\n".encode())
    answer = reader.readline()
    hang_up(sock, reader)
    return answer


def guesses(lines: list[str]) -> list[tuple[str, float]]:
    """(worker pid, seconds its answer was held) per guess, from the log in the order the guesses came."""
    out: list[tuple[str, float]] = []
    for line in lines:
        if failed := FAILED.search(line):
            out.append((failed.group(1), 0.0))
        elif held := HELD.search(line):
            assert out and out[-1][0] == held.group(1)  # held by the worker that judged it
            out[-1] = (held.group(1), float(held.group(2)))
    return out


def test_a_guesser_gets_the_same_growing_delays_whichever_worker_answers(tmp_path: Path) -> None:
    config = write_config(tmp_path, listener=POLICY)
    with serving(config, "--workers", "2", "--loop", "asyncio") as served:
        first, second = served.workers()
        # The first guess on either worker, then each worker in turn judges one (the other stopped meanwhile).
        turns = [None, first, second, first, second]
        for turn in turns:
            with served.only(turn) if turn else contextlib.nullcontext():
                assert guess(served.port).startswith(b"535 ")
                judge = served.wait_for(FAILED).group(1)  # logged before the answer was sent
            assert turn in (None, judge)
        assert served.stop() == 0
        assert served.proc.stderr is not None
        log = served.seen + served.proc.stderr.readlines()
    judged = guesses(log)
    assert [pid for pid, _ in judged[1:]] == turns[1:], judged
    waits = [wait for _, wait in judged]
    # As with one worker: the 1st guess answered at once, every later one held, longer each time up to the cap
    # (each waits its spacing less the few milliseconds a new session takes).
    assert waits[0] == 0.0 and all(w > 0 for w in waits[1:]), judged
    growing = waits[1:4]
    assert growing == sorted(growing) and growing[-1] > 3 * BASE, judged
    assert max(waits) <= CAP


def test_exempt_networks_are_never_held_back_and_others_still_are(tmp_path: Path) -> None:
    config = write_config(tmp_path, listener=POLICY)
    config.write_text('Auth_Penalty_Exempt = ( "127.0.0.2/32" "10.1.0.0/16" )\n' + config.read_text())
    webmail = re.compile(r"AUTH PLAIN user='carol' from 127\.0\.0\.2: failure")
    with serving(config, "--loop", "asyncio") as served:
        for _ in range(4):  # a webmail relaying many users' logins: every failure answered at once
            assert guess(served.port, "127.0.0.2").startswith(b"535 ")
            served.wait_for(webmail)
        assert guess(served.port).startswith(b"535 ")  # another address pays as before
        assert guess(served.port).startswith(b"535 ")
        assert served.wait_for(re.compile(r"AUTH answer to (\S+) held back")).group(1) == "127.0.0.1"
        assert served.stop() == 0
    assert not [line for line in served.seen if "AUTH answer to 127.0.0.2" in line]


def test_max_connections_per_address_holds_for_the_machine_under_workers(tmp_path: Path) -> None:
    config = write_config(tmp_path, listener="Max_Connections_Per_Address = 2")
    with serving(config, "--workers", "2", "--loop", "asyncio") as served:
        first, second = served.workers()
        banners, open_ = [], []
        for taker in (first, second, first, second):  # kept open, each worker taking one in turn
            with served.only(taker):
                sock, reader = connect(served.port)
                banners.append(reader.readline()[:5])
            open_.append((sock, reader))
        # Two sessions for the address in all, not two per worker: each worker holds one and refuses the next.
        assert banners == [b"220 m", b"220 m", b"421 4", b"421 4"], banners
        for sock, reader in open_:
            hang_up(sock, reader)
        assert served.stop() == 0
