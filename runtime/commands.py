"""Command-line parsing: verb, MAIL/RCPT paths, ESMTP parameters, line-length limits.

Rule of this room: turn one received line into typed values or raise `ProtocolViolation` with the reply
that explains why not. No state, no policy: whether a verb is legal now is state.py's business, whether a
parameter value is acceptable for this session is protocol.py's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import replies
from .replies import ProtocolViolation

# RFC 5321 §4.5.3.1.4: 512 octets with CRLF; MAIL may grow by SIZE (RFC 1870: 26) and AUTH= (RFC 4954: 500).
DEFAULT_LINE_LIMIT = 512
LINE_LIMITS = {"MAIL": 512 + 26 + 500, "AUTH": 12288}
# RFC 4954 §4: lines inside an AUTH exchange may be up to 12288 octets with CRLF.
SASL_LINE_LIMIT = 12288
# Nothing longer is ever buffered while waiting for a line end.
MAX_PENDING_LINE = max(SASL_LINE_LIMIT, *LINE_LIMITS.values())

_VERB = re.compile(r"[A-Za-z]{1,16}")
_PARAM_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_PARAM_VALUE = re.compile(r"[\x21-\x3c\x3e-\x7e]+")  # printable US-ASCII except "="
_XTEXT_HEX = re.compile(r"\+([0-9A-F]{2})")
# RFC 5321 §4.1.2 Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str], with an optional root
# dot; or an address literal. Matched in linear time: each label is one possessive run checked at both ends,
# and only a "." starts the next, so no character can be split between labels in more than one way (the
# old `(?:label\.?)+` split a run of n letters 2^(n-1) ways: 40 letters pinned the CPU before AUTH).
_LABEL = r"(?!-)[A-Za-z0-9-]++(?<!-)"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*+\.?|\[[^\[\]\\\s]+\]")


@dataclass(frozen=True, slots=True)
class Command:
    verb: str  # upper case
    arg: str  # the rest of the line, stripped


@dataclass(frozen=True, slots=True)
class PathArgument:
    """`FROM:<addr> PARAMS` or `TO:<addr> PARAMS` after the verb."""

    address: str
    params: dict[str, str | None] = field(default_factory=dict)  # upper-case keys; None for a bare keyword


def line_limit(verb: str) -> int:
    return LINE_LIMITS.get(verb, DEFAULT_LINE_LIMIT)


def parse_command(line: bytes) -> Command:
    """Split a command line (without its line end) into verb and argument."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolViolation(replies.SYNTAX_ERROR) from None
    verb, _, arg = text.strip(" ").partition(" ")
    if not _VERB.fullmatch(verb):
        raise ProtocolViolation(replies.UNKNOWN_COMMAND)
    return Command(verb.upper(), arg.strip(" "))


def _split_address(rest: str) -> tuple[str, str]:
    """`<addr> params` -> (addr, params); quoted local parts may hold `>` and spaces."""
    rest = rest.lstrip(" ")
    if not rest.startswith("<"):
        # Lenient: some clients omit the brackets. The address is then the first word.
        addr, _, params = rest.partition(" ")
        return addr, params
    quoted = escaped = False
    for i, ch in enumerate(rest[1:], start=1):
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ">" and not quoted:
            return rest[1:i], rest[i + 1 :]
    raise ProtocolViolation(replies.SYNTAX_ERROR)


def _valid_mailbox(addr: str) -> bool:
    local, at, domain = addr.rpartition("@")
    if not at or not local or any(ord(c) < 0x21 and not (c == " " and local.startswith('"')) for c in local):
        return False
    return bool(_DOMAIN.fullmatch(domain))


def parse_path(arg: str, prefix: str, *, null_ok: bool) -> PathArgument:
    """Parse `FROM:<a@b> SIZE=10` (prefix "FROM:") or `TO:<a@b>` (prefix "TO:")."""
    if not arg[: len(prefix)].upper() == prefix:
        raise ProtocolViolation(replies.SYNTAX_ERROR)
    sender = prefix == "FROM:"
    bad = replies.BAD_SENDER if sender else replies.BAD_RECIPIENT
    address, rest = _split_address(arg[len(prefix) :])
    # SMTPUTF8 (RFC 6531) is never offered, so no client may use a UTF-8 address (RFC 6531 §3.7.4.1).
    if not address.isascii():
        raise ProtocolViolation(replies.NON_ASCII_SENDER if sender else replies.NON_ASCII_RECIPIENT)
    # RFC 5321 §4.1.2: accept and ignore a source route "@a,@b:user@host".
    if address.startswith("@") and ":" in address:
        address = address.split(":", 1)[1]
    if address == "":
        if not null_ok:
            raise ProtocolViolation(bad)
    elif not (_valid_mailbox(address) or (not null_ok and address.lower() == "postmaster")):
        raise ProtocolViolation(bad)
    return PathArgument(address, parse_params(rest))


def parse_params(text: str) -> dict[str, str | None]:
    params: dict[str, str | None] = {}
    for item in text.split():
        key, eq, value = item.partition("=")
        if not _PARAM_KEY.fullmatch(key) or (eq and not _PARAM_VALUE.fullmatch(value)):
            raise ProtocolViolation(replies.SYNTAX_ERROR)
        params[key.upper()] = value if eq else None
    return params


def decode_xtext(value: str) -> str:
    """RFC 3461 §4 xtext, as used by MAIL ... AUTH=<mailbox>."""
    if re.search(r"\+(?![0-9A-F]{2})", value):
        raise ProtocolViolation(replies.BAD_PARAMETER.format(name="AUTH"))
    return _XTEXT_HEX.sub(lambda m: chr(int(m.group(1), 16)), value)
