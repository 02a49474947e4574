"""The per-address AUTH penalty kept in Redis (Auth_Penalty_Redis): one table for every server naming it.

Rule of this room: the only runtime module that imports redis, and part of the asyncio shell. The
arithmetic is penalty.py's `Entry.settle`, written again in Lua (SCRIPT) so that Redis runs the whole
read-decay-count-write of one verdict atomically, whichever server asks (a test checks that both agree); the
clock is the Redis server's own (TIME), one for the cluster. An entry expires once its score has faded and
its slot passed, so Redis holds only the addresses that are still paying. Nothing here blocks the loop: each
verdict is one EVALSHA, awaited with a short TIMEOUT while the session waits (the driver resumes it when the
answer comes). The machine's table settles every verdict too, and the stricter of the two answers holds:
while Redis is unreachable or slow the machine's table alone decides, the log says so once, Redis is asked
again RETRY seconds later (not on every AUTH), and the log says when it answers again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from .penalty import FORGET_BELOW, Finish, PenaltyRule

log = logging.getLogger("ecconf.runtime.server")  # the server's log

TIMEOUT = 0.25  # seconds one verdict may wait for Redis before the machine's table answers alone
RETRY = 1.0  # seconds after a failure before Redis is asked again
PREFIX = "ecconf:penalty:"  # then the address key: 192.0.2.1, 2001:db8::/64
_REFUSED = b"refuse"

# KEYS[1]: the address's hash (s: score, u: when s was last decayed, n: its next free slot).
# ARGV: failed (1/0), base, cap, half_life, forget-below, now ("" = the Redis server's TIME).
SCRIPT = """
local failed = ARGV[1] == '1'
local base, cap, half, forget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local now = tonumber(ARGV[6])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local v = redis.call('HMGET', KEYS[1], 's', 'u', 'n')
local score, updated, nb
if v[1] then
  score, updated, nb = tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
elseif failed then
  score, updated, nb = 0, now, now
else
  return '0'
end
if now > updated then
  score = score * 0.5 ^ ((now - updated) / half)
  updated = now
end
local slot = math.max(now, nb)
if slot - now > cap then
  return 'refuse'
end
if failed then
  score = score + 1
  local spacing = 0
  if base > 0 then
    spacing = math.min(cap, base * (2 ^ score - 1))
  end
  nb = slot + spacing
elseif score < forget and nb <= now then
  redis.call('DEL', KEYS[1])
  return string.format('%.17g', slot - now)
end
redis.call('HSET', KEYS[1], 's', string.format('%.17g', score), 'u', string.format('%.17g', updated),
  'n', string.format('%.17g', nb))
local fade = 0
if score > forget then
  fade = half * math.log(score / forget) / math.log(2)
end
redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(nb - now, 0) + fade + 1) * 1000))
return string.format('%.17g', slot - now)
"""


class RedisRemote:
    """penalty.Remote over one Redis server; made on the running loop (its connections belong to it)."""

    def __init__(
        self, url: str, *, clock: Callable[[], float] | None = None, timeout: float = TIMEOUT, retry: float = RETRY
    ) -> None:
        self.url = url
        self._client = aioredis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._script = self._client.register_script(SCRIPT)
        self._clock = clock  # the script's clock for tests; None: the Redis server's TIME
        self._timeout, self._retry = timeout, retry
        self._down_since: float | None = None  # monotonic time of the failure that took it down
        self._tasks: set[asyncio.Task[float | None]] = set()

    def ask(
        self, key: str, failed: bool, rule: PenaltyRule, machine: float | None, finish: Finish
    ) -> asyncio.Task[float | None] | None:
        if self._down_since is not None and time.monotonic() - self._down_since < self._retry:
            return None
        task = asyncio.ensure_future(self._settle(key, failed, rule, machine, finish))
        self._tasks.add(task)  # kept until done: the loop holds only weak references to tasks
        task.add_done_callback(self._tasks.discard)
        return task

    async def settle(self, key: str, failed: bool, rule: PenaltyRule) -> float | None:
        """Redis's own answer for this verdict (raises when it cannot give one)."""
        now = "" if self._clock is None else repr(self._clock())
        args = ["1" if failed else "0", repr(rule.base), repr(rule.cap), repr(rule.half_life), repr(FORGET_BELOW), now]
        raw = await asyncio.wait_for(self._script(keys=[PREFIX + key], args=args), self._timeout)
        return None if raw == _REFUSED else float(raw)

    async def _settle(
        self, key: str, failed: bool, rule: PenaltyRule, machine: float | None, finish: Finish
    ) -> float | None:
        try:
            shared = await self.settle(key, failed, rule)
        except (RedisError, OSError, TimeoutError) as exc:
            self._fell(exc)
            return finish(machine)
        except Exception as exc:  # a bug here must not cost the session its answer
            log.error("AUTH penalty store %s: %r; this machine's table answered", self.url, exc)
            return finish(machine)
        if self._down_since is not None:
            self._down_since = None
            log.warning("AUTH penalty store %s answers again: it is shared with the other servers again", self.url)
        if shared is None or machine is None:
            return None
        return finish(max(shared, machine))

    def _fell(self, exc: BaseException) -> None:
        first = self._down_since is None
        self._down_since = time.monotonic()
        if first:
            reason = "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
            log.warning(
                "AUTH penalty store %s unreachable (%s): this machine's table decides until it answers again",
                self.url,
                reason,
            )

    async def close(self) -> None:
        await self._client.aclose()
