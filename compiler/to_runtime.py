"""Models -> the runtime's frozen config graph (runtime/config.py), ready for `ecconf serve`.

Rule of this room: translation only. The fallback order itself is applied per connection by the runtime
(runtime/policy.py resolves the layers we hand it), so this file copies each level's own values into a
PolicyLayer: (Listen, ESMTP_Listener, global), each with its Peer scopes. Paths are made absolute here,
relative to the file that names them (SPEC §6), so the runtime never guesses a working directory.
"""

from __future__ import annotations

import re
import socket
from ipaddress import ip_network
from pathlib import Path
from typing import Any

from ..runtime.config import AuthDsSpec, ListenerSpec, MechanismSpec, PolicyLayer, ServerConfig
from ..runtime.datasources import AuthSpec, DatasourceSpec, auth_spec, datasource_spec
from .auth_ds import auth_ds_scopes
from .build import ECCONF_LIMITS, ECCONF_NETWORK_LISTS
from .fallback import ClientClass, effective
from .models import AUTH_FIELDS, AuthParameters, Config, EsmtpListener, Listen, ListenerOptions, Model
from .runtime_facts import servable_datasource, to_listen_address

# Model fields copied as they are (the runtime's SessionPolicy has a field of the same name).
PLAIN_FIELDS = (
    "enable",
    "open_relay",
    "banner_hostname",
    "idle_time",
    "listener_sessions",
    "max_message_size",
    "max_recipients_per_message",
    "tls_ciphers",
    "use_ssl",
    "always_allow",
    "always_deny",
    "proxy_protocol",
    "proxy_protocol_timeout",
    *ECCONF_LIMITS,
)
PATH_FIELDS = ("tls_certificate", "tls_key")
DEFAULT_SPOOL = "spool"


def _relative_to_source(model: Model, field: str, written: str) -> Path:
    path = Path(written)
    span = model.span_of(field)
    if path.is_absolute() or span is None:
        return path
    return (Path(span.path).parent / path).resolve()


def absolute_uri(params: AuthParameters, uri: str) -> str:
    """`file:relative` and `digest:relative` become absolute, relative to the config file that names them."""
    scheme, sep, rest = uri.partition(":")
    if not sep or scheme.lower() not in ("file", "digest") or rest.startswith("/"):
        return uri
    span = params.span_of("uri")
    if span is None:
        return uri
    return f"{scheme}://{(Path(span.path).parent / rest).resolve()}"


def legacy_mechanisms(listener: EsmtpListener) -> list[str]:
    """Mechanisms advertised the Momentum 2.x way (`extension = AUTH`, `extension_argument = X`)."""
    found: list[str] = []
    owners: list[ListenerOptions] = [listener, *listener.peers]
    for listen in listener.listens:
        owners.extend([listen, *listen.peers])
    for owner in owners:
        for field, _mech in AUTH_FIELDS.values():
            params = getattr(owner, field)
            if params is None or (params.extension or "").upper() != "AUTH" or not params.extension_argument:
                continue
            for name in params.extension_argument.upper().split():
                if name not in found:
                    found.append(name)
    return found


