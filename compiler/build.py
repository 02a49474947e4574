"""Syntax nodes -> typed models, plus the facts the rules check.

Rule of this room: never raise on user input. Scopes with the same name and instance merge (a file and its
includes may each add to ESMTP_Listener); a later assignment shadows an earlier one; a value that does not
fit its type becomes a diagnostic and the option is left unset. Everything a rule may want to look at again
(every assignment, every scope use, every Listen and Peer as written) is recorded in `Facts`. Models are made
with `Model.coerced`: every value set here is already coerced to its field's type (values.py), so nothing
validates them again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from .diagnostics import Diagnostic
from .facts import Assignment, AuthDict, Facts, ScopeUse
from .models import (
    AUTH_FIELDS,
    AuthParameters,
    Config,
    EcLogger,
    EsmtpListener,
    GenericScope,
    Listen,
    ListenerOptions,
    Model,
    Peer,
)
from .nodes import Array, Dict, File, Include, Option, Scalar, Scope, Statement, Value
from .option_table import OptionInfo, OptionTable, table
from .runtime_facts import ListenAddress, to_listen_address
from .span import Span
from .values import (
    CidrValue,
    to_bool,
    to_boolean_or,
    to_choice,
    to_cidr,
    to_flag,
    to_int,
    to_redis_url,
    to_seconds,
)
from .vocabulary import Term, terms

VALUE_TYPE = "E301"
LISTEN_ADDRESS = "E302"
BAD_CIDR = "E304"


def iter_statements(body: list[Statement]) -> Iterator[Option | Scope]:
    """The statements of a scope with includes expanded in place."""
    for statement in body:
        if isinstance(statement, Include):
            for included in statement.files:
                yield from iter_statements(included.body)
        else:
            yield statement


def _describe(value: Value) -> str:
    return "an array" if isinstance(value, Array) else "a dictionary" if isinstance(value, Dict) else "a value"


def plain(value: Value) -> Any:
    """A value as JSON data, strings kept as written."""
    if isinstance(value, Scalar):
        return value.value
    if isinstance(value, Array):
        return [plain(item) for item in value.items]
    return {entry.key: plain(entry.value) for entry in value.entries}


def _typed(info: OptionInfo) -> Callable[[str], Any] | None:
    """The coercion of an option ecconf does not interpret: the documented value forms where the data names
    them (momentum_value_forms.tsv), else the type its default implies."""
    if info.forms == ("flag",):
        return to_flag
    if info.forms[:1] == ("boolean",):
        return to_boolean_or(*info.forms[1:])
    return _typed_default(info.default)


def _typed_default(info_default: str) -> Callable[[str], Any] | None:
    # Defaults may carry notes ("false (*non-dynamic*)", "500 (*3.0*)"): the first word is the value.
    words = info_default.strip().lower().split()
    word = words[0] if words else ""
    if word in ("true", "false"):
        return to_bool
    if word.isdigit() and not (len(word) > 1 and word.startswith("0")):  # 0660 is an octal mode: keep as written
        return to_int
    return None


def _coercion(t: Term) -> Callable[[str], Any]:
    """How a scalar option's text becomes its value: the row's kind and bound (vocabulary.py)."""
    if t.kind == "bool":
        return to_bool
    if t.kind == "int":
        return partial(to_int, minimum=t.minimum) if t.minimum else to_int
    if t.kind == "seconds":
        return to_seconds
    if t.kind == "choice":
        return to_choice(*t.choices)
    if t.kind == "redis_url":
        return to_redis_url
    return str  # text and path: kept as written


_SCALAR_KINDS = ("bool", "int", "seconds", "choice", "redis_url", "text", "path")
# Field -> coercion of every scalar option ecconf interprets, by where it is written.
LISTENER_SCALARS: dict[str, Callable[[str], Any]] = {
    t.field: _coercion(t) for t in terms("listener") if t.kind in _SCALAR_KINDS
}
GLOBAL_SCALARS: dict[str, Callable[[str], Any]] = {
    t.field: _coercion(t) for t in terms("global") if t.kind in _SCALAR_KINDS
}
AUTH_KEYS: dict[str, Callable[[str], Any]] = {t.field: _coercion(t) for t in terms("auth")}
# ecconf's own listener limits (scalars), and its listener options that take a list of networks: E206 notes
# both, to_runtime copies the limits as they are.
ECCONF_LIMITS = tuple(t.field for t in terms("listener") if t.origin == "ecconf" and t.kind in _SCALAR_KINDS)
ECCONF_NETWORK_LISTS = tuple(t.field for t in terms("listener") if t.origin == "ecconf" and t.kind == "networks")
# ecconf's own lists of networks at the global scope (each item a CIDR, as Relay_Hosts).
GLOBAL_CIDR_LISTS = tuple(t.field for t in terms("global") if t.origin == "ecconf" and t.kind == "networks")
# ecconf's own server-wide limits and settings (global scope only), noted by E206 like ECCONF_LIMITS.
ECCONF_GLOBALS = tuple(t.field for t in terms("global") if t.origin == "ecconf")
# Momentum documents its spool directory as `spoolbase`; SPEC writes `Spool_Base`. Both set the same field.
GLOBAL_SYNONYMS = {"spoolbase": "spool_base"}


class Builder:
    def __init__(self, options: OptionTable) -> None:
        self.table = options
        self.facts = Facts()
        # Scopes that merge, by (id of the parent model, merge key): a dict, not a scan, so that many
        # Listens and Peers cost linear time.
        self._merged: dict[tuple[int, str], Model] = {}
        # Networks by text as written, with their normal form: configs repeat the same few in every scope,
        # and spelling an address out (ipaddress's str) costs more than parsing it.
        self._cidrs: dict[str, tuple[CidrValue, str]] = {}

    # -- values -------------------------------------------------------------------------------------------
    def problem(self, code: str, message: str, span: Span, hint: str = "") -> None:
        self.facts.problems.append(Diagnostic(code, message, span, hint=hint))

    def scalar(self, option_name: str, value: Value, convert: Callable[[str], Any]) -> Any:
        if not isinstance(value, Scalar):
            self.problem(VALUE_TYPE, f"{option_name} takes a single value, not {_describe(value)}", value.span)
            return None
        try:
            return convert(value.value)
        except ValueError as exc:
            self.problem(VALUE_TYPE, f"{option_name}: {exc}", value.span)
            return None

    def string_list(self, option_name: str, value: Value) -> list[str] | None:
        items = value.items if isinstance(value, Array) else [value]
        out = []
        for item in items:
            if not isinstance(item, Scalar):
                self.problem(VALUE_TYPE, f"{option_name} items must be strings, not {_describe(item)}", item.span)
                return None
            out.append(item.value)
        return out

    def cidr_list(self, owner: Model, option_name: str, value: Value, relay: bool = True) -> list[str] | None:
        """The networks as their normal form; `relay`: they are relay hosts (for the rules about those)."""
        items = self.string_list(option_name, value)
        if items is None:
            return None
        scalars = value.items if isinstance(value, Array) else [value]
        out = []
        for text, node in zip(items, scalars, strict=True):
            try:
                cidr, network = self.cidr(text)
            except ValueError as exc:
                self.problem(BAD_CIDR, f"{option_name}: {exc}", node.span)
                continue
            assert isinstance(node, Scalar)
            if relay:
                self.facts.relay_hosts.append((owner, cidr, node))
            out.append(network)
        return out

    def cidr(self, text: str) -> tuple[CidrValue, str]:
        """values.to_cidr and the network's normal form; ValueError if `text` is no network."""
        found = self._cidrs.get(text)
        if found is None:
            cidr = to_cidr(text)
            found = self._cidrs[text] = (cidr, str(cidr.network))
        return found

    def generic(self, name: str, value: Value) -> Any:
        info = self.table.option(name)
        convert = _typed(info) if info is not None else None
        if convert is not None and isinstance(value, Scalar):
            try:
                return convert(value.value)
            except ValueError as exc:
                self.problem(VALUE_TYPE, f"{name}: {exc}", value.span)
                return value.value
        return plain(value)

    def record(self, assignment: Assignment, name: str) -> None:
        self.facts.assignments.append(assignment)
        same = self.facts.by_name.get(name)
        if same is None:
            self.facts.by_name[name] = [assignment]
        else:
            same.append(assignment)

    # -- scopes -------------------------------------------------------------------------------------------
    def build(self, root: File | None) -> Config:
        config = Config.coerced()
        if root is None:
            return config
        for statement in iter_statements(root.body):
            if isinstance(statement, Option):
                self.global_option(config, statement)
            else:
                self.global_scope(config, statement)
        return config

    def global_option(self, config: Config, option: Option) -> None:
        key = option.name.lower()
        self.record(Assignment("global", config, option), key)
        key = GLOBAL_SYNONYMS.get(key, key)
        if key in GLOBAL_SCALARS:
            self.set(config, key, option, self.scalar(option.name, option.value, GLOBAL_SCALARS[key]))
        elif key == "relay_hosts":
            self.set(config, key, option, self.cidr_list(config, option.name, option.value))
        elif key in GLOBAL_CIDR_LISTS:
            self.set(config, key, option, self.cidr_list(config, option.name, option.value, relay=False))
        else:
            config.options[key] = self.generic(option.name, option.value)

    def global_scope(self, config: Config, scope: Scope) -> None:
        self.facts.scope_uses.append(ScopeUse("global", scope))
        key = scope.name.lower()
        if key == "esmtp_listener":
            if config.esmtp_listener is None:
                config.esmtp_listener = EsmtpListener.coerced(scope.span)
            self.listener_body(config.esmtp_listener, "esmtp_listener", scope)
        elif key == "ec_logger":
            instance = scope.instance.value if scope.instance else None
            logger = self._merged.get((id(config), f"ec_logger {instance}"))
            if logger is None:
                logger = EcLogger.coerced(scope.span, instance=instance)
                config.ec_loggers.append(logger)
                self._merged[(id(config), f"ec_logger {instance}")] = logger
            assert isinstance(logger, EcLogger)
            for statement in iter_statements(scope.body):
                if isinstance(statement, Option) and statement.name.lower() == "acctlog":
                    self.set(logger, "acctlog", statement, self.scalar(statement.name, statement.value, str))
                elif isinstance(statement, Option):
                    logger.options[statement.name.lower()] = plain(statement.value)
                else:
                    logger.scopes.append(self.generic_scope(statement, "ec_logger"))
        else:
            config.scopes.append(self.generic_scope(scope, "global"))

    def generic_scope(self, scope: Scope, parent_kind: str) -> GenericScope:
        kind = scope.name.lower()
        out = GenericScope.coerced(
            scope.span, name=scope.name, instance=scope.instance.value if scope.instance else None
        )
        for statement in iter_statements(scope.body):
            if isinstance(statement, Option):
                self.record(Assignment(kind, None, statement), statement.name.lower())
                out.options[statement.name.lower()] = plain(statement.value)
                out.set_span_of(statement.name.lower(), statement.span)  # an option's place, by its name
            else:
                self.facts.scope_uses.append(ScopeUse(kind, statement))
                out.scopes.append(self.generic_scope(statement, kind))
        return out

    def listener_body(self, owner: ListenerOptions, kind: str, scope: Scope) -> None:
        for statement in iter_statements(scope.body):
            if isinstance(statement, Option):
                self.listener_option(owner, kind, statement)
                continue
            self.facts.scope_uses.append(ScopeUse(kind, statement))
            child = statement.name.lower()
            if child == "listen" and isinstance(owner, EsmtpListener):
                self.listen_scope(owner, statement)
            elif child == "peer" and isinstance(owner, EsmtpListener | Listen):
                self.peer_scope(owner, statement)
            else:
                owner.scopes.append(self.generic_scope(statement, kind))

    def listen_scope(self, listener: EsmtpListener, scope: Scope) -> None:
        written = scope.instance.value if scope.instance else ""
        address: ListenAddress | None = None
        try:
            address = to_listen_address(written)
        except ValueError as exc:
            where = scope.instance.span if scope.instance else scope.name_span
            message = str(exc) if scope.instance else 'Listen needs an address, e.g. Listen ":25" { ... }'
            self.problem(LISTEN_ADDRESS, message, where)
        listen = self._merged.get((id(listener), f"listen {written}"))
        if listen is None:
            listen = Listen.coerced(scope.span, address=written)
            listener.listens.append(listen)
            self._merged[(id(listener), f"listen {written}")] = listen
        assert isinstance(listen, Listen)
        self.facts.listens.append((listen, address, scope))
        self.listener_body(listen, "listen", scope)

    def peer_scope(self, owner: EsmtpListener | Listen, scope: Scope) -> None:
        written = scope.instance.value if scope.instance else ""
        cidr: CidrValue | None = None
        try:
            cidr, network = self.cidr(written)
        except ValueError as exc:
            where = scope.instance.span if scope.instance else scope.name_span
            message = f"Peer: {exc}" if scope.instance else 'Peer needs a CIDR, e.g. Peer "10.0.0.0/8" { ... }'
            self.problem(BAD_CIDR, message, where)
            network = written
        peer = self._merged.get((id(owner), f"peer {network}"))
        if peer is None:
            peer = Peer.coerced(scope.span, network=network)
            owner.peers.append(peer)
            self._merged[(id(owner), f"peer {network}")] = peer
        assert isinstance(peer, Peer)
        self.facts.peers.append((peer, cidr, scope))
        self.listener_body(peer, "peer", scope)

    def listener_option(self, owner: ListenerOptions, kind: str, option: Option) -> None:
        key = option.name.lower()
        self.record(Assignment(kind, owner, option), key)
        if key in LISTENER_SCALARS:
            self.set(owner, key, option, self.scalar(option.name, option.value, LISTENER_SCALARS[key]))
        elif key == "smtp_extensions":
            self.set(owner, key, option, self.string_list(option.name, option.value))
        elif key == "relay_hosts":
            self.set(owner, key, option, self.cidr_list(owner, option.name, option.value))
        elif key in ECCONF_NETWORK_LISTS:
            self.set(owner, key, option, self.cidr_list(owner, option.name, option.value, relay=False))
        elif key in AUTH_FIELDS:
            field_name, mechanism = AUTH_FIELDS[key]
            params = self.auth_parameters(option)
            self.set(owner, field_name, option, params)
            if params is not None:
                self.facts.auth_dicts.append(AuthDict(mechanism, params, option, owner))
        else:
            owner.options[key] = self.generic(option.name, option.value)

    def auth_parameters(self, option: Option) -> AuthParameters | None:
        if not isinstance(option.value, Dict):
            self.problem(
                VALUE_TYPE,
                f"{option.name} takes a dictionary, not {_describe(option.value)}",
                option.value.span,
                hint=f'write {option.name} = [ uri = "file:///path/to/passwords" ]',
            )
            return None
        # Gathered first and made in one step (thousands of these dictionaries in a big config).
        values: dict[str, Any] = {}
        options: dict[str, Any] = {}
        spans: dict[str, Span] = {}
        for entry in option.value.entries:
            key = entry.key.lower()
            if key in AUTH_KEYS:
                value = self.scalar(entry.key, entry.value, AUTH_KEYS[key])
                if value is None:
                    continue
                values[key] = value
            else:
                options[key] = plain(entry.value)
            spans[key] = entry.span
        params = AuthParameters.coerced(option.value.span, options=options, **values)
        for key, span in spans.items():
            params.set_span_of(key, span)
        return params

    @staticmethod
    def set(model: Model, field_name: str, option: Option, value: Any) -> None:
        if value is not None:
            model.assign(field_name, value, option.span)


@dataclass
class Built:
    config: Config
    facts: Facts


def build(root: File | None, options: OptionTable | None = None) -> Built:
    builder = Builder(options or table())
    config = builder.build(root)
    return Built(config, builder.facts)
