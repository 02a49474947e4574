"""ds_core's datasource URIs and LDAP URLs, parsed into typed targets.

Rule of this room: pure parsing, no I/O. The text up to the first colon names the driver; the rest is the
driver's own syntax: `sqlite:/path` (a relative path is taken from the config's folder), `pgsql:key=value;...`
(libpq keywords, values percent-decoded so a `;` can be written `%3B`), and RFC 4516 LDAP URLs
`ldap://host:port/dn?attributes?scope?filter?extensions` (`ldaps://`, and `ldapi://` with the socket path
percent-encoded as the host). Each part of an LDAP URL is percent-decoded on its own, after splitting, so
`%2C` inside a `bindname` is a comma of the DN and not a separator of extensions. A malformed URI raises
DatasourceError with a message that never quotes a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from .outcome import DatasourceError

# Drivers Momentum has that ecconf does not serve, with what is missing (for the message).
UNSERVED = {
    "mysql": "MySQL is not supported; use pgsql: or sqlite:",
    "odbc": "ODBC is not supported; use pgsql: or sqlite:",
    "cdb": "CDB is not supported; use sqlite:",
    "csv": "CSV is not supported; use sqlite:",
}
# libpq connection keywords a pgsql: URI may carry (the rest of libpq's would be easy to add, but each is one
# more thing to redact or check; these are what a mail deployment uses).
PGSQL_KEYS = frozenset(
    {"host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "sslrootcert", "connect_timeout"}
)
PGSQL_SECRET = "password"
LDAP_SCOPES = {"base": "BASE", "one": "LEVEL", "sub": "SUBTREE"}
LDAP_SCHEMES = ("ldap", "ldaps", "ldapi")


@dataclass(frozen=True, slots=True)
class SqliteTarget:
    path: Path


@dataclass(frozen=True, slots=True)
class PgsqlTarget:
    params: tuple[tuple[str, str], ...]  # libpq keywords in the order written, the password left out
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """For logs: the URI with the password left out."""
        return "pgsql:" + ";".join(f"{k}={v}" for k, v in self.params)


@dataclass(frozen=True, slots=True)
class LdapUrl:
    """An RFC 4516 URL; every part empty when not written, so a query can inherit it from the datasource."""

    scheme: str = ""  # ldap, ldaps, ldapi; "" when the URL names no host (`ldap:///...`)
    host: str = ""  # for ldapi, the socket path
    port: int | None = None
    dn: str = ""
    attributes: tuple[str, ...] = ()
    scope: str = ""  # one of LDAP_SCOPES' keys, or ""
    filter: str = ""
    extensions: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # (lower-case name, value)

    def extension(self, name: str) -> str | None:
        for key, value in self.extensions:
            if key == name:
                return value
        return None

    def describe(self) -> str:
        """For logs: scheme, host and base, never the extensions (x-bindpw)."""
        where = self.host if self.port is None else f"{self.host}:{self.port}"
        return f"{self.scheme or 'ldap'}://{where}/{self.dn}"

    def under(self, base: LdapUrl) -> LdapUrl:
        """This URL (a query) with what it leaves empty taken from `base` (the datasource's URI)."""
        merged = dict(base.extensions)
        merged.update(self.extensions)
        return LdapUrl(
            scheme=self.scheme or base.scheme or "ldap",
            host=self.host or base.host,
            port=self.port if self.host else base.port,
            dn=self.dn or base.dn,
            attributes=self.attributes or base.attributes,
            scope=self.scope or base.scope,
            filter=self.filter or base.filter,
            extensions=tuple(merged.items()),
        )


Target = SqliteTarget | PgsqlTarget | LdapUrl


def driver_name(uri: str) -> str:
    """The driver part of a datasource URI: the text before the first colon, lower-cased."""
    name, sep, _ = uri.partition(":")
    if not sep or not name:
        raise DatasourceError("a datasource URI starts with its driver name and a colon (sqlite:, pgsql:, ldap:)")
    return name.strip().lower()


def parse_datasource_uri(uri: str, base_dir: Path | None = None) -> Target:
    """The target a ds_core `uri` names; DatasourceError when the driver is unknown or the URI malformed."""
    driver = driver_name(uri)
    rest = uri.partition(":")[2]
    if driver == "sqlite":
        return parse_sqlite(rest, base_dir)
    if driver == "pgsql":
        return parse_pgsql(rest)
    if driver in LDAP_SCHEMES:
        return parse_ldap_url(uri)
    if driver in UNSERVED:
        raise DatasourceError(f"{driver}: datasource driver not served by ecconf: {UNSERVED[driver]}")
    raise DatasourceError(f"{driver}: unknown datasource driver (ecconf serves sqlite:, pgsql: and ldap:)")


def parse_sqlite(rest: str, base_dir: Path | None) -> SqliteTarget:
    text = rest[2:] if rest.startswith("///") else rest  # sqlite:///abs/path as well as sqlite:/abs/path
    path = unquote(text.strip(), errors="strict")
    if not path:
        raise DatasourceError("sqlite: needs the path of the database file (sqlite:/var/db/auth.db)")
    if "\x00" in path:
        raise DatasourceError("sqlite: the database path holds a NUL byte")
    target = Path(path)
    if not target.is_absolute() and base_dir is not None:
        target = base_dir / target
    return SqliteTarget(target)


def parse_pgsql(rest: str) -> PgsqlTarget:
    params: list[tuple[str, str]] = []
    password: str | None = None
    seen: set[str] = set()
    for number, item in enumerate(rest.split(";"), start=1):
        if not item.strip():
            continue
        key, sep, raw = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            # The item itself might be a password written without its key: never quote it.
            raise DatasourceError(f"pgsql: item {number} is not key=value")
        if key not in PGSQL_KEYS:
            raise DatasourceError(f"pgsql: unknown key {key!r}; known: {', '.join(sorted(PGSQL_KEYS))}")
        if key in seen:
            raise DatasourceError(f"pgsql: {key} given twice")
        seen.add(key)
        try:
            value = unquote(raw.strip(), errors="strict")
        except UnicodeDecodeError:
            raise DatasourceError(f"pgsql: the {key} value is not UTF-8 once percent-decoded") from None
        if "\x00" in value:
            raise DatasourceError(f"pgsql: the {key} value holds a NUL byte")
        if key == PGSQL_SECRET:
            password = value
        elif key == "port" and not value.isdigit():
            raise DatasourceError("pgsql: port must be a number")
        else:
            params.append((key, value))
    if not seen - {PGSQL_SECRET}:
        raise DatasourceError("pgsql: needs at least dbname or host (pgsql:host=/run/postgresql;dbname=mail)")
    return PgsqlTarget(tuple(params), password)


def _decode(part: str, what: str) -> str:
    try:
        return unquote(part, errors="strict")
    except UnicodeDecodeError:
        raise DatasourceError(f"LDAP URL: the {what} is not UTF-8 once percent-decoded") from None


def parse_ldap_url(url: str) -> LdapUrl:
    scheme, sep, rest = url.strip().partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in LDAP_SCHEMES:
        raise DatasourceError("LDAP URL: must start with ldap://, ldaps:// or ldapi://")
    hostport, slash, path = rest.partition("/")
    if "?" in hostport:  # ldap://host?attrs: the slash before the query may be left out
        hostport, _, query = hostport.partition("?")
        path, slash = "?" + query, "/"
    host, port = _host_port(hostport, scheme)
    parts = path.split("?") if slash else [""]
    if len(parts) > 5:
        raise DatasourceError("LDAP URL: too many '?' parts (dn?attributes?scope?filter?extensions)")
    parts += [""] * (5 - len(parts))
    dn = _decode(parts[0], "DN")
    attributes = tuple(_decode(a, "attribute list").strip() for a in parts[1].split(",") if a.strip())
    scope = _decode(parts[2], "scope").strip().lower()
    if scope and scope not in LDAP_SCOPES:
        raise DatasourceError(f"LDAP URL: scope must be base, one or sub, not {scope!r}")
    extensions: list[tuple[str, str]] = []
    for item in parts[4].split(","):
        if not item.strip():
            continue
        name, _, value = item.strip().partition("=")
        name = _decode(name, "extension name").lstrip("!").strip().lower()  # "!" marks a critical extension
        if not name:
            raise DatasourceError("LDAP URL: an extension has no name")
        extensions.append((name, _decode(value, f"{name} extension")))
    return LdapUrl(
        scheme=scheme if (host or scheme != "ldap") else "",
        host=host,
        port=port,
        dn=dn,
        attributes=attributes,
        scope=scope,
        filter=_decode(parts[3], "filter").strip(),
        extensions=tuple(extensions),
    )


def _host_port(hostport: str, scheme: str) -> tuple[str, int | None]:
    if not hostport:
        return "", None
    if scheme == "ldapi":
        return _decode(hostport, "socket path"), None
    host, colon, port = hostport.rpartition(":") if not hostport.endswith("]") else (hostport, "", "")
    if not colon:
        host, port = hostport, ""
    host = host.strip("[]")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise DatasourceError("LDAP URL: the port must be a number from 1 to 65535")
    return _decode(host, "host"), int(port) if port else None
