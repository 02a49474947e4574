"""The AUTH penalty kept in a real Redis (Auth_Penalty_Redis): the same arithmetic as one machine's table,
one table for two `ecconf serve` instances, and the machine's table when Redis goes away (and back)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis_server import RedisServer, running
from serving import serving, write_config
from test_serve_penalty import BASE, CAP, POLICY, guess

from ecconf.runtime.config import SessionPolicy
from ecconf.runtime.events import AuthAttempted
from ecconf.runtime.penalty import AuthPenalty, PenaltyRule

pytest.importorskip("redis", reason="the redis client is not installed (pip install 'ecconf[redis]')")

from ecconf.runtime.penalty_redis import RedisRemote


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    yield from running()


RULE = PenaltyRule(base=1.0, cap=30.0, half_life=300.0)
HELD = re.compile(r"AUTH answer to 127\.0\.0\.1 held back ([\d.]+) s")
DOWN = re.compile(r"AUTH penalty store (\S+) unreachable \((.*)\): this machine's table decides")
BACK = re.compile(r"AUTH penalty store (\S+) answers again")
FAILED = re.compile(r"AUTH PLAIN user='carol' from 127\.0\.0\.1: failure")  # logged before the answer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_lua_script_settles_as_the_machine_table_does(redis_server: RedisServer) -> None:
    async def run() -> None:
        clock = Clock()
        local = AuthPenalty(clock)
        remote = RedisRemote(redis_server.url, clock=clock)
        script = [("192.0.2.1", True, 0.0)] * 3 + [("192.0.2.1", False, 1.0), ("2001:db8::/64", True, 0.5)] * 4
        script += [("192.0.2.1", True, 0.1)] * 40 + [("192.0.2.1", False, 4000.0)]
        try:
            for key, failed, elapsed in script:
                clock.now += elapsed
                expected = local.answer_delay(key.partition("/")[0], failed, RULE)
                got = await remote.settle(key, failed, RULE)
                assert got == (None if expected is None else pytest.approx(expected, abs=1e-6)), (key, clock.now)
            client = remote._client
            assert await client.exists("ecconf:penalty:192.0.2.1") == 0  # faded on its success: forgotten
            assert 0 < await client.pttl("ecconf:penalty:2001:db8::/64")  # expires on its own
        finally:
            await remote.close()

    asyncio.run(run())


def test_a_refusal_of_either_table_refuses(redis_server: RedisServer) -> None:
    async def run() -> None:
        penalty = AuthPenalty(Clock())
        penalty.remote = RedisRemote(redis_server.url)
        policy = SessionPolicy(auth_penalty_base=5.0, auth_penalty_cap=5.0)
        failed = AuthAttempted("PLAIN", "carol", False, False, False, delay=0.0, penalised=True)
        try:
            answers = []
            for _ in range(3):  # 0 s, then 5 s (the next slot at +10 s: past the cap), then refused
                pending = penalty.hold("192.0.2.7", failed, policy)
                answers.append(await pending if isinstance(pending, asyncio.Future) else pending)
            assert answers[0] == 0.0 and answers[1] == pytest.approx(5.0, abs=0.5) and answers[2] is None
        finally:
            await penalty.remote.close()

    asyncio.run(run())


def shared_config(folder: Path, url: str, policy: str = POLICY) -> Path:
    folder.mkdir(exist_ok=True)
    config = write_config(folder, listener=policy)
    config.write_text(f'Auth_Penalty_Redis = "{url}"\n' + config.read_text())
    return config


def test_two_servers_sharing_one_redis_give_a_guesser_the_same_growing_delays(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    first_config = shared_config(tmp_path / "a", redis_server.url)
    second_config = shared_config(tmp_path / "b", redis_server.url)
    with serving(first_config, "--loop", "asyncio") as first, serving(second_config, "--loop", "asyncio") as second:
        waits = []
        for served in (first, second, first, second):  # each server sees every other guess only
            assert guess(served.port).startswith(b"535 ")
            served.wait_for(FAILED)
        for served in (first, second):
            assert served.stop() == 0
            assert served.proc.stderr is not None
            served.seen.extend(served.proc.stderr.readlines())
    for served in (first, second):
        waits.append([float(m.group(1)) for line in served.seen if (m := HELD.search(line))])
        assert not [line for line in served.seen if DOWN.search(line)]
    # The first server held its 2nd guess (the 3rd in all); the second held both of its own, the first of
    # them after a single failure that the first server had seen: one table for both.
    (third,), (second_guess, fourth) = waits
    assert second_guess > 0 and second_guess < third < fourth <= CAP, waits
    assert fourth > 3 * BASE


def test_redis_gone_the_machine_table_decides_and_says_so_then_redis_again(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    # A cap of 1 s: the guesses that wait for Redis to be asked again are held at most that long each.
    config = shared_config(tmp_path / "a", redis_server.url, POLICY.replace(f"= {CAP}", "= 1"))
    with serving(config, "--loop", "asyncio") as served:
        assert guess(served.port).startswith(b"535 ")
        assert guess(served.port).startswith(b"535 ")
        redis_server.stop()  # mid-run: the next guesses are answered from the machine's table
        assert guess(served.port).startswith(b"535 ")
        down = served.wait_for(DOWN)
        assert down.group(1) == redis_server.url
        held = float(served.wait_for(HELD).group(1))  # it remembers what this machine saw: still held
        assert held > 0
        assert guess(served.port).startswith(b"535 ")  # within RETRY: not asked, not logged again
        redis_server.start()
        for _ in range(10):  # Redis is asked again once RETRY (1 s) has passed since it failed
            assert guess(served.port).startswith(b"535 ")
            served.wait_for(HELD)  # every guess is held now, after what Redis (or the table) said, if anything
            if any(BACK.search(line) for line in served.seen):
                break
        assert served.stop() == 0
        assert served.proc.stderr is not None
        log = served.seen + served.proc.stderr.readlines()
    assert sum(bool(DOWN.search(line)) for line in log) == 1  # said once per outage
    assert sum(bool(BACK.search(line)) for line in log) == 1


def test_a_redis_that_never_answers_costs_one_short_timeout_then_is_not_asked(tmp_path: Path, caplog) -> None:
    async def run() -> None:
        path = tmp_path / "silent.sock"
        accepted: list[asyncio.StreamWriter] = []

        async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.append(writer)  # takes the connection and the command, never answers

        server = await asyncio.start_unix_server(silent, str(path))
        remote = RedisRemote(f"unix://{path}", timeout=0.2, retry=60.0)
        loop = asyncio.get_running_loop()
        try:
            started = loop.time()
            pending = remote.ask("192.0.2.1", True, RULE, 3.0, lambda wait: wait)
            assert pending is not None
            assert await asyncio.wait_for(pending, 5) == 3.0  # the machine's answer, not never
            assert loop.time() - started < 2.0  # bounded by the timeout (generous margin)
            assert remote.ask("192.0.2.1", True, RULE, 1.0, lambda wait: wait) is None  # not asked again yet
        finally:
            for writer in accepted:
                writer.close()
            server.close()
            await remote.close()

    with caplog.at_level("WARNING", logger="ecconf.runtime.server"):
        asyncio.run(run())
    assert [r.getMessage() for r in caplog.records if "unreachable (timed out)" in r.getMessage()], caplog.text
