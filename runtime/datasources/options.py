"""Datasource and Authenticate option values as a config hands them over, turned into specs.

Rule of this room: pure coercion, one place. Values come as the config wrote them (Momentum writes booleans
and numbers as strings: `returns_password = "true"`, `cache_life = 3600`); a value that cannot be read raises
DatasourceError naming the option, never echoing a `uri` (it may hold a password). Options this runtime
does not act on (`pool`, `serialized`, `assume_charset`, ...) are left to lint.
"""

from __future__ import annotations

from collections.abc import Mapping

from .cache import CACHE_LIFE, CACHE_SIZE, CachePolicy
from .driver import DEFAULT_MAX_ROWS, DriverSettings
from .judge import AuthSpec
from .outcome import DatasourceError
from .service import DatasourceSpec

_TRUE = {"true", "yes", "on", "1", "enabled"}
_FALSE = {"false", "no", "off", "0", "disabled"}


def boolean(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise DatasourceError(f"{name} must be true or false, not {value!r}")


def number(name: str, value: object, minimum: float) -> float:
    try:
        result = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise DatasourceError(f"{name} must be a number, not {value!r}") from None
    if result < minimum and not (name == "max_rows" and result == -1):
        raise DatasourceError(f"{name} must be at least {minimum:g}")
    return result


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise DatasourceError(f"{name} must be a string")
    return value


def _pairs(name: str, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise DatasourceError(f"{name} must be a [ key = value ] array")
    return {str(k): _text(f"{name} {k}", v) for k, v in value.items()}


def datasource_spec(options: Mapping[str, object], settings: DriverSettings | None = None) -> DatasourceSpec:
    """`Datasource "name" { ... }`'s options -> DatasourceSpec (`uri` may be one string or a list)."""
    raw = options.get("uri")
    uris = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list | tuple) else ()
    if not uris or not all(isinstance(u, str) and u.strip() for u in uris):
        raise DatasourceError('uri must be a list of datasource URIs, e.g. ( "sqlite:/var/db/auth.db" )')
    cache = CachePolicy(
        size=int(number("cache_size", options.get("cache_size", CACHE_SIZE), 0)),
        life=number("cache_life", options.get("cache_life", CACHE_LIFE), 0),
        enabled=not boolean("no_cache", options.get("no_cache", False)),
    )
    base = settings or DriverSettings()
    max_rows = int(number("max_rows", options.get("max_rows", DEFAULT_MAX_ROWS), 1))
    tuned = DriverSettings(base.timeout, base.connections, base.pool_wait, max_rows if max_rows > 0 else 1 << 30)
    return DatasourceSpec(tuple(str(u).strip() for u in uris), cache, tuned)


def auth_spec(options: Mapping[str, object]) -> AuthSpec:
    """An `Authenticate { ... }` stanza's options -> AuthSpec (checked: DatasourceError)."""
    for required in ("query", "cache"):
        if required not in options:
            raise DatasourceError(f"Authenticate needs {required}")

    def optional(name: str) -> str | None:
        value = options.get(name)
        return None if value is None else _text(name, value)

    return AuthSpec.build(
        query=_text("query", options["query"]),
        cache=_text("cache", options["cache"]),
        map=_pairs("map", options.get("map", {})),
        returns_password=boolean("returns_password", options.get("returns_password", False)),
        password_column=optional("password_column"),
        type=optional("type"),
        type_column=optional("type_column"),
        type_map=_pairs("type_map", options["type_map"]) if "type_map" in options else None,
    )
