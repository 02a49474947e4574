"""One mail transaction's envelope data, and the checks on MAIL FROM parameters.

Rule of this room: the MAIL parameters we support (SIZE, RFC 1870; BODY, RFC 6152; AUTH, RFC 4954 §5) are
validated here against the session's limits; anything else is refused with 555. The AUTH= value is kept
for information only: trust comes from this session's own AUTH, never from a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import replies
from .commands import PathArgument, decode_xtext
from .replies import ProtocolViolation


@dataclass(slots=True)
class Transaction:
    mail_from: str = ""
    rcpt_to: list[str] = field(default_factory=list)
    body: str = ""
    auth_param: str = ""
    size_hint: int = 0
    # The MAIL parameters as sent and accepted (upper-case names; None for a bare keyword), for the spool's
    # envelope record.
    mail_params: tuple[tuple[str, str | None], ...] = ()


def start_transaction(path: PathArgument, max_message_size: int) -> Transaction:
    tx = Transaction(mail_from=path.address, mail_params=tuple(path.params.items()))
    for key, value in path.params.items():
        if key == "SIZE":
            if value is None or not value.isdigit():
                raise ProtocolViolation(replies.BAD_PARAMETER.format(name=key))
            tx.size_hint = int(value)
            if 0 < max_message_size < tx.size_hint:
                raise ProtocolViolation(replies.MESSAGE_TOO_BIG)
        elif key == "BODY":
            if value is None or value.upper() not in ("7BIT", "8BITMIME"):
                raise ProtocolViolation(replies.BAD_PARAMETER.format(name=key))
            tx.body = value.upper()
        elif key == "AUTH":
            if value is None:
                raise ProtocolViolation(replies.BAD_PARAMETER.format(name=key))
            tx.auth_param = "" if value == "<>" else decode_xtext(value)
        else:
            raise ProtocolViolation(replies.UNKNOWN_PARAMETER.format(name=key))
    return tx
