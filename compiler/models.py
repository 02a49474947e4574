"""The typed model of a configuration: what `ecconf json` prints and what the runtime is compiled from.

Rule of this room: plain pydantic models, no I/O and no checks beyond types. Field names are the
lower-case snake_case form of Momentum's option names; every option the engine does not interpret is kept
in `options` (documented ones typed by their default, others as written). Source positions live in a
private attribute so they never reach the JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from .span import Span
from .vocabulary import Where, term

JsonValue = Any  # str | int | bool | list[JsonValue] | dict[str, JsonValue]; the schema spells it out


def interpreted(where: Where, field: str) -> Any:
    """An interpreted option's field: unset (None) by default, its bound and description from its row in
    vocabulary.py (the annotation says its type; tests/compiler/test_vocabulary.py checks that it fits)."""
    row = term(where, field)
    prefix = "ecconf extension: " if row.origin == "ecconf" else ""
    return Field(None, ge=row.minimum, description=prefix + row.description)


class Model(BaseModel):
    # Validators and schemas are built on first use, not at import: lint builds its models with `coerced`
    # (build.py has already coerced every value) and never needs them, so `ecconf lint` starts without paying
    # for them; JSON input and `ecconf schema` build them when they first ask. Only pydantic's public API is
    # used: `model_copy`, attribute assignment (no validation: validate_assignment is off) and the
    # `model_post_init` hook.
    model_config = ConfigDict(extra="forbid", defer_build=True)
    # Positions: one dict a model, each field's span by its name and the model's own under None. It lives in
    # a slot of ours, not in pydantic's state, so it is never in the JSON, and reading it is a plain
    # attribute read: a pydantic private attribute goes through its __getattr__, 50 times slower, and rules
    # read positions for every finding and every resolved option.
    __slots__ = ("_spans",)
    if TYPE_CHECKING:  # for mypy only: annotated in the class body, pydantic would make it a private attribute
        _spans: dict[str | None, Span]

    def model_post_init(self, context: Any, /) -> None:
        """A model made by validation (JSON input) starts with no positions."""
        self._spans = {}

    def span_of(self, field: str) -> Span | None:
        """Where `field` was set (the option's span), or None if it was not set in the text."""
        return self._spans.get(field)

    def spans(self) -> dict[str | None, Span]:
        """Where each field set from text was set, and the model itself under None (do not change it)."""
        return self._spans

    def assign(self, field: str, value: Any, span: Span) -> None:
        """Set `field` to a value already of its type, written at `span` (recorded as set, not validated)."""
        setattr(self, field, value)
        self._spans[field] = span

    def set_span_of(self, field: str, span: Span) -> None:
        self._spans[field] = span

    @property
    def span(self) -> Span | None:
        """Where this scope or dictionary is written."""
        return self._spans.get(None)

    @classmethod
    def coerced(cls, span: Span | None = None, **values: Any) -> Self:
        """A model from values already of their fields' types, written at `span` (not validated again): a
        copy of the class's blank model with fresh lists and dicts where a field has a factory, and `values`
        (model_copy, which copies; model_construct would look every default up again, 2x lint's time)."""
        blank, factories = _blank(cls)
        model = blank.model_copy(update={**{name: factory() for name, factory in factories}, **values})
        model._spans = {} if span is None else {None: span}
        return model


# Per model class: a blank model (every field at its default) and the factories of the fields that have one.
_BLANKS: dict[type, tuple[Any, tuple[tuple[str, Callable[[], Any]], ...]]] = {}


def _blank(cls: type[Model]) -> tuple[Any, tuple[tuple[str, Callable[[], Any]], ...]]:
    found = _BLANKS.get(cls)
    if found is None:
        factories: list[tuple[str, Callable[[], Any]]] = []
        for name, info in cls.model_fields.items():
            if info.default_factory is not None:
                factories.append((name, info.default_factory))  # type: ignore[arg-type]  # none takes data
        found = _BLANKS[cls] = (cls.model_construct(), tuple(factories))
    return found


class AuthParameters(Model):
    """One `Auth<Mech>Parameters` dictionary."""

    uri: str | None = interpreted("auth", "uri")
    realm: str | None = interpreted("auth", "realm")
    stored_cleartext: bool | None = interpreted("auth", "stored_cleartext")
    log_authentication: bool | None = interpreted("auth", "log_authentication")
    extension: str | None = interpreted("auth", "extension")
    extension_argument: str | None = interpreted("auth", "extension_argument")
    options: dict[str, JsonValue] = Field(default_factory=dict, description="Keys ecconf does not interpret")


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
    options: dict[str, JsonValue] = Field(default_factory=dict, description="Options the engine does not interpret")
    scopes: list[GenericScope] = Field(default_factory=list, description="Nested scopes ecconf does not interpret")


class Peer(ListenerOptions):
    network: str = Field(description="The Peer's CIDR, normalised (10.0.0.0/8)")


class Listen(ListenerOptions):
    address: str = Field(description='As written: ":25", "127.0.0.1:25", "[::1]:587" or "/path/to/socket"')
    peers: list[Peer] = Field(default_factory=list, description="Peer scopes inside this Listen")


class EsmtpListener(ListenerOptions):
    listens: list[Listen] = Field(default_factory=list, description="Listen scopes: one socket each")
    peers: list[Peer] = Field(default_factory=list, description="Peer scopes for every Listen of the listener")


class EcLogger(Model):
    """An `ec_logger` module instance; its `acctlog` receives the AUTH accounting lines."""

    instance: str | None = Field(None, description='The module instance name: ec_logger "name" { ... }')
    acctlog: str | None = Field(None, description="The accounting-log file")
    options: dict[str, JsonValue] = Field(default_factory=dict, description="Other options of the module, as written")
    scopes: list[GenericScope] = Field(default_factory=list, description="Nested scopes, as written")


class GenericScope(Model):
    """Any other scope (domain, binding, a module...), kept as written."""

    name: str = Field(description="The scope's name as written (Domain, binding, Datasource...)")
    instance: str | None = Field(None, description="The instance: Domain example.com { ... }; absent if none")
    options: dict[str, JsonValue] = Field(default_factory=dict, description="Options, values as written")
    scopes: list[GenericScope] = Field(default_factory=list, description="Nested scopes, as written")


class Config(Model):
    """A whole configuration: the global scope and everything in it."""

    hostname: str | None = interpreted("global", "hostname")
    spool_base: str | None = interpreted("global", "spool_base")
    message_memory_budget: int | None = interpreted("global", "message_memory_budget")
    relay_hosts: list[str] | None = interpreted("global", "relay_hosts")
    auth_penalty_exempt: list[str] | None = interpreted("global", "auth_penalty_exempt")
    auth_penalty_redis: str | None = interpreted("global", "auth_penalty_redis")
    options: dict[str, JsonValue] = Field(default_factory=dict, description="Global options ecconf does not interpret")
    esmtp_listener: EsmtpListener | None = Field(None, description="The ESMTP_Listener scope (merged over includes)")
    ec_loggers: list[EcLogger] = Field(default_factory=list, description="ec_logger module instances")
    scopes: list[GenericScope] = Field(default_factory=list, description="Other scopes, as written")


# Momentum option name (lower case) -> field of ListenerOptions / Config, for the options the engine interprets.
AUTH_FIELDS = {
    "authloginparameters": ("auth_login_parameters", "LOGIN"),
    "authplainparameters": ("auth_plain_parameters", "PLAIN"),
    "authcrammd5parameters": ("auth_cram_md5_parameters", "CRAM-MD5"),
    "authdigestmd5parameters": ("auth_digest_md5_parameters", "DIGEST-MD5"),
    "authscramsha256parameters": ("auth_scram_sha256_parameters", "SCRAM-SHA-256"),
}
MECHANISM_FIELD = {mech: field for field, mech in AUTH_FIELDS.values()}
