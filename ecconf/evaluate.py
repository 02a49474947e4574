"""`ecconf eval`: the effective configuration for one Listen and one client, and what serve will do with it.

Rule of this room: glue, answering only from the code lint and serve run, so that it can never disagree with
them: effective values and where they were set come from the compiler's fallback (what lint judges), and
the session as serve will run it from the runtime itself: the policy `ecconf serve` resolves for that
client (runtime/policy.py), the EHLO keywords and mechanisms it offers before and after TLS
(runtime/extensions.py, runtime/authgate.py) over the credential stores it opens (runtime/authn.py), and its
relaying decision (policy.may_relay).
"""

from __future__ import annotations

import difflib
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from .compiler.fallback import OPTION_FIELDS, class_for_ip, effective
from .compiler.models import Config, Listen, Model, dump
from .compiler.redact import redact_json, redact_uris
from .compiler.to_runtime import to_runtime
from .compiler.to_text import SPELLING
from .runtime import authgate, extensions, policy
from .runtime.authn import Credentials, build_schemes, mechanism_specs
from .runtime.config import ListenerSpec, SessionPolicy
from .runtime.events import ValidationContext
from .runtime.listen_address import parse_listen_address


class EvalError(ValueError):
    """The Listen or client asked for does not exist or is not an address."""


@dataclass(frozen=True)
class Setting:
    name: str  # Momentum's spelling
    value: Any
    level: str  # "listen_peer", "listen", "listener_peer", "listener", "global" or "default"
    where: str  # "file:line", or "default"


@dataclass
class Evaluation:
    listen: str
    client: str
    client_class: str
    settings: list[Setting] = field(default_factory=list)
    ehlo: dict[str, list[str]] = field(default_factory=dict)  # "plain" / "tls" -> EHLO keywords
    mechanisms: dict[str, list[str]] = field(default_factory=dict)  # "plain" / "tls" -> AUTH usable then
    stores: dict[str, str] = field(default_factory=dict)  # mechanism -> its store URI
    relay: str = ""  # whether the client may relay without AUTH, and why
    tls: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, Any] = field(default_factory=dict)


def _listen(config: Config, wanted: str | None) -> Listen:
    listener = config.esmtp_listener
    listens = listener.listens if listener is not None else []
    if not listens:
        raise EvalError("the config has no Listen")
    if wanted is None:
        return listens[0]
    for listen in listens:
        if listen.address == wanted:
            return listen
    raise EvalError(f"no Listen {wanted!r}; the config has {', '.join(repr(ls.address) for ls in listens)}")


def _is_unix(listen: Listen) -> bool:
    try:
        return parse_listen_address(listen.address).kind == "unix"
    except ValueError:  # lint's E302; to_runtime is never asked about such a config
        return False


def _spec(specs: tuple[ListenerSpec, ...], listen: Listen) -> ListenerSpec | None:
    return next((spec for spec in specs if spec.name == listen.address), None)


def _plain(value: Any) -> Any:
    """A value as JSON holds it (networks and paths as text, tuples as lists, auth dictionaries by URI)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Model):
        dumped: dict[str, Any] = dump(value, exclude_none=True)
        if not dumped.get("options"):
            dumped.pop("options", None)
        return dumped
    return str(value)


def _relay(resolved: SessionPolicy, client: str) -> str:
    if policy.may_relay(resolved, client, ValidationContext()):
        if resolved.open_relay:
            return "yes: Open_Relay is on for this client"
        if resolved.always_allow and not resolved.always_deny:
            return "yes: Always_Allow is on for this client"
        return "yes: the client is in Relay_Hosts"
    return "no: only after AUTH"


def _known_names(names: tuple[str, ...]) -> set[str]:
    """The options asked for, lower-cased; EvalError with a did-you-mean for one that is no option: a typo
    must not print nothing and exit 0."""
    spellings = {SPELLING.get(name, name).lower(): SPELLING.get(name, name) for name in OPTION_FIELDS}
    for written in names:
        if written.lower() not in OPTION_FIELDS and written.lower() not in spellings:
            close = difflib.get_close_matches(written.lower(), list(spellings), n=1)
            hint = f"; did you mean {spellings[close[0]]!r}?" if close else "; ecconf eval CONFIG lists them all"
            raise EvalError(f"{written!r} is not an option ecconf evaluates{hint}")
    return {n.lower() for n in names}


def evaluate(config: Config, listen_address: str | None, client: str, names: tuple[str, ...] = ()) -> Evaluation:
    """The evaluation of `config` for clients at `client` of the Listen written `listen_address` (the first
    Listen when None). `names` narrows the settings to those options (any spelling)."""
    try:
        ipaddress.ip_address(client)
    except ValueError:
        raise EvalError(f"{client!r} is not an IP address") from None
    listen = _listen(config, listen_address)
    assert config.esmtp_listener is not None
    # As serve sees a connection: a Unix socket's peer has no address, so no Peer scope applies to it.
    peer = None if _is_unix(listen) else client
    cls = class_for_ip(config.esmtp_listener, listen, peer)
    out = Evaluation(listen.address, client, cls.describe())
    server = to_runtime(config)
    spec = _spec(server.listeners, listen)
    resolved = policy.resolve(spec.layers, peer) if spec is not None else None
    wanted = _known_names(names)
    for name in sorted(OPTION_FIELDS):
        spelled = SPELLING.get(name, name)
        if wanted and name not in wanted and spelled.lower() not in wanted:
            continue
        found = effective(config, cls, name)
        value = found.value
        if value is None and resolved is not None:  # unset: the value serve runs with is the runtime's default
            value = getattr(resolved, name, None)
        where = f"{found.span.path}:{found.span.line}" if found.span is not None else "default"
        out.settings.append(Setting(spelled, redact_json(_plain(value)), found.level, where))
    if spec is None or resolved is None:  # Enable = false: serve does not listen here
        out.relay = "serve does not listen here (Enable is false)"
        return out
    if not resolved.enable:  # a Peer's Enable = false: admitted nowhere (runtime/admission.py)
        out.relay = "serve turns this client away at connect time (554; Enable is false for it)"
        return out
    credentials = Credentials(server.base_dir, schemes=build_schemes(server.auth_ds))  # as the server opens them
    credentials.open_all(mechanism_specs(server.listeners))
    offered = extensions.offered_mechanisms(resolved, credentials)
    for state, tls in (("plain", resolved.use_ssl), ("tls", True)):
        out.ehlo[state] = list(extensions.ehlo_keywords(resolved, tls, credentials))
        out.mechanisms[state] = list(authgate.usable_now(resolved, offered, tls))
    out.stores = {name: redact_uris(resolved.auth[name].uri) for name in offered}
    out.relay = _relay(resolved, client)
    out.tls = {
        "starttls": authgate.starttls_offered(resolved),
        "use_ssl": resolved.use_ssl,
        "certificate": str(resolved.tls_certificate or ""),
        "key": str(resolved.tls_key or ""),
        "protocols": list(resolved.tls_protocols),
        "ciphers": resolved.tls_ciphers,
    }
    out.limits = {
        "listener_sessions": resolved.listener_sessions,
        "max_connections_per_address": resolved.max_connections_per_address,
        "idle_time": resolved.idle_time,
        "max_message_size": resolved.message_size_limit,
        "max_recipients_per_message": resolved.max_recipients_per_message,
        "max_auth_failures": resolved.max_auth_failures,
        "auth_penalty_cap": resolved.auth_penalty_cap,
        "data_deadline": resolved.data_deadline,
    }
    return out
