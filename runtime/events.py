"""What the sans-IO protocol hands to its driver.

Rule of this room: plain frozen records, no behaviour. Bytes to send are not events: the driver collects
them with `SmtpConnection.data_to_send()` after every event. Events are the things only the driver can do —
write to disk, upgrade the socket, close it — plus the facts the accounting log needs.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class AuthStatus(enum.Enum):
    NONE = "none"
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ValidationContext:
    """Momentum's connection validation context after AUTH (SPEC §4)."""

    auth_name: str = ""  # the mechanism of the last AUTH attempt
    auth_status: AuthStatus = AuthStatus.NONE
    auth_user: str = ""
    can_relay: bool = False


@dataclass(frozen=True, slots=True)
class Envelope:
    """Everything known about one accepted message besides its content."""

    queue_id: str
    mail_from: str  # "" for the null reverse-path <>
    rcpt_to: tuple[str, ...]
    helo: str
    esmtp: bool
    tls: bool
    client_ip: str
    client_port: int
    context: ValidationContext
    received_at: float  # unix time from the injected clock
    body: str = ""  # BODY= parameter as sent ("8BITMIME", "7BIT" or "")
    auth_param: str = ""  # decoded MAIL ... AUTH=<> parameter (RFC 4954 §5), informational only
    size_hint: int = 0  # SIZE= parameter, 0 when absent
    mail_params: tuple[tuple[str, str | None], ...] = ()  # every MAIL parameter as sent (name, value)


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """A complete message: store it, then call `message_stored()` or `message_rejected()`."""

    envelope: Envelope
    data: bytes  # trace headers already prepended; LF line endings (Maildir form)


@dataclass(frozen=True, slots=True)
class AuthAttempted:
    """One finished (or abandoned) AUTH exchange, for the accounting log."""

    mechanism: str
    user: str
    success: bool
    timeout: bool
    log: bool  # the mechanism's log_authentication setting
    # Seconds the driver waits before sending the answer: a session's repeated failures are slowed down.
    # The protocol never sleeps; the driver may wait longer (its per-address penalty), never shorter.
    delay: float = 0.0
    penalised: bool = False  # a failure held against the client (not a cancel or a server-side error)
    abandoned: bool = False  # no verdict: the client left or fell silent inside the exchange
    # The verdict went out (and was held) earlier, as a 334 (AuthVerdict): this answer is not held again.
    judged: bool = False
    # Why it failed, for the log ("wrong password", "unknown user", "cancelled", "malformed: ...",
    # "temporary: ..."): fixed phrases, never a secret or what the client sent. "" on success.
    reason: str = ""
    error: bool = False  # the store could not answer (454 4.7.0): auth_status "error", not a wrong password


@dataclass(frozen=True, slots=True)
class AuthVerdict:
    """A 334 inside an AUTH exchange that tells a right password from a wrong one (DIGEST-MD5 rspauth, SCRAM
    server-final) is queued: hold it exactly like a final verdict (`delay`, then the address's penalty),
    or call `refuse_verdict()` to take it back. The exchange goes on; its AuthAttempted comes at the end."""

    delay: float
    penalised: bool = False  # a right password: nothing to count against the address
    abandoned: bool = False
    judged: bool = False


@dataclass(frozen=True, slots=True)
class Offload:
    """Work too slow for the event loop (SCRAM's PBKDF2): run `function(*args)` elsewhere — it is pure, any
    thread will do — then call `computed(value)`, or `computed(None, error)` if it raised. Input waits
    meanwhile (it stays buffered), so the session makes no progress, and holds no loop, until then."""

    function: Callable[..., object]
    args: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class StartTls:
    """220 has been queued: send it, upgrade the transport, then call `tls_started()`."""


@dataclass(frozen=True, slots=True)
class Close:
    """Send what is pending, then close the connection."""

    reason: str


class Sentinel(enum.Enum):
    NEED_DATA = "need-data"  # nothing to do until more bytes arrive
    PAUSED = "paused"  # waiting for the driver (spool result or TLS handshake)
    # Replies have piled up (a client pipelining without reading): send them, wait until the client has
    # taken them, then ask again. Input stays buffered meanwhile, so output never grows without bound.
    FLUSH = "flush"


NEED_DATA = Sentinel.NEED_DATA
PAUSED = Sentinel.PAUSED
FLUSH = Sentinel.FLUSH

Event = MessageReceived | AuthAttempted | AuthVerdict | Offload | StartTls | Close
