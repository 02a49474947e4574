"""The typed model of a configuration: what `ecconf json` prints and what the runtime is compiled from.

Rule of this room: plain slotted dataclasses, no I/O, no checks beyond types, and no pydantic: lint builds
thousands of these and never validates one (build.py has coerced every value already), so it neither
imports pydantic nor pays for its instances. Each field's description and lower bound sit in its metadata;
json_models.py derives the pydantic models from these classes when JSON input or the schema needs them.
Field names are the lower-case snake_case form of Momentum's option names; every option the engine does
not interpret is kept in `options` (documented ones typed by their default, others as written). Source
positions live in `_spans`, which is not a field of the JSON.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, Self

from .span import Span
from .vocabulary import Where, term

JsonValue = Any  # str | int | bool | list[JsonValue] | dict[str, JsonValue]; the schema spells it out


def spec(
    *,
    description: str,
    ge: float | None = None,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A field: its description (and lower bound) for the JSON Schema, its default or default factory."""
    metadata = {"description": description, "ge": ge}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def interpreted(where: Where, field: str) -> Any:
    """An interpreted option's field: unset (None) by default, its bound and description from its row in
    vocabulary.py (the annotation says its type; tests/compiler/test_vocabulary.py checks that it fits)."""
    row = term(where, field)
    prefix = "ecconf extension: " if row.origin == "ecconf" else ""
    return spec(default=None, ge=row.minimum, description=prefix + row.description)


@dataclass(slots=True, kw_only=True)
class Model:
    # Positions: one dict a model, each field's span by its name and the model's own under None.
    _spans: dict[str | None, Span] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def assign(self, field: str, value: Any, span: Span) -> None:
        """Set `field` to a value already of its type, written at `span`."""
        setattr(self, field, value)
        self._spans[field] = span

    def set_span_of(self, field: str, span: Span) -> None:
        self._spans[field] = span

    def span_of(self, field: str) -> Span | None:
        """Where `field` was set (the option's span), or None if it was not set in the text."""
        return self._spans.get(field)

    def spans(self) -> dict[str | None, Span]:
        """Where each field set from text was set, and the model itself under None (do not change it)."""
        return self._spans

    @property
    def span(self) -> Span | None:
        """Where this scope or dictionary is written."""
        return self._spans.get(None)

    @classmethod
    def coerced(cls, span: Span | None = None, **values: Any) -> Self:
        """A model from values already of their fields' types, written at `span` (not validated)."""
        model = cls(**values)
        if span is not None:
            model._spans[None] = span
        return model


# Per model class (looked up for every model dumped and every scope resolved): its fields and their names.
_FIELDS: dict[type[Model], tuple[dataclasses.Field[Any], ...]] = {}
_NAMES: dict[type[Model], tuple[str, ...]] = {}


