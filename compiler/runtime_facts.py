"""What the runtime can serve, as the compiler's lint rules need to know it.

Rule of this room: lint and `ecconf serve` must never disagree, so every answer here comes from the runtime's
own tables and parsers (runtime/stores.py, runtime/sasl, runtime/auth_offer.py, runtime/listen_address.py):
which URI schemes open a store, which secrets each store holds, which mechanism each secret serves, how a
password file is parsed, what EHLO offers, where a Listen binds. This is, with to_runtime.py,
the one place the compiler imports the runtime; rules import this module instead. Nothing returned here
carries a password or a hash: a password file is summarised as user names, realms and problems.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import stat
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..runtime import auth_offer as auth_offer
from ..runtime import sasl
from ..runtime.auth_offer import CLEARTEXT_MECHANISMS as CLEARTEXT_MECHANISMS
from ..runtime.auth_offer import clear_text_needs_tls as clear_text_needs_tls
from ..runtime.datasources import DatasourceError, auth_spec, datasource_spec
from ..runtime.datasources import scheme_name as scheme_name
from ..runtime.datasources.driver import EXTRAS
from ..runtime.datasources.query import LdapQuery, check_placeholders, sql_placeholders
from ..runtime.datasources.uri import LDAP_SCHEMES, driver_name, parse_datasource_uri
from ..runtime.listen_address import ListenAddress as ListenAddress
from ..runtime.listen_address import parse_listen_address
from ..runtime.policy import client_address as client_address
from ..runtime.sasl.base import SecretKind
from ..runtime.stores import (
    STORE_SCHEMES,
    StoreError,
    StoreKind,
    parse_password_file,
    split_digest_key,
    uri_path,
)
from ..runtime.stores import uri_scheme as _runtime_uri_scheme
from .includes import read_regular

# Every Listen is read with serve's own parser: an address lint accepts is one serve binds (E302 shows its refusal).
to_listen_address = parse_listen_address

# The mechanisms `ecconf serve` implements (upper-case SASL names).
SUPPORTED_MECHANISMS: frozenset[str] = frozenset(name.upper() for name in sasl.MECHANISMS)

# The schemes that name a password file the runtime opens itself; any other scheme is an external back-end.
FILE_SCHEMES: frozenset[str] = frozenset(STORE_SCHEMES)

# What each file scheme's store hands out. runtime/stores.py decides this per store object
# (PasswordFileStore.secret_kinds); tests/compiler/test_runtime_facts.py checks this table against real stores.
_KINDS: dict[StoreKind, frozenset[SecretKind]] = {
    StoreKind.FILE: frozenset({SecretKind.CLEARTEXT, SecretKind.HASHED}),
    StoreKind.DIGEST: frozenset({SecretKind.DIGEST_HA1}),
}

# An auth_ds Scheme's store (runtime/datasources/store.py SchemeStore.secret_kinds).
_SCHEME_KINDS = frozenset({SecretKind.VERIFY})

_SECRET_WORDS: dict[SecretKind, str] = {
    SecretKind.CLEARTEXT: "clear-text passwords",
    SecretKind.DIGEST_HA1: "H(user:realm:password) hashes",
    SecretKind.HASHED: "password hashes",
    SecretKind.VERIFY: "no secret to hand out (it checks a password itself, by a datasource query)",
}

MAX_PASSWORD_FILE_BYTES = 256 * 1024 * 1024


class UriError(ValueError):
    """A file: or digest: URI that names no usable local file (remote host, no path)."""


def uri_scheme(uri: str) -> str:
    """The lower-case scheme of a store URI, "" when it has none (e.g. a bare path)."""
    return _runtime_uri_scheme(uri)


def store_kinds(uri: str, schemes: Collection[str] = ()) -> frozenset[SecretKind] | None:
    """The secret kinds the store `uri` holds; None for a scheme the runtime cannot open (external back-end).
    `schemes`: the config's auth_ds Schemes, each a `name://` store that checks passwords itself."""
    if auth_ds_scheme(uri, schemes) is not None:
        return _SCHEME_KINDS
    scheme = uri_scheme(uri)
    if scheme not in FILE_SCHEMES:
        return None
    return _KINDS[StoreKind(scheme)]


