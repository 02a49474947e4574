"""How the server hands input to an SmtpConnection and takes back what needs the session.

Rule of this room: no I/O and no asyncio; plain functions over the sans-IO protocol, used by server.py's
link. `answer` is the fast path: a session waiting for input is answered on the spot when the protocol
needs nothing but more bytes (most commands), and a closing reply goes out at once; anything else (an
event, an error) is handed back for the session task to deal with. `take` feeds what a read returned.
"""

from __future__ import annotations

from .events import NEED_DATA, Close, Event, Sentinel
from .protocol import SmtpConnection


class Shutdown:
    """Marker a read returns when the server asks the session to end."""


Pending = Event | Sentinel | Exception


def answer(conn: SmtpConnection, data: bytes) -> tuple[bytes, Pending | None]:
    """Feed `data`; the bytes to send now, and what needs the session (None: just wait for more input)."""
    try:
        conn.receive_data(data)
        event = conn.next_event()
    except Exception as exc:  # the session task re-raises it where its handlers are
        return b"", exc
    if event is NEED_DATA:
        return conn.data_to_send(), None
    if isinstance(event, Close):
        return conn.data_to_send(), event  # the last words (221, 421) need nothing more: out they go now
    return b"", event  # the session sends what is pending once it has dealt with the event


def take(conn: SmtpConnection, chunk: bytes | type[Shutdown] | Event | Sentinel) -> Event | Sentinel | None:
    """Feed what a read returned to conn; an event the link took from conn on the way is handed back."""
    if chunk is Shutdown:
        conn.shutdown()
        return None
    if not isinstance(chunk, bytes):
        return chunk  # type: ignore[return-value]
    conn.receive_data(chunk)
    return None