def fields_of(cls: type[Model]) -> tuple[dataclasses.Field[Any], ...]:
    """The data fields of a model class, in declared order (base classes' first); not `_spans`."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(f for f in dataclasses.fields(cls) if not f.name.startswith("_"))
    return found


def field_names(cls: type[Model]) -> tuple[str, ...]:
    found = _NAMES.get(cls)
    if found is None:
        found = _NAMES[cls] = tuple(f.name for f in fields_of(cls))
    return found


def default_of(cls: type[Model], name: str) -> Any:
    """A fresh default value of a field (a new list or dict where the field has a factory)."""
    found = next(f for f in fields_of(cls) if f.name == name)
    if found.default_factory is not dataclasses.MISSING:
        return found.default_factory()
    return found.default


def dump(value: Any, *, exclude_none: bool = False, exclude_defaults: bool = False) -> Any:
    """Plain data of a model (and of the models, lists and dicts inside it): the dict pydantic's model_dump
    would give, JSON-ready, as every value is."""
    if isinstance(value, Model):
        out: dict[str, Any] = {}
        for f in fields_of(type(value)):
            item = getattr(value, f.name)
            if exclude_none and item is None:
                continue
            if exclude_defaults and item == default_of(type(value), f.name):
                continue
            out[f.name] = dump(item, exclude_none=exclude_none, exclude_defaults=exclude_defaults)
        return out
    if isinstance(value, list):
        return [dump(item, exclude_none=exclude_none, exclude_defaults=exclude_defaults) for item in value]
    if isinstance(value, dict):
        return {
            k: dump(item, exclude_none=exclude_none, exclude_defaults=exclude_defaults) for k, item in value.items()
        }
    return value


@dataclass(slots=True, kw_only=True)
class AuthParameters(Model):
    """One `Auth<Mech>Parameters` dictionary."""

    uri: str | None = interpreted("auth", "uri")
    realm: str | None = interpreted("auth", "realm")
    stored_cleartext: bool | None = interpreted("auth", "stored_cleartext")
    log_authentication: bool | None = interpreted("auth", "log_authentication")
    extension: str | None = interpreted("auth", "extension")
    extension_argument: str | None = interpreted("auth", "extension_argument")
    options: dict[str, JsonValue] = spec(default_factory=dict, description="Keys ecconf does not interpret")


@dataclass(slots=True, kw_only=True)
class ListenerOptions(Model):
    """Options valid in ESMTP_Listener, Listen and Peer scopes (None: not set at this level)."""

    enable: bool | None = interpreted("listener", "enable")
    smtp_extensions: list[str] | None = interpreted("listener", "smtp_extensions")
    relay_hosts: list[str] | None = interpreted("listener", "relay_hosts")
    open_relay: bool | None = interpreted("listener", "open_relay")
    auth_login_parameters: AuthParameters | None = interpreted("listener", "auth_login_parameters")
    auth_plain_parameters: AuthParameters | None = interpreted("listener", "auth_plain_parameters")
    auth_cram_md5_parameters: AuthParameters | None = interpreted("listener", "auth_cram_md5_parameters")
    auth_digest_md5_parameters: AuthParameters | None = interpreted("listener", "auth_digest_md5_parameters")
    auth_scram_sha256_parameters: AuthParameters | None = interpreted("listener", "auth_scram_sha256_parameters")
    banner_hostname: str | None = interpreted("listener", "banner_hostname")
    idle_time: int | None = interpreted("listener", "idle_time")
    listener_sessions: int | None = interpreted("listener", "listener_sessions")
    max_message_size: int | None = interpreted("listener", "max_message_size")
    max_recipients_per_message: int | None = interpreted("listener", "max_recipients_per_message")
    tls_certificate: str | None = interpreted("listener", "tls_certificate")
    tls_key: str | None = interpreted("listener", "tls_key")
    tls_protocols: str | None = interpreted("listener", "tls_protocols")
    tls_ciphers: str | None = interpreted("listener", "tls_ciphers")
    use_ssl: bool | None = interpreted("listener", "use_ssl")
    always_allow: bool | None = interpreted("listener", "always_allow")
    always_deny: bool | None = interpreted("listener", "always_deny")
    proxy_protocol: bool | None = interpreted("listener", "proxy_protocol")
    proxy_protocol_timeout: float | None = interpreted("listener", "proxy_protocol_timeout")
    # ecconf's own limits (Momentum has no such options; README "Security" explains each).
    max_auth_failures: int | None = interpreted("listener", "max_auth_failures")
    auth_failure_delay: float | None = interpreted("listener", "auth_failure_delay")
    auth_penalty_base: float | None = interpreted("listener", "auth_penalty_base")
    auth_penalty_cap: float | None = interpreted("listener", "auth_penalty_cap")
    auth_penalty_half_life: float | None = interpreted("listener", "auth_penalty_half_life")
    max_unknown_commands: int | None = interpreted("listener", "max_unknown_commands")
    data_timeout: float | None = interpreted("listener", "data_timeout")
    data_deadline: float | None = interpreted("listener", "data_deadline")
    greeting_delay: float | None = interpreted("listener", "greeting_delay")
    bare_lf: Literal["accept", "reject"] | None = interpreted("listener", "bare_lf")
    auth_require_tls: bool | None = interpreted("listener", "auth_require_tls")
    max_connections_per_address: int | None = interpreted("listener", "max_connections_per_address")
    auth_sender_match: bool | None = interpreted("listener", "auth_sender_match")
    proxy_protocol_trusted: list[str] | None = interpreted("listener", "proxy_protocol_trusted")
    options: dict[str, JsonValue] = spec(default_factory=dict, description="Options the engine does not interpret")
    scopes: list[GenericScope] = spec(default_factory=list, description="Nested scopes ecconf does not interpret")


@dataclass(slots=True, kw_only=True)
class Peer(ListenerOptions):
    network: str = spec(description="The Peer's CIDR, normalised (10.0.0.0/8)")


@dataclass(slots=True, kw_only=True)
class Listen(ListenerOptions):
    address: str = spec(description='As written: ":25", "127.0.0.1:25", "[::1]:587" or "/path/to/socket"')
    peers: list[Peer] = spec(default_factory=list, description="Peer scopes inside this Listen")


@dataclass(slots=True, kw_only=True)
class EsmtpListener(ListenerOptions):
    listens: list[Listen] = spec(default_factory=list, description="Listen scopes: one socket each")
    peers: list[Peer] = spec(default_factory=list, description="Peer scopes for every Listen of the listener")


@dataclass(slots=True, kw_only=True)
class EcLogger(Model):
    """An `ec_logger` module instance; its `acctlog` receives the AUTH accounting lines."""

    instance: str | None = spec(default=None, description='The module instance name: ec_logger "name" { ... }')
    acctlog: str | None = spec(default=None, description="The accounting-log file")
    options: dict[str, JsonValue] = spec(default_factory=dict, description="Other options of the module, as written")
    scopes: list[GenericScope] = spec(default_factory=list, description="Nested scopes, as written")


@dataclass(slots=True, kw_only=True)
class GenericScope(Model):
    """Any other scope (domain, binding, a module...), kept as written."""

    name: str = spec(description="The scope's name as written (Domain, binding, Datasource...)")
    instance: str | None = spec(default=None, description="The instance: Domain example.com { ... }; absent if none")
    options: dict[str, JsonValue] = spec(default_factory=dict, description="Options, values as written")
    scopes: list[GenericScope] = spec(default_factory=list, description="Nested scopes, as written")


@dataclass(slots=True, kw_only=True)
class Config(Model):
    """A whole configuration: the global scope and everything in it."""

    hostname: str | None = interpreted("global", "hostname")
    spool_base: str | None = interpreted("global", "spool_base")
    message_memory_budget: int | None = interpreted("global", "message_memory_budget")
    relay_hosts: list[str] | None = interpreted("global", "relay_hosts")
    auth_penalty_exempt: list[str] | None = interpreted("global", "auth_penalty_exempt")
    auth_penalty_redis: str | None = interpreted("global", "auth_penalty_redis")
    options: dict[str, JsonValue] = spec(default_factory=dict, description="Global options ecconf does not interpret")
    esmtp_listener: EsmtpListener | None = spec(
        default=None, description="The ESMTP_Listener scope (merged over includes)"
    )
    ec_loggers: list[EcLogger] = spec(default_factory=list, description="ec_logger module instances")
    scopes: list[GenericScope] = spec(default_factory=list, description="Other scopes, as written")


# Momentum option name (lower case) -> field of ListenerOptions / Config, for the options the engine interprets.
AUTH_FIELDS = {
    "authloginparameters": ("auth_login_parameters", "LOGIN"),
    "authplainparameters": ("auth_plain_parameters", "PLAIN"),
    "authcrammd5parameters": ("auth_cram_md5_parameters", "CRAM-MD5"),
    "authdigestmd5parameters": ("auth_digest_md5_parameters", "DIGEST-MD5"),
    "authscramsha256parameters": ("auth_scram_sha256_parameters", "SCRAM-SHA-256"),
}
MECHANISM_FIELD = {mech: field for field, mech in AUTH_FIELDS.values()}