def auth_ds_scheme(uri: str, schemes: Collection[str]) -> str | None:
    """The Scheme a `name://` uri names, if the config defines it (the runtime's own reading of the uri)."""
    name = scheme_name(uri)
    return name if name is not None and name in schemes else None


def datasource_uri_problem(uri: str) -> str | None:
    """Why the runtime cannot open a datasource URI (malformed, or a driver it does not serve), or None.
    The runtime's parser says it, and never echoes the URI (it may hold a password)."""
    try:
        parse_datasource_uri(uri)
    except DatasourceError as error:
        return str(error)
    return None


# driver -> the libraries its runtime module imports (runtime/datasources/pgsql.py, ldap.py).
_DRIVER_LIBRARIES = {"pgsql": ("psycopg", "psycopg_pool"), "ldap": ("ldap3",)}


def datasource_missing_extra(uri: str) -> str | None:
    """What to install when the driver a (well-formed) datasource URI names lacks its library, or None."""
    driver = driver_name(uri)
    driver = "ldap" if driver in LDAP_SCHEMES else driver
    absent = [name for name in _DRIVER_LIBRARIES.get(driver, ()) if importlib.util.find_spec(name) is None]
    if not absent:
        return None
    return f"the {driver} datasource driver needs {' and '.join(absent)}: pip install '{EXTRAS[driver]}'"


def datasource_options_problem(options: Mapping[str, object]) -> str | None:
    """Why the runtime refuses a Datasource scope's options (uri list, cache_size, ...), or None."""
    try:
        datasource_spec(options)
    except DatasourceError as error:
        return str(error)
    return None


def authenticate_problem(options: Mapping[str, object]) -> str | None:
    """Why the runtime refuses an Authenticate stanza (a missing query, a bad type_map value, ...), or None."""
    try:
        auth_spec(options)
    except DatasourceError as error:
        return str(error)
    return None


def _placeholders(query: str, uri: str) -> list[str] | None:
    """The placeholders a driver reads in `query` (`:name` SQL, `$name` LDAP URL); None for other drivers."""
    driver = driver_name(uri)
    if driver in LDAP_SCHEMES:
        return LdapQuery.parse(query).placeholders()
    if driver in ("sqlite", "pgsql"):
        return sql_placeholders(query)
    return None  # a driver A418 reports


def query_problem(options: Mapping[str, object], uris: Collection[str]) -> str | None:
    """Why an Authenticate stanza's query does not fit the Datasource's drivers (a `:name` / `$name`
    placeholder with no map entry, a malformed query), or None; `options` already passed authenticate_problem."""
    try:
        spec = auth_spec(options)
        for uri in uris:
            used = _placeholders(spec.query, uri)
            if used is not None:
                check_placeholders(used, spec.map)
    except DatasourceError as error:
        return str(error)
    return None


def unused_map_entries(options: Mapping[str, object], uris: Collection[str]) -> list[str]:
    """The `map` entries no placeholder of the query reads, for every driver of the Datasource (sorted); only
    for a stanza and query that passed authenticate_problem and query_problem."""
    try:
        spec = auth_spec(options)
        read = [_placeholders(spec.query, uri) for uri in uris]
    except DatasourceError:
        return []
    known = [names for names in read if names is not None]  # drivers ecconf cannot read say nothing here
    return sorted(spec.map.names() - {name for names in known for name in names}) if known else []


def servable_datasource(options: Mapping[str, object]) -> bool:
    """Whether `ecconf serve` can open a Datasource scope: good options, every URI parsed, its library there."""
    if datasource_options_problem(options) is not None:
        return False
    raw = options.get("uri")
    uris = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return all(datasource_uri_problem(str(u)) is None and datasource_missing_extra(str(u)) is None for u in uris)


def describe_secrets(kinds: frozenset[SecretKind]) -> str:
    """Words for a set of secret kinds, for messages ("clear-text passwords"). A store that checks passwords
    itself is named only alone: "PLAIN needs clear-text passwords or password hashes" says enough."""
    if len(kinds) > 1:
        kinds = kinds - {SecretKind.VERIFY}
    return " or ".join(_SECRET_WORDS[kind] for kind in sorted(kinds, key=lambda k: k.value)) or "no secrets"


