"""The envelope record stored beside each spooled message (Spool_Base/envelope/<message name>.json).

Rule of this room: the record says what the message's delivery needs and the message itself does not
carry — MAIL FROM and its parameters, every RCPT (Bcc recipients included), who sent it and how — as
versioned JSON built from the protocol's Envelope only. A secret never goes in: AUTH names the user and
the mechanism, never a password or an exchange. Bump VERSION when a field changes meaning or goes away;
a new field keeps the version.
"""

from __future__ import annotations

import json
import time

from .events import AuthStatus, Envelope

VERSION = 1


def record(envelope: Envelope, message: str) -> bytes:
    """The JSON record of `envelope` for the spool file named `message` (ASCII, one line and a newline)."""
    ctx = envelope.context
    authenticated = ctx.auth_status is AuthStatus.PASS
    doc = {
        "version": VERSION,
        "message": message,
        "queue_id": envelope.queue_id,
        "received_at": envelope.received_at,
        "received": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(envelope.received_at)),
        "mail_from": {"address": envelope.mail_from, "params": dict(envelope.mail_params)},
        # RCPT takes no parameters yet (any is refused with 555); the field is there for when one is.
        "rcpt_to": [{"address": rcpt, "params": {}} for rcpt in envelope.rcpt_to],
        "client": {"ip": envelope.client_ip, "port": envelope.client_port},
        "helo": envelope.helo,
        "esmtp": envelope.esmtp,
        "tls": envelope.tls,
        "auth": {"user": ctx.auth_user, "mechanism": ctx.auth_name} if authenticated else None,
    }
    return _ENCODE(doc).encode("ascii") + b"\n"


# ensure_ascii: client-supplied text (even an undecodable byte kept as a surrogate) is escaped, so the file is
# always valid UTF-8 and one line. One encoder made once: json.dumps with any non-default argument builds a
# new one per call, a third of a record's cost.
_ENCODE = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
