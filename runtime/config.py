"""Frozen configuration objects the runtime consumes.

Rule of this room: plain data and its validation only — no file, socket or clock access. The compiler builds
these from a parsed Momentum config; tests and embedders build them by hand. Values are normalised on
construction (strings to networks and paths, lists to tuples) so everything downstream can trust the types.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType

from .auth_offer import extension_keywords, extension_words, listed_mechanisms
from .datasources.judge import AuthSpec
from .datasources.service import DatasourceSpec
from .listen_address import ListenAddress as ListenAddress
from .memory_budget import DEFAULT_MESSAGE_MEMORY_BUDGET

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class MechanismSpec:
    """One resolved Auth<Mech>Parameters dictionary."""

    name: str  # SASL name, upper case: "PLAIN", "DIGEST-MD5"
    uri: str
    realm: str = ""  # DIGEST-MD5; empty means the server's host name
    stored_cleartext: bool = False
    log_authentication: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.upper())


def _networks(values: str | IPNetwork | Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    if isinstance(values, str | ipaddress.IPv4Network | ipaddress.IPv6Network):
        values = (values,)
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


# A message is held in memory until it is spooled, so even "no limit" has one: 64 MiB, answered with 552.
HARD_MESSAGE_CAP = 64 * 1024 * 1024
BARE_LF_MODES = ("accept", "reject")
_DURATIONS = (
    "idle_time",
    "auth_failure_delay",
    "data_timeout",
    "data_deadline",
    "greeting_delay",
    "auth_penalty_base",
    "auth_penalty_cap",
    "proxy_protocol_timeout",
)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """The effective option values for one client on one listener (after the fallback of SPEC §3)."""

    enable: bool = True
    smtp_extensions: tuple[str, ...] = ()
    relay_hosts: tuple[IPNetwork, ...] = ()
    open_relay: bool = False
    # SASL name -> its parameters; resolved per mechanism (see policy.resolve).
    auth: Mapping[str, MechanismSpec] = field(default_factory=lambda: MappingProxyType({}))
    banner_hostname: str = ""
    idle_time: float = 300.0
    listener_sessions: int = 0  # 0: no cap
    max_message_size: int = 0  # 0: no limit
    max_recipients_per_message: int = 0  # 0: no limit
    tls_certificate: Path | None = None
    tls_key: Path | None = None
    tls_protocols: tuple[str, ...] = ()
    tls_ciphers: str = ""
    use_ssl: bool = False
    always_allow: bool = False
    always_deny: bool = False
    # Limits of our own (Momentum documents none for these); README "Security" explains each.
    max_auth_failures: int = 3  # failed AUTH exchanges per session before 421 (RFC 4954: not fewer than 3)
    auth_failure_delay: float = 1.0  # seconds before answering a session's 2nd failure, doubling after that
    max_unknown_commands: int = 10  # unknown or malformed commands per session before 421
    data_timeout: float = 600.0  # RFC 5321 §4.5.3.2.6 asks for 10 minutes between data blocks
    data_deadline: float = 1800.0  # seconds for a whole DATA transfer, however steadily it trickles in
    greeting_delay: float = 0.0  # hold the 220 back this long; a client that talks first gets 554 (0: off)
    bare_lf: str = "accept"  # "accept": a bare LF ends a line but never the message; "reject": 421, close
    # PLAIN and LOGIN only under TLS: True everywhere, False never; None (unset) wherever STARTTLS is offered
    # (authgate.py decides; RFC 4954 §4).
    auth_require_tls: bool | None = None
    # Per client address (IPv6 per /64), across sessions: each AUTH failure spaces that address's next
    # AUTH answers further apart, base * (2**failures - 1) seconds up to the cap; failures halve every half-life.
    auth_penalty_base: float = 1.0
    auth_penalty_cap: float = 30.0
    auth_penalty_half_life: float = 300.0
    # Sessions one client address (IPv6: one /64, as for the penalty) may hold open on a listener at once;
    # over it the connection is told 421 4.7.0 at banner time (0: no cap). A mail client opens one or two;
    # 20 leaves room for an office behind one NAT while one host cannot take a whole Listener_Sessions.
    max_connections_per_address: int = 20
    # After AUTH, MAIL FROM must be the user's own address (authgate.sender_refusal); off by default.
    auth_sender_match: bool = False
    # Momentum's Proxy_Protocol: every connection starts with a PROXY header (v1 or v2) naming the client,
    # read within Proxy_Protocol_Timeout seconds; resolved for the address that connected (the proxy).
    proxy_protocol: bool = False
    proxy_protocol_timeout: float = 60.0
    # ecconf's own: when not empty, only these sources may connect to a Proxy_Protocol listener at all.
    proxy_protocol_trusted: tuple[IPNetwork, ...] = ()
    # Clients in these networks are never counted nor held back by the per-address penalty (a webmail on
    # loopback, a known NAT): their sessions' own delays and Max_Auth_Failures still apply.
    auth_penalty_exempt: tuple[IPNetwork, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "smtp_extensions", tuple(str(x) for x in self.smtp_extensions))
        set_(self, "relay_hosts", _networks(self.relay_hosts))
        set_(self, "proxy_protocol_trusted", _networks(self.proxy_protocol_trusted))
        set_(self, "auth_penalty_exempt", _networks(self.auth_penalty_exempt))
        set_(self, "auth", MappingProxyType({k.upper(): v for k, v in self.auth.items()}))
        set_(self, "tls_protocols", tuple(str(x) for x in self.tls_protocols))
        for name in ("tls_certificate", "tls_key"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                set_(self, name, Path(value))
        if self.max_auth_failures < 3:
            raise ValueError("max_auth_failures must be at least 3 (RFC 4954 §4)")
        if self.max_unknown_commands < 1:
            raise ValueError("max_unknown_commands must be at least 1")
        if self.max_connections_per_address < 0:
            raise ValueError("max_connections_per_address must not be negative")
        if self.bare_lf not in BARE_LF_MODES:
            raise ValueError(f"bare_lf must be one of {', '.join(BARE_LF_MODES)}")
        for name in _DURATIONS:
            if not getattr(self, name) >= 0:  # also refuses NaN
                raise ValueError(f"{name} must not be negative")
        if self.auth_penalty_half_life <= 0:
            raise ValueError("auth_penalty_half_life must be positive")

    @property
    def extension_words(self) -> tuple[tuple[str, ...], ...]:
        """SMTP_Extensions items split into upper-case words: "auth plain" -> ("AUTH", "PLAIN")."""
        return extension_words(self.smtp_extensions)

    def has_extension(self, keyword: str) -> bool:
        return keyword.upper() in extension_keywords(self.smtp_extensions)

    @property
    def listed_mechanisms(self) -> tuple[str, ...]:
        """SASL names listed as "AUTH X" items, in order, without duplicates."""
        return listed_mechanisms(self.smtp_extensions)

    @property
    def tls_available(self) -> bool:
        return self.tls_certificate is not None and self.tls_key is not None

    @property
    def message_size_limit(self) -> int:
        """Max_Message_Size, or the hard safety cap when it is 0 ("no limit" must not mean unbounded memory)."""
        return self.max_message_size if self.max_message_size > 0 else HARD_MESSAGE_CAP


POLICY_FIELDS: frozenset[str] = frozenset(f.name for f in fields(SessionPolicy))


@dataclass(frozen=True, slots=True)
class PolicyLayer:
    """One scope's values (Listen, ESMTP_Listener or global) plus its Peer scopes, keyed by policy field."""

    values: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    peers: tuple[tuple[IPNetwork, Mapping[str, object]], ...] = ()

    def __post_init__(self) -> None:
        peers = tuple(
            (ipaddress.ip_network(net, strict=False), MappingProxyType(dict(vals))) for net, vals in self.peers
        )
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "peers", peers)
        for mapping in (self.values, *(vals for _, vals in peers)):
            unknown = set(mapping) - POLICY_FIELDS
            if unknown:
                raise ValueError(f"not a session policy field: {', '.join(sorted(unknown))}")


