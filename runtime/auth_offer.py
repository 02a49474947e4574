"""Which AUTH mechanisms EHLO offers a client, and which of them before TLS: one answer for serve and lint.

Rule of this room: pure functions of plain values — the effective SMTP_Extensions items, which mechanisms have
parameters (and a store that can serve them), whether a certificate and key are configured, Auth_Require_TLS
and whether the session is under TLS. The server asks them for every session (extensions.py, authgate.py);
the compiler asks the same functions, through compiler/runtime_facts.py, with the values lint resolved for a
client class (compiler/rules/auth_offers.py). So lint's "PLAIN is offered before STARTTLS" is what EHLO says.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

# The mechanisms that carry the password itself (base64 is no protection).
CLEARTEXT_MECHANISMS = frozenset({"PLAIN", "LOGIN"})


# Every session asks these several times (each reply asks about ENHANCEDSTATUSCODES); a server has a handful
# of distinct SMTP_Extensions lists, and a lint run as many as it has scopes setting one: worked out once each.
@functools.lru_cache(maxsize=4096)
def extension_words(items: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """SMTP_Extensions items split into upper-case words: "auth plain" -> ("AUTH", "PLAIN"); blanks dropped."""
    return tuple(tuple(item.upper().split()) for item in items if item.strip())


@functools.lru_cache(maxsize=4096)
def extension_keywords(items: tuple[str, ...]) -> frozenset[str]:
    """The first word of each item: what `has_extension` asks."""
    return frozenset(words[0] for words in extension_words(items))


@functools.lru_cache(maxsize=4096)
def listed_mechanisms(items: tuple[str, ...]) -> tuple[str, ...]:
    """SASL names listed as "AUTH X ..." items, in order, without duplicates."""
    names: list[str] = []
    for words in extension_words(items):
        if words[0] == "AUTH":
            names.extend(w for w in words[1:] if w not in names)
    return tuple(names)


def offered(listed: Iterable[str], serves: Callable[[str], bool]) -> tuple[str, ...]:
    """The listed mechanisms that are served (`serves`: its parameters resolve and its store can serve it)."""
    return tuple(name for name in dict.fromkeys(listed) if serves(name))


def starttls_offered(items: tuple[str, ...], certificate_and_key: bool) -> bool:
    """STARTTLS is listed and a certificate and key are configured: what EHLO needs to show it."""
    return certificate_and_key and "STARTTLS" in extension_keywords(items)


def clear_text_needs_tls(setting: bool | None, starttls: bool) -> bool:
    """Whether PLAIN/LOGIN wait for TLS: as set, or, when `Auth_Require_TLS` is unset, wherever STARTTLS is
    offered (a client that can protect the password must not be invited to send it in clear)."""
    return starttls if setting is None else setting


def usable_now(served: tuple[str, ...], *, tls: bool, auth_require_tls: bool | None, starttls: bool) -> tuple[str, ...]:
    """The served mechanisms a session may use now (and EHLO shows), in their order: PLAIN and LOGIN wait for
    TLS where Auth_Require_TLS holds them back. Under Use_SSL a session is under TLS from its first byte."""
    if tls or not clear_text_needs_tls(auth_require_tls, starttls):
        return served
    return tuple(name for name in served if name not in CLEARTEXT_MECHANISMS)


def ehlo_mechanisms(
    items: tuple[str, ...],
    serves: Callable[[str], bool],
    *,
    tls: bool,
    certificate_and_key: bool,
    auth_require_tls: bool | None,
) -> tuple[str, ...]:
    """What the AUTH line of EHLO lists for a session with these effective values, under TLS or not."""
    starttls = starttls_offered(items, certificate_and_key)
    served = offered(listed_mechanisms(items), serves)
    return usable_now(served, tls=tls, auth_require_tls=auth_require_tls, starttls=starttls)
