"""What a session asks of whoever runs it: the one interface between session_driver.py and server.py.

Rule of this room: an interface only (typing.Protocol), no behaviour. A Session knows its server as a
SessionHost and nothing more, so the asyncio shell stays a one-way chain, link <- session_driver <- server
(tests/test_boundaries.py): the server imports the session, never the other way round.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from typing import Protocol

from .config import SessionPolicy
from .diskqueue import Job, Token
from .events import AuthAttempted, AuthVerdict, Offload
from .link import Link
from .listeners import Generation
from .penalty import Deferred
from .protocol import SmtpConnection


class SessionHost(Protocol):
    """The server's side of a session: its disk thread, compute threads, penalty table, TLS contexts and
    books, and the clock its accounting lines are stamped with."""

    @property
    def clock(self) -> Callable[[], float]: ...

    def submit(self, job: Job, done: Token) -> None:
        """Run a blocking disk job (diskqueue.py) off the loop; `done(value, exception)` on the loop."""

    def compute(self, work: Offload) -> asyncio.Future[object]:
        """Run costly pure work (a key derivation, a datasource check) off the loop."""

    def hold(
        self, client_ip: str, event: AuthAttempted | AuthVerdict, policy: SessionPolicy
    ) -> float | Deferred | None:
        """Seconds to hold this AUTH answer back; None: refuse it; or that answer later (penalty.py)."""

    def connection(self, gen: Generation, policy: SessionPolicy, client: tuple[str, int]) -> SmtpConnection:
        """A new sans-IO protocol for `client` (after an implicit-TLS handshake, its banner too)."""

    def ssl_context(self, policy: SessionPolicy) -> ssl.SSLContext:
        """The context a STARTTLS or implicit-TLS handshake under `policy` uses."""

    def forget(self, link: Link) -> None:
        """The session over `link` has ended: what its admission counted is free again."""