@dataclass(frozen=True, slots=True)
class ListenerSpec:
    name: str  # as written in the config, e.g. "127.0.0.1:2525"
    address: ListenAddress
    layers: tuple[PolicyLayer, ...] = ()  # most specific first: (Listen, ESMTP_Listener, global)


@dataclass(frozen=True, slots=True)
class AuthDsSpec:
    """The config's `Datasource` scopes and `auth_ds { Scheme ... }` stanzas, by name (runtime/datasources)."""

    datasources: Mapping[str, DatasourceSpec] = field(default_factory=dict)
    schemes: Mapping[str, AuthSpec] = field(default_factory=dict)
    base_dir: Path | None = None  # a relative `sqlite:` path is taken from here (the config's folder)

    def __post_init__(self) -> None:
        object.__setattr__(self, "datasources", MappingProxyType(dict(self.datasources)))
        object.__setattr__(self, "schemes", MappingProxyType(dict(self.schemes)))

    def __bool__(self) -> bool:
        return bool(self.datasources or self.schemes)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    hostname: str
    spool_base: Path
    listeners: tuple[ListenerSpec, ...]
    acctlog_path: Path | None = None
    base_dir: Path = field(default_factory=Path.cwd)  # resolves relative file: URIs
    store_refresh_interval: float = 30.0  # seconds between credential store re-reads
    message_memory_budget: int = DEFAULT_MESSAGE_MEMORY_BUDGET  # bytes of message content held, machine-wide
    # A Redis server's URL: the per-address AUTH penalty is kept there, one table for every server naming it.
    auth_penalty_redis: str | None = None
    auth_ds: AuthDsSpec = field(default_factory=AuthDsSpec)  # `name://` credential stores (auth_ds Schemes)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spool_base", Path(self.spool_base))
        object.__setattr__(self, "base_dir", Path(self.base_dir))
        object.__setattr__(self, "listeners", tuple(self.listeners))
        if self.acctlog_path is not None:
            object.__setattr__(self, "acctlog_path", Path(self.acctlog_path))
