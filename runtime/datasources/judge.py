"""auth_ds `Authenticate` options, and what the rows a query returned say about an AUTH attempt.

Rule of this room: pure decisions over rows, no I/O. With `returns_password` off the query decides: the first
column of the first row, non-zero (and not empty), is success. With it on, the password in `password_column`
(or the first column) is checked through password_hashes, with its scheme from `type`, or from `type_column`
looked up in `type_map`, or from the value's own `{SCHEME}` prefix. A check that costs CPU is handed back to
the caller (Check), which runs it off the event loop; a row the options cannot read is a FAIL, never a raise.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .. import password_hashes
from .outcome import DatasourceError
from .query import AuthParams, ExpansionMap

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rows:
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True, slots=True)
class AuthSpec:
    """One `Authenticate` stanza, checked when built (DatasourceError)."""

    query: str
    cache: str  # the Datasource's name
    map: ExpansionMap = field(default_factory=lambda: ExpansionMap(()))
    returns_password: bool = False
    password_column: str | None = None
    type: str | None = None
    type_column: str | None = None
    type_map: tuple[tuple[str, str], ...] = ()

    @classmethod
    def build(
        cls,
        query: str,
        cache: str,
        map: Mapping[str, str] | None = None,
        returns_password: bool = False,
        password_column: str | None = None,
        type: str | None = None,
        type_column: str | None = None,
        type_map: Mapping[str, str] | None = None,
    ) -> AuthSpec:
        for name in [type, *(type_map or {}).values()]:
            if name is not None and name.strip().lower() not in password_hashes.TYPE_NAMES:
                raise DatasourceError(f"unknown password type {name!r}; known: {', '.join(password_hashes.TYPE_NAMES)}")
        if not returns_password and (password_column or type_column or type):
            raise DatasourceError("password_column, type and type_column need returns_password set to true")
        if type_column and not type_map:
            raise DatasourceError("type_column needs a type_map")
        return cls(
            query=query,
            cache=cache,
            map=ExpansionMap.build(map or {}),
            returns_password=returns_password,
            password_column=password_column,
            type=type,
            type_column=type_column,
            type_map=tuple((type_map or {}).items()),
        )


@dataclass(frozen=True, slots=True)
class Check:
    """A password to check against a stored value; `costly` ones run off the event loop."""

    stored: password_hashes.Stored
    costly: bool

    def run(self, params: AuthParams) -> bool:
        return password_hashes.matches(self.stored, params.password, params.username, params.realm)


def truthy(value: object) -> bool:
    """Momentum's 'non-zero': a number other than 0, or text that is not empty and not a zero."""
    if value is None:
        return False
    if isinstance(value, bool | int | float):
        return bool(value)
    text = bytes(value).decode("utf-8", "replace") if isinstance(value, bytes | bytearray | memoryview) else str(value)
    text = text.strip()
    if not text:
        return False
    try:
        return float(text) != 0
    except ValueError:
        return True  # a name or a DN: the row exists


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "surrogateescape")
    return str(value)


def _column(rows: Rows, name: str | None) -> int | None:
    if name is None:
        return 0 if rows.columns else None
    lowered = [c.lower() for c in rows.columns]
    return lowered.index(name.lower()) if name.lower() in lowered else None


def judge(rows: Rows, spec: AuthSpec, scheme: str) -> bool | Check:
    """True/False when the rows decide; a Check when a returned password must be compared."""
    if not rows.rows:
        return False
    first: Sequence[object] = rows.rows[0]
    if not spec.returns_password:
        return bool(first) and truthy(first[0])
    index = _column(rows, spec.password_column)
    if index is None:
        log.warning("auth_ds %s: no %s column in the result", scheme, spec.password_column or "first")
        return False
    value = _text(first[index])
    if not value:
        return False
    type_name = spec.type
    if spec.type_column is not None:
        type_index = _column(rows, spec.type_column)
        code = _text(first[type_index]) if type_index is not None else None
        mapped = dict(spec.type_map).get(code.strip() if code else "")
        if mapped is None:
            log.warning("auth_ds %s: the type column holds a value type_map does not name", scheme)
            return False
        type_name = mapped
    try:
        stored = password_hashes.resolve(value, type_name)
    except password_hashes.UnknownScheme as error:
        log.warning("auth_ds %s: stored password not checkable: %s", scheme, str(error).split(";")[0])
        return False
    return Check(stored, password_hashes.is_costly(stored))
