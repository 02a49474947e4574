"""Shared by the A4xx rules (not a rule itself): which AUTH mechanisms each client class is offered, and why.

Rule of this room: SPEC §4 and the runtime agree on one reading, and this module is it. A mechanism is
*advertised* to a client class when an "AUTH X ..." item of its effective SMTP_Extensions names it, or when any
Auth*Parameters dict of the listener says `extension = AUTH` / `extension_argument = X` (Momentum 2.x; the
runtime adds those to every SMTP_Extensions list, so they count for every class). It is *offered* when it is
advertised and its Auth<Mech>Parameters resolves by fallback for that class. Disabled classes offer nothing.
It is offered *before TLS* unless it is PLAIN or LOGIN and Auth_Require_TLS holds it back. Each of these answers
is the runtime's own function (runtime/auth_offer.py, through runtime_facts), asked with the values lint resolved.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..context import CheckContext
from ..fallback import ClientClass, Resolution, Resolved
from ..models import AUTH_FIELDS, MECHANISM_FIELD, AuthParameters, Listen, ListenerOptions
from ..nodes import Array, Dict, Option, Scalar
from ..runtime_facts import (
    CLEARTEXT_MECHANISMS,
    UriError,
    auth_offer,
    can_serve,
    clear_text_needs_tls,
    store_kinds,
    to_listen_address,
    uri_file,
)
from ..span import Span

LISTENER_KINDS = frozenset({"esmtp_listener", "listen", "peer"})

# Mechanism (upper case) -> the option name as Momentum writes it, for messages and hints.
PARAMETER_NAMES: dict[str, str] = {
    "LOGIN": "AuthLoginParameters",
    "PLAIN": "AuthPlainParameters",
    "CRAM-MD5": "AuthCramMD5Parameters",
    "DIGEST-MD5": "AuthDigestMD5Parameters",
    "SCRAM-SHA-256": "AuthScramSHA256Parameters",
}


# RFC 3986 §3.1, lower case (runtime_facts.uri_scheme lower-cases it), and `_`: Momentum's modules name the
# back-ends they provide after themselves (`uri = "ac_auth://"`, `"smtp_auth_proxy://"`).
_SCHEME = re.compile(r"[a-z][a-z0-9+._-]*")


def valid_scheme(scheme: str) -> bool:
    return bool(_SCHEME.fullmatch(scheme))


@dataclass(slots=True)  # never changed once made (not frozen: thousands are made per run, frozen costs 3x)
class Advert:
    """One mechanism named by an SMTP_Extensions item or by a legacy extension_argument."""

    mechanism: str  # upper-case SASL name
    span: Span  # the SMTP_Extensions item, or the extension_argument entry
    legacy: bool


def auth_words(item: str) -> list[str] | None:
    """The mechanisms an SMTP_Extensions item lists ("AUTH PLAIN LOGIN" -> [PLAIN, LOGIN]); None if not AUTH."""
    words = item.upper().split()
    if not words or words[0] != "AUTH":
        return None
    return words[1:]


@lru_cache(maxsize=4096)
def _mechanisms(item: str) -> tuple[str, ...]:
    # Asked for every item of every SMTP_Extensions; configs repeat the same few items in every scope.
    return tuple(auth_words(item) or ())


def extension_items(option: Option) -> list[Scalar]:
    value = option.value
    items = value.items if isinstance(value, Array) else [value]
    return [item for item in items if isinstance(item, Scalar)]


def item_adverts(option: Option) -> list[Advert]:
    out: list[Advert] = []
    for item in extension_items(option):
        for name in _mechanisms(item.value):
            out.append(Advert(name, item.span, legacy=False))
    return out


def smtp_extension_options(ctx: CheckContext) -> Iterator[Option]:
    """Every SMTP_Extensions assignment in a listener scope, as written."""
    for assignment in ctx.assignments("smtp_extensions"):
        if assignment.scope_kind in LISTENER_KINDS:
            yield assignment.option


def owners(ctx: CheckContext) -> Iterator[ListenerOptions]:
    listener = ctx.config.esmtp_listener
    if listener is None:
        return
    yield listener
    yield from listener.peers
    for listen in listener.listens:
        yield listen
        yield from listen.peers


def legacy_adverts(ctx: CheckContext) -> list[Advert]:
    """Mechanisms advertised the Momentum 2.x way, by the dicts in effect at their level (not shadowed ones)."""
    out: list[Advert] = []
    if not any(auth.params.extension_argument for auth in ctx.facts.auth_dicts):
        return out  # the usual case, and a short one: no dictionary says which mechanism to advertise
    for owner in owners(ctx):
        for field, _mechanism in AUTH_FIELDS.values():
            params: AuthParameters | None = getattr(owner, field)
            if params is None or (params.extension or "").upper() != "AUTH" or not params.extension_argument:
                continue
            span = params.span_of("extension_argument") or params.span
            assert span is not None
            out.extend(Advert(name, span, legacy=True) for name in params.extension_argument.upper().split())
    return out


class Adverts:
    """Every mechanism advertised in a listener scope, found once per check run and shared (see `adverts`)."""

    def __init__(self, ctx: CheckContext) -> None:
        # Per SMTP_Extensions assignment, in text order: the option and the mechanisms its items name.
        self.by_option: list[tuple[Option, list[Advert]]] = [(o, item_adverts(o)) for o in smtp_extension_options(ctx)]
        self.legacy = legacy_adverts(ctx)

    def written(self) -> list[Advert]:
        """Every advert: SMTP_Extensions items in text order, then the Momentum 2.x ones."""
        return [advert for _option, found in self.by_option for advert in found] + self.legacy


def adverts(ctx: CheckContext) -> Adverts:
    return ctx.shared("auth_adverts", Adverts)


@dataclass(slots=True)
class Served:
    """A client class that is served (Enable not false): its resolved fields and the mechanisms it is shown."""

    cls: ClientClass
    fields: Resolution
    advertised: list[Advert]  # in order; shared by the classes with the same SMTP_Extensions: do not change it
    _offered: dict[str, Resolved] | None = None

    def params(self, mechanism: str) -> Resolved | None:
        """The Auth<Mech>Parameters in effect for the class, None if none resolves (or no such field)."""
        field = MECHANISM_FIELD.get(mechanism)
        if field is None:
            return None
        resolved = self.fields[field]
        return resolved if resolved.value is not None else None

    @property
    def offered(self) -> dict[str, Resolved]:
        """Mechanism -> the parameters serving it, for mechanisms both advertised and configured."""
        if self._offered is None:
            names = auth_offer.offered((advert.mechanism for advert in self.advertised), self._configured)
            self._offered = {name: self.fields[MECHANISM_FIELD[name]] for name in names}
        return self._offered

    def _configured(self, mechanism: str) -> bool:
        return self.params(mechanism) is not None


# PLAIN and LOGIN, in the order messages name them.
CLEARTEXT_NAMES: tuple[str, ...] = tuple(sorted(CLEARTEXT_MECHANISMS))


class TlsFacts:
    """What TLS a client class can have, asked by the rules about clear-text mechanisms. Remembers, per resolved
    SMTP_Extensions (shared by the classes of the scope that sets it, and kept alive beside the answer),
    whether it lists STARTTLS."""

    def __init__(self, _ctx: CheckContext | None = None) -> None:
        self._listed: dict[int, tuple[Resolved, bool]] = {}

    def starttls_offered(self, fields: Resolution) -> bool:
        """STARTTLS listed, with TLS_Certificate and TLS_Key: what the server needs to show it."""
        resolved = fields["smtp_extensions"]
        found = self._listed.get(id(resolved))
        if found is None:
            listed = auth_offer.starttls_offered(tuple(resolved.value or ()), True)
            found = self._listed[id(resolved)] = (resolved, listed)
        return found[1] and bool(fields["tls_certificate"].value and fields["tls_key"].value)

    def tls_possible(self, fields: Resolution) -> bool:
        return bool(fields["use_ssl"].value) or self.starttls_offered(fields)

    def clear_text_waits(self, fields: Resolution) -> bool:
        """Whether PLAIN and LOGIN are held back until TLS for the class (Auth_Require_TLS, as the server reads it)."""
        return clear_text_needs_tls(fields["auth_require_tls"].value, self.starttls_offered(fields))

    def before_tls(self, served: Served) -> list[str]:
        """The mechanisms EHLO shows the class before any TLS (all of them under implicit TLS: there is no before)."""
        return self.usable(served, tuple(served.offered), bool(served.fields["use_ssl"].value))

    def usable(self, served: Served, mechanisms: tuple[str, ...], tls: bool) -> list[str]:
        """Of `mechanisms` (served to the class), those a session of the class may use, under TLS or not."""
        fields = served.fields
        auth_require_tls = fields["auth_require_tls"].value
        starttls = self.starttls_offered(fields)
        return list(auth_offer.usable_now(mechanisms, tls=tls, auth_require_tls=auth_require_tls, starttls=starttls))

    def ehlo(self, served: Served, tls: bool, schemes: Collection[str] = ()) -> list[str]:
        """What EHLO's AUTH line lists to the class, under TLS or not: the offered mechanisms whose store can
        serve them (`schemes`: the config's auth_ds Schemes), as `ecconf serve` answers."""
        servable = tuple(
            name for name, resolved in served.offered.items() if _store_serves(name, resolved.value, schemes)
        )
        return self.usable(served, servable, tls or bool(served.fields["use_ssl"].value))


def _store_serves(mechanism: str, params: AuthParameters, schemes: Collection[str]) -> bool:
    """Whether the store the parameters name can serve the mechanism (False for a store serve cannot open)."""
    kinds = store_kinds(params.uri, schemes) if params.uri else None
    cleartext = bool(params.stored_cleartext) and mechanism == "DIGEST-MD5"
    return kinds is not None and can_serve(mechanism, kinds, cleartext)


def tls_facts(ctx: CheckContext) -> TlsFacts:
    return ctx.shared("tls_facts", TlsFacts)


class Offers:
    """The served client classes of one check run, made once and shared by the rules (see `offers`)."""

    def __init__(self, ctx: CheckContext) -> None:
        written = adverts(ctx)
        self.legacy = written.legacy
        self._items = {option.span: found for option, found in written.by_option}
        # By id of the resolved SMTP_Extensions (one per scope that sets it; kept alive alongside).
        self._advertised: dict[int, tuple[Resolved, list[Advert]]] = {}
        # The runtime does not even open a disabled Listen: the class without Peers says whether it is enabled.
        off = {
            id(cls.listen)
            for cls, fields in ctx.resolved
            if cls.listen_peer is None and cls.listener_peer is None and fields["enable"].value is False
        }
        self.served: list[Served] = [
            Served(cls, fields, self._advertised_by(fields["smtp_extensions"]))
            for cls, fields in ctx.resolved
            if fields["enable"].value is not False and id(cls.listen) not in off
        ]

    def classes(self) -> list[ClientClass]:
        """The client classes that are served at all (Enable not false)."""
        return [served.cls for served in self.served]

    def _advertised_by(self, resolved: Resolved) -> list[Advert]:
        found = self._advertised.get(id(resolved))
        if found is None:
            own = self._items.get(resolved.span, []) if resolved.span is not None else []
            found = self._advertised[id(resolved)] = (resolved, own + self.legacy)
        return found[1]


def offers(ctx: CheckContext) -> Offers:
    """The Offers of this check run: built once, asked by every A4xx rule."""
    return ctx.shared("auth_offers", Offers)


def listen_span(ctx: CheckContext, listen: Listen) -> Span | None:
    """The Listen's address as first written (the most precise place to say something about a Listen)."""
    scope = ctx.listen_scopes.get(id(listen))
    if scope is not None:
        return scope.instance.span if scope.instance is not None else scope.name_span
    return listen.span


def is_local(listen: Listen) -> bool:
    """A Unix socket or a loopback address: traffic that never leaves the machine."""
    return _is_local_address(listen.address)


@lru_cache(maxsize=4096)
def _is_local_address(written: str) -> bool:
    # Asked per client class, so once per Listen and Peer: parse each distinct address once, as serve binds it.
    try:
        return to_listen_address(written).is_local
    except ValueError:
        return False


def password_file(ctx: CheckContext, uri: str, span: Span) -> Path | UriError:
    """runtime_facts.uri_file for a uri written at `span` (a relative uri starts at that file's folder): the file,
    or the UriError that says why the uri names none. Answered once per run for each uri and config file: many
    dictionaries name the same store, and several rules ask."""
    cache: dict[tuple[str, str], Path | UriError] = ctx.shared("password_files", _new_cache)
    key = (uri, span.path)
    found = cache.get(key)
    if found is None:
        try:
            found = uri_file(uri, Path(span.path).parent)
        except UriError as exc:
            found = exc
        cache[key] = found
    return found


def _new_cache(_ctx: CheckContext) -> dict[tuple[str, str], Path | UriError]:
    return {}


def dict_entries(option: Option) -> list[tuple[str, Span, Span]]:
    """(lower-case key, key span, entry span) of an Auth*Parameters dict as written."""
    if not isinstance(option.value, Dict):
        return []
    return [(entry.key.lower(), entry.key_span, entry.span) for entry in option.value.entries]


def describe(classes: list[ClientClass], limit: int = 3) -> str:
    names = list(dict.fromkeys(cls.describe() for cls in classes))
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
