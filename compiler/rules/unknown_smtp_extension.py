"""E306 unknown-smtp-extension: an SMTP_Extensions item that is not an SMTP extension keyword.

Each item of `SMTP_Extensions` is one EHLO line: a keyword from the IANA SMTP Service Extensions registry
(`ENHANCEDSTATUSCODES`, `STARTTLS`, `PIPELINING`, `8BITMIME`, `CHUNKING`, `SIZE`, `DSN`, `SMTPUTF8`...),
optionally with parameters, or a private `X...` keyword (`XCLIENT`, `XFORWARD`). `AUTH` must name at least
one SASL mechanism, and one item may name several (`"AUTH PLAIN LOGIN"`). A misspelt keyword is advertised
to clients as written, and the feature it meant is not offered.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "ENHANCEDSTATUSCODE" "AUTH" "PIPELINING" )
      }
    }

Good:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH PLAIN LOGIN" "PIPELINING" )
      }
    }
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..fallback import ClientClass, Resolved
from ..nodes import Array, Scalar, Value

CODE = "E306"
SUMMARY = "an SMTP_Extensions item is not a known SMTP extension keyword"
DEFAULT_SEVERITY = Severity.WARNING

# The IANA "SMTP Service Extensions" registry (RFC 5321 and the RFCs it lists), UTF8SMTP included for old peers.
KEYWORDS = frozenset(
    """SEND SOML SAML VRFY EXPN HELP TURN 8BITMIME SIZE VERB ONEX CHUNKING BINARYMIME CHECKPOINT DELIVERBY
    PIPELINING DSN ETRN ENHANCEDSTATUSCODES STARTTLS NO-SOLICITING MTRK ATRN AUTH BURL FUTURERELEASE CONPERM
    CONNEG SMTPUTF8 UTF8SMTP MT-PRIORITY RRVS REQUIRETLS LIMITS""".split()
)
EHLO_KEYWORD = re.compile(r"[A-Z0-9][A-Z0-9-]*\Z")  # RFC 5321 ehlo-keyword, compared upper-cased
SASL_NAME = re.compile(r"[A-Z0-9_-]{1,20}\Z")  # RFC 4422 §3.1
CACHE = "smtp_extension_keywords"


def items(value: Value) -> list[Scalar]:
    """The string items of an SMTP_Extensions value (one bare string counts as a one-item list)."""
    candidates = value.items if isinstance(value, Array) else [value]
    return [item for item in candidates if isinstance(item, Scalar)]


def keyword(item: str) -> str:
    words = item.split()
    return words[0].upper() if words else ""


def advertising(ctx: CheckContext, cls: ClientClass, wanted: str) -> Scalar | None:
    """The SMTP_Extensions item that advertises `wanted` (a keyword) to this client class, if one does."""
    return keywords(ctx, ctx.effective(cls, "smtp_extensions")).get(wanted)


def keywords(ctx: CheckContext, resolved: Resolved) -> dict[str, Scalar]:
    """Keyword -> the first item advertising it, of a resolved SMTP_Extensions (do not change the dict).

    Asked for every client class, but most classes share the scope that sets their list: one answer per
    resolved value (the Resolved is shared too, and kept alive beside its answer so its id stays its own)."""
    cache: dict[int, tuple[Resolved, dict[str, Scalar]]] = ctx.shared(CACHE, _new_cache)
    found = cache.get(id(resolved))
    if found is None:
        out: dict[str, Scalar] = {}
        option = ctx.extension_options.get(resolved.span) if resolved.value and resolved.span is not None else None
        if option is not None:
            for item in items(option.value):
                out.setdefault(keyword(item.value), item)
        found = cache[id(resolved)] = (resolved, out)
    return found[1]


def _new_cache(_ctx: CheckContext) -> dict[int, tuple[Resolved, dict[str, Scalar]]]:
    return {}


def _problem(text: str) -> tuple[str, str] | None:
    """(message, hint) for an item that is not a valid EHLO line, else None."""
    words = text.split()
    if not words:
        return "an empty SMTP_Extensions item advertises nothing", "remove it"
    word = words[0].upper()
    if word == "AUTH" or word.startswith("AUTH="):
        mechanisms = [m for m in (words[1:] if word == "AUTH" else [words[0][5:], *words[1:]]) if m]
        if not mechanisms:
            return '"AUTH" names no SASL mechanism', 'name the mechanisms: "AUTH PLAIN" or "AUTH PLAIN LOGIN CRAM-MD5"'
        if word != "AUTH":
            return f"{text!r} is the old AUTH= form", f'write "AUTH {" ".join(mechanisms)}"'
        bad = [m for m in mechanisms if not SASL_NAME.match(m.upper())]
        if bad:
            return f"{bad[0]!r} is not a SASL mechanism name", "mechanism names are like PLAIN, LOGIN or CRAM-MD5"
        return None
    if word in KEYWORDS or (word.startswith("X") and EHLO_KEYWORD.match(word)):
        return None
    close = difflib.get_close_matches(word, sorted(KEYWORDS), n=1, cutoff=0.7)
    hint = f"did you mean {close[0]!r}?" if close else "use a keyword from the IANA SMTP Service Extensions registry"
    return f"{words[0]!r} is not a known SMTP extension keyword", hint


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Every SMTP_Extensions assignment, pathways included: a typo is a typo wherever it is written.
    judged: dict[str, tuple[str, str] | None] = {}  # configs repeat the same few items in every scope
    for assignment in ctx.assignments("smtp_extensions"):
        for item in items(assignment.option.value):
            text = item.value
            if text in judged:
                found = judged[text]
            else:
                found = judged[text] = _problem(text)
            if found is not None:
                yield Diagnostic(CODE, found[0], item.span, hint=found[1])