def required_secrets(mechanism: str, stored_cleartext: bool) -> frozenset[SecretKind]:
    """The secret kinds any one of which lets `mechanism` work (empty for a mechanism the runtime lacks)."""
    table = sasl.REQUIRED_SECRETS.get(mechanism.upper())
    return frozenset() if table is None else table[stored_cleartext]


def can_serve(mechanism: str, kinds: frozenset[SecretKind], stored_cleartext: bool = False) -> bool:
    """Whether a store holding `kinds` can serve `mechanism`; False for a mechanism the runtime lacks."""
    if mechanism.upper() not in sasl.REQUIRED_SECRETS:
        return False
    return sasl.can_serve(mechanism, kinds, stored_cleartext)


def uri_file(uri: str, base_dir: Path | None) -> Path:
    """The password file a file:/digest: URI names, exactly as the runtime resolves it (relative URIs against
    `base_dir`, the directory of the config file naming them). UriError when it names no local file."""
    try:
        return uri_path(uri, base_dir)
    except StoreError as exc:
        raise UriError(str(exc)) from None


def default_realm(realm: str | None, hostname: str | None) -> str:
    """The DIGEST-MD5 realm the server offers: the configured realm, else Hostname, else the machine's name."""
    return realm or hostname or socket.gethostname()


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A problem of one line of a password file: 1-based line and columns (end exclusive); no secret inside.

    `fatal` problems stop the runtime from loading the file; the others it survives."""

    line: int
    column: int
    end_column: int
    message: str
    fatal: bool


@dataclass(frozen=True, slots=True)
class PasswordFileSummary:
    """A readable password file, without its secrets."""

    path: Path
    mode: int  # permission bits
    users: frozenset[str]
    # digest: files only: realm -> how many entries are for it.
    realms: dict[str, int] = field(default_factory=dict)
    problems: tuple[FileProblem, ...] = ()

    @property
    def entries(self) -> int:
        return sum(self.realms.values()) if self.realms else len(self.users)


def read_password_file(path: Path, kind: str) -> tuple[PasswordFileSummary | None, str | None]:
    """Read and parse a `file` or `digest` password file with the runtime's parser.

    Returns (summary, None), or (None, why) when the file cannot be read at all."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return None, f"{exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return None, "it is a directory" if stat.S_ISDIR(info.st_mode) else "it is not a regular file"
    if info.st_size > MAX_PASSWORD_FILE_BYTES:
        return None, f"it is larger than {MAX_PASSWORD_FILE_BYTES // 2**20} MiB"
    key = (str(path), StoreKind(kind), info.st_mtime_ns, info.st_size, info.st_ino, stat.S_IMODE(info.st_mode))
    return _read_cached(*key)


@lru_cache(maxsize=32)
def _read_cached(
    path: str, kind: StoreKind, _mtime: int, _size: int, _inode: int, mode: int
) -> tuple[PasswordFileSummary | None, str | None]:
    # Several rules look at the same file in one lint run; the key changes whenever the file does.
    data, why = read_regular(path, MAX_PASSWORD_FILE_BYTES)  # never blocks, never reads past the limit
    if data is None:
        return None, why
    entries, problems = parse_password_file(data, kind)
    lines = data.split(b"\n")
    located = tuple(_locate(lines, p.line, p.message, p.fatal, kind) for p in problems)
    if kind is StoreKind.DIGEST:
        pairs = [split_digest_key(k) for k in entries]
        users = frozenset(user for user, _ in pairs)
        realms = dict(Counter(realm for _, realm in pairs))
    else:
        users, realms = frozenset(entries), {}
    return PasswordFileSummary(Path(path), mode, users, realms, located), None


def _locate(lines: list[bytes], number: int, message: str, fatal: bool, kind: StoreKind) -> FileProblem:
    """Columns for a problem line: the hash field of a digest line whose user and realm are fine, else the line."""
    raw = lines[number - 1] if 0 < number <= len(lines) else b""
    text = raw.rstrip(b"\r").decode("utf-8", errors="replace")
    end = len(text) + 1
    if kind is StoreKind.DIGEST:
        head, sep, _hash = text.rpartition(":")
        if sep and ":" in head and not head.startswith(":"):
            return FileProblem(number, len(head) + 2, max(end, len(head) + 3), message, fatal)
    return FileProblem(number, 1, max(end, 2), message, fatal)
