"""The envelope record stored beside each spooled message (Spool_Base/envelope/<message name>.json).

Rule of this room: the record says what the message's delivery needs and the message itself does not
carry — MAIL FROM and its parameters, every RCPT (Bcc recipients included), who sent it and how — as
versioned JSON built from the protocol's Envelope only. A secret never goes in: AUTH names the user and
the mechanism, never a password or an exchange. Bump VERSION when a field changes meaning or goes away;
a new field keeps the version.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii

from . import stamps
from .events import AuthStatus, Envelope

VERSION = 1

# The JSON string of a text, ASCII only: client-supplied text (even an undecodable byte kept as a surrogate)
# is escaped, so the file is always valid UTF-8 and one line. It is the C function json's own encoder calls
# for ensure_ascii; the record around the strings is a fixed shape written out here, which takes under half
# the time json.JSONEncoder takes for the same dictionary (the record is the disk thread's largest cost per
# message after the file system's).
_text = encode_basestring_ascii
_BOOLEAN = ("false", "true")


def record(envelope: Envelope, message: str) -> bytes:
    """The JSON record of `envelope` for the spool file named `message` (ASCII, one line and a newline):
    {"version", "message", "queue_id", "received_at", "received", "mail_from": {"address", "params"},
    "rcpt_to": [{"address", "params"}], "client": {"ip", "port"}, "helo", "esmtp", "tls",
    "auth": {"user", "mechanism"} or null}."""
    ctx = envelope.context
    # A parameter given twice counts once, its last value, as a JSON object reader would take it.
    params = ",".join(
        f"{_text(name)}:{'null' if value is None else _text(value)}"
        for name, value in dict(envelope.mail_params).items()
    )
    # RCPT takes no parameters yet (any is refused with 555); the field is there for when one is.
    rcpts = ",".join(f'{{"address":{_text(rcpt)},"params":{{}}}}' for rcpt in envelope.rcpt_to)
    if ctx.auth_status is AuthStatus.PASS:
        auth = f'{{"user":{_text(ctx.auth_user)},"mechanism":{_text(ctx.auth_name)}}}'
    else:
        auth = "null"
    when = envelope.received_at
    return (
        f'{{"version":{VERSION},"message":{_text(message)},"queue_id":{_text(envelope.queue_id)},'
        f'"received_at":{float(when)!r},"received":"{stamps.iso8601(when)}",'
        f'"mail_from":{{"address":{_text(envelope.mail_from)},"params":{{{params}}}}},"rcpt_to":[{rcpts}],'
        f'"client":{{"ip":{_text(envelope.client_ip)},"port":{int(envelope.client_port)}}},'
        f'"helo":{_text(envelope.helo)},"esmtp":{_BOOLEAN[bool(envelope.esmtp)]},'
        f'"tls":{_BOOLEAN[bool(envelope.tls)]},"auth":{auth}}}\n'
    ).encode("ascii")
