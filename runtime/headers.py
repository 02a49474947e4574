"""Trace headers prepended to every accepted message: Authentication-Results and Received; and, for a message
submitted after AUTH that lacks them, the Date and Message-ID a submission server adds (RFC 6409 §8.1, §8.3).

Rule of this room: header text is built from the envelope only, with every client-supplied value cleaned of
control characters, so a HELO name or a user name can never start a new header line. Output lines end in
LF (Maildir form).
"""

from __future__ import annotations

import functools
import re

from . import stamps
from .events import AuthStatus, Envelope

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # all splitlines() breaks on
_TOKEN = re.compile(r"[!#$%&'*+\-./0-9=?A-Z^_`a-z{|}~@]+")


def _clean(value: str, limit: int = 255) -> str:
    # isprintable() is False for every character _CONTROL matches, so a printable value needs no regex.
    return (value if value.isprintable() else _CONTROL.sub("", value))[:limit]


@functools.lru_cache(maxsize=4096)  # a pure function of the user name, asked for every message
def _pvalue(value: str) -> str:
    """An RFC 8601 property value: a token or mailbox as it is, anything else as a quoted string."""
    value = _clean(value)
    if value and _TOKEN.fullmatch(value) and value.count("@") <= 1 and not value.startswith("@"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def protocol_keyword(envelope: Envelope) -> str:
    """RFC 3848 `with` keyword: SMTP, ESMTP, ESMTPA, ESMTPS, ESMTPSA."""
    if not envelope.esmtp:
        return "SMTP"
    authenticated = envelope.context.auth_status is AuthStatus.PASS
    return "ESMTP" + ("S" if envelope.tls else "") + ("A" if authenticated else "")


def authentication_results(hostname: str, envelope: Envelope) -> str:
    ctx = envelope.context
    if ctx.auth_status is AuthStatus.PASS:
        result = f"auth=pass ({_clean(ctx.auth_name)}) smtp.auth={_pvalue(ctx.auth_user)}"
    elif ctx.auth_status is AuthStatus.ERROR:  # the store could not answer (454 4.7.0): RFC 8601 2.7.4
        result = f"auth=temperror ({_clean(ctx.auth_name)}) smtp.auth={_pvalue(ctx.auth_user)}"
    else:
        result = "auth=none"
    return f"Authentication-Results: {_clean(hostname)}; {result}"


def received(hostname: str, envelope: Envelope) -> str:
    ip = envelope.client_ip
    source = f"[{'IPv6:' + ip if ':' in ip else ip}]" if ip else "[local]"
    rcpt = f"\n\tfor <{_clean(envelope.rcpt_to[0])}>" if len(envelope.rcpt_to) == 1 else ""
    return (
        f"Received: from {_clean(envelope.helo) or 'unknown'} ({source})\n"
        f"\tby {_clean(hostname)} with {protocol_keyword(envelope)} id {envelope.queue_id}{rcpt}"
        f"; {stamps.rfc5322(envelope.received_at)}"
    )


_HAS_DATE = re.compile(rb"^date[ \t]*:", re.IGNORECASE | re.MULTILINE)
_HAS_MESSAGE_ID = re.compile(rb"^message-id[ \t]*:", re.IGNORECASE | re.MULTILINE)


def submission_headers(hostname: str, envelope: Envelope, message: bytes) -> bytes:
    """Date and Message-ID for an authenticated submission whose header section has none (RFC 6409 §8: the
    MSA may add them; RFC 5322 §3.6 wants a Date, and a Message-ID SHOULD be there). Mail relayed without
    AUTH is left as its sender wrote it."""
    if envelope.context.auth_status is not AuthStatus.PASS:
        return b""
    end = message.find(b"\n\n")
    header = message if end < 0 else message[: end + 1]
    if message.startswith(b"\n"):
        header = b""  # no header section at all
    # A field name is matched without regard to case; the lower-cased copy tells in one C pass whether the
    # name occurs at all, so the line-anchored patterns run only on a header that may hold the field.
    lower = header.lower()
    added = []
    if b"date" not in lower or not _HAS_DATE.search(header):
        added.append(f"Date: {stamps.rfc5322(envelope.received_at)}\n")
    if b"message-id" not in lower or not _HAS_MESSAGE_ID.search(header):
        added.append(f"Message-ID: <{envelope.queue_id}.{int(envelope.received_at)}@{_clean(hostname)}>\n")
    return "".join(added).encode("utf-8", "replace")


def trace_headers(hostname: str, envelope: Envelope) -> bytes:
    """Both headers, newest first, ready to prepend to the message."""
    text = authentication_results(hostname, envelope) + "\n" + received(hostname, envelope) + "\n"
    return text.encode("utf-8", "replace")
