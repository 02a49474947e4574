"""What a session's events leave behind: the disk jobs they ask for and the lines logged about them.

Rule of this room: plain functions, no asyncio and no waiting: session_driver.py decides when, these say
what. An AUTH attempt is logged and becomes an accounting line (Append) when its mechanism logs them; a
message becomes a Deliver job, and its outcome a 250 or the spool's refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from . import envelope, replies, sessionlog
from .diskqueue import Append, Deliver
from .events import AuthAttempted, Close, MessageReceived
from .listeners import Generation, Slot
from .protocol import SmtpConnection
from .spool import SpoolError

log = logging.getLogger(__name__.rpartition(".")[0] + ".server")  # the server's log


def auth_line(
    sid: str, slot: Slot, gen: Generation, conn: SmtpConnection, event: AuthAttempted, clock: Callable[[], float]
) -> Append | None:
    """Log the attempt; the accounting line to append, if the config keeps one and the mechanism logs."""
    name = slot.spec.name
    sessionlog.auth_attempt(sid, name, conn.client_ip, event)
    path = gen.config.acctlog_path
    if path is None or not event.log:
        return None
    return Append(path, sessionlog.acct_line(clock(), name, conn.client_ip, conn.client_port, event))


def delivery(gen: Generation, event: MessageReceived) -> Deliver:
    env = event.envelope
    return Deliver(gen.maildir, event.data, env.queue_id, env.received_at, partial(envelope.record, env))


def stored(sid: str, conn: SmtpConnection, event: MessageReceived, value: object, exc: BaseException | None) -> None:
    """The disk thread's outcome for a message, told to the protocol (250 or the spool's reply) and logged."""
    env = event.envelope
    if exc is not None:
        sessionlog.not_stored(sid, env, exc, expected=isinstance(exc, SpoolError))
        conn.message_rejected(exc.reply if isinstance(exc, SpoolError) else replies.SPOOL_ERROR)
        return
    sessionlog.stored(sid, env, value)  # type: ignore[arg-type]  # a Deliver's value is its path in new/
    conn.message_stored(env.queue_id)


def closing(sid: str, slot: Slot, conn: SmtpConnection, event: Close) -> None:
    log.debug("[%s] %s: closing %s:%s: %s", sid, slot.spec.name, conn.client_ip, conn.client_port, event.reason)