def layer_values(model: Model, hostname: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in PLAIN_FIELDS:
        value = getattr(model, field, None)
        if value is not None:
            values[field] = value
    for field in PATH_FIELDS:
        value = getattr(model, field, None)
        if value is not None:
            values[field] = _relative_to_source(model, field, value)
    if getattr(model, "smtp_extensions", None) is not None:
        values["smtp_extensions"] = tuple(model.smtp_extensions)  # type: ignore[attr-defined]
    for field in ("relay_hosts", *ECCONF_NETWORK_LISTS):
        networks = getattr(model, field, None)
        if networks is not None:
            values[field] = tuple(networks)
    protocols = getattr(model, "tls_protocols", None)
    if protocols is not None:
        values["tls_protocols"] = tuple(w for w in re.split(r"[\s,:]+", protocols) if w)
    auth: dict[str, MechanismSpec] = {}
    for field, mechanism in AUTH_FIELDS.values():
        params: AuthParameters | None = getattr(model, field, None)
        if params is None or not params.uri:
            continue
        auth[mechanism] = MechanismSpec(
            name=mechanism,
            uri=absolute_uri(params, params.uri),
            realm=params.realm or hostname,
            stored_cleartext=bool(params.stored_cleartext),
            log_authentication=bool(params.log_authentication),
        )
    if auth:
        values["auth"] = auth
    return values


def _layer(owner: EsmtpListener | Listen | None, hostname: str) -> PolicyLayer:
    if owner is None:
        return PolicyLayer()
    peers = tuple((ip_network(peer.network, strict=False), layer_values(peer, hostname)) for peer in owner.peers)
    return PolicyLayer(values=layer_values(owner, hostname), peers=peers)


def _words(value: object) -> tuple[str, ...]:
    """An SMTP_Extensions value as layer_values wrote it (a sequence of strings)."""
    assert isinstance(value, tuple | list)
    return tuple(str(item) for item in value)


def _with_legacy(layers: list[PolicyLayer], names: list[str]) -> list[PolicyLayer]:
    """Add the legacy-advertised mechanisms to every SMTP_Extensions list (or to the listener's, if none)."""
    if not names:
        return layers
    items = tuple(f"AUTH {n}" for n in names)
    out: list[PolicyLayer] = []
    seen_any = False
    for layer in layers:
        values = dict(layer.values)
        if "smtp_extensions" in values:
            seen_any = True
            values["smtp_extensions"] = _words(values["smtp_extensions"]) + items
        peers = []
        for net, vals in layer.peers:
            vals = dict(vals)
            if "smtp_extensions" in vals:
                vals["smtp_extensions"] = _words(vals["smtp_extensions"]) + items
            peers.append((net, vals))
        out.append(PolicyLayer(values=values, peers=tuple(peers)))
    if not seen_any:
        values = dict(out[1].values)
        values["smtp_extensions"] = items
        out[1] = PolicyLayer(values=values, peers=out[1].peers)
    return out


def _auth_ds(config: Config) -> AuthDsSpec:
    """The Datasources and Schemes `ecconf serve` can open. Those lint warns it cannot (A418: a driver ecconf
    does not serve, a missing extra) are left out, and so are the Schemes on them: their `name://` stores
    then stay closed and their mechanisms are not offered, as for any store that cannot be opened."""
    datasources, schemes = auth_ds_scopes(config)
    if not datasources and not schemes:
        return AuthDsSpec()
    sources: dict[str, DatasourceSpec] = {
        name: datasource_spec(s.options) for name, s in datasources.items() if servable_datasource(s.options)
    }
    stanzas: dict[str, AuthSpec] = {}
    for name, stanza in schemes.items():
        spec = auth_spec(stanza.options)
        if spec.cache in sources:
            stanzas[name] = spec
    first = next(iter(datasources.values()), None)
    span = first.span if first is not None else None
    base = Path(span.path).parent.resolve() if span is not None else None
    return AuthDsSpec(sources, stanzas, base)


def to_runtime(config: Config, *, default_hostname: str | None = None) -> ServerConfig:
    """The server configuration for a config that linted without errors."""
    hostname = config.hostname or default_hostname or socket.gethostname()
    listener = config.esmtp_listener
    global_values: dict[str, object] = {}
    if config.relay_hosts:
        global_values["relay_hosts"] = tuple(config.relay_hosts)
    if config.auth_penalty_exempt:
        global_values["auth_penalty_exempt"] = tuple(config.auth_penalty_exempt)
    global_layer = PolicyLayer(values=global_values)
    listeners: list[ListenerSpec] = []
    if listener is not None:
        legacy = legacy_mechanisms(listener)
        listener_layer = _layer(listener, hostname)
        for listen in listener.listens:
            if not effective(config, ClientClass(listen), "enable").value:
                continue
            layers = _with_legacy([_layer(listen, hostname), listener_layer, global_layer], legacy)
            listeners.append(
                ListenerSpec(
                    name=listen.address,
                    address=to_listen_address(listen.address),
                    layers=tuple(layers),
                )
            )
    acctlog = next((logger.acctlog for logger in config.ec_loggers if logger.acctlog), None)
    budget = config.message_memory_budget
    # Unset: the runtime's default (memory_budget.py), written down once there.
    defaults: dict[str, Any] = {} if budget is None else {"message_memory_budget": budget}
    return ServerConfig(
        **defaults,
        hostname=hostname,
        spool_base=Path(config.spool_base or DEFAULT_SPOOL),
        listeners=tuple(listeners),
        acctlog_path=Path(acctlog) if acctlog else None,
        auth_penalty_redis=config.auth_penalty_redis,
        auth_ds=_auth_ds(config),
    )
