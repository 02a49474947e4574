"""What the server says about sessions: log lines and accounting-log lines for AUTH and stored messages.

Rule of this room: wording and levels only, no I/O besides logging. Every line of a session starts with its
session id in brackets ("[1f3a.2c]": the serving process and the session's number in it), so one grep
gives one session's story. An ordinary session says nothing at
INFO: connections, closes, AUTH passes and stored messages are DEBUG lines (`--log-level DEBUG`), because
at INFO four lines per session cost a busy server a quarter of its time, and even one line per message
an eighth. The records of ordinary work are the accounting log (AUTH) and the Maildir (messages). AUTH
failures and failed deliveries are INFO and above. Never a password or a base64 blob.
"""

from __future__ import annotations

import logging
import time

from . import acctlog, observe
from .events import AuthAttempted, Envelope

log = logging.getLogger("ecconf.runtime.server")  # one logger for everything the server says


def auth_attempt(sid: str, listener: str, client_ip: str, event: AuthAttempted) -> None:
    """One line per AUTH: the outcome and, for a failure, why (AuthAttempted.reason: never the secret).
    A user the client never named (a cancel before it got that far) is "(none)", not an empty name."""
    outcome = "timeout" if event.timeout else ("success" if event.success else "failure")
    temporary = event.error
    observe.hooks.auth(event.mechanism, "error" if temporary else outcome)
    if event.reason and not event.success:
        outcome = f"{outcome} ({event.reason})"
    level = logging.DEBUG if event.success else logging.INFO
    user = repr(event.user) if event.user else "(none)"
    log.log(level, "[%s] %s: AUTH %s user=%s from %s: %s", sid, listener, event.mechanism, user, client_ip, outcome)


def acct_line(when: float, listener: str, client_ip: str, client_port: int, event: AuthAttempted) -> str:
    client = acctlog.client_field(client_ip, client_port)
    return acctlog.format_line(when, listener, client, event.user, event.success, event.timeout, event.error)


def stored(sid: str, envelope: Envelope, path: str) -> None:
    observe.hooks.stored(max(0.0, time.time() - envelope.received_at))
    log.debug(
        "[%s] message %s from %s (auth %s) stored as %s (%d recipients)",
        sid,
        envelope.queue_id,
        envelope.client_ip or "local",
        envelope.context.auth_user or "none",
        path,
        len(envelope.rcpt_to),
    )


def not_stored(sid: str, envelope: Envelope, exc: BaseException, expected: bool) -> None:
    """`expected`: a spool error with its own reply (full disk...); otherwise a bug, logged with its trace."""
    if expected:
        log.error("[%s] message %s from %s not stored: %s", sid, envelope.queue_id, envelope.client_ip, exc)
    else:
        log.error("[%s] message %s from %s not stored", sid, envelope.queue_id, envelope.client_ip, exc_info=exc)
