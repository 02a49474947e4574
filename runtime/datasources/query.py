"""auth_ds queries: `%{...}` expansion maps, `:name` SQL placeholders, `$name` LDAP placeholders.

Rule of this room: pure functions, and values never become query text. SQL placeholders are rewritten into
the driver's positional markers and the values bound by the driver; the scan skips string literals, quoted
identifiers, comments and PostgreSQL `::` casts, so `':user'` in a literal stays a literal. LDAP has no
binding, so a value is escaped for the place it lands in: RFC 4515 in a filter (`*)(uid=*` matches nothing
but itself), RFC 4514 in a DN (`bindname`), as is in `x-bindpw`. A placeholder with no `map` entry, or a
`%{...}` that is not one of EXPANSIONS, raises DatasourceError when the scheme is built, never at query time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .outcome import DatasourceError
from .uri import LdapUrl, parse_ldap_url

# The `%{...}` names of Momentum's parameter expansion maps, and the field of AuthParams each reads.
EXPANSIONS = {
    "username": "username",
    "password": "password",
    "realm": "realm",
    "crypt": "crypt",
    "nonce": "nonce",
    "digest-uri": "digest_uri",
    "uri": "uri",
}
_EXPANSION = re.compile(r"%\{([^}]*)\}")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


@dataclass(frozen=True, slots=True)
class AuthParams:
    """What one AUTH attempt brings to the query. `crypt` is `clear` for PLAIN and LOGIN."""

    username: str
    password: str
    realm: str = ""
    crypt: str = "clear"
    nonce: str = ""
    digest_uri: str = ""
    uri: str = ""

    def __repr__(self) -> str:  # never the password, whatever logs an AuthParams
        return f"AuthParams(username={self.username!r}, crypt={self.crypt!r}, uri={self.uri!r})"


@dataclass(frozen=True, slots=True)
class ExpansionMap:
    entries: tuple[tuple[str, str], ...]  # (placeholder name, template with %{...})

    @classmethod
    def build(cls, mapping: Mapping[str, str]) -> ExpansionMap:
        for name, template in mapping.items():
            if not re.fullmatch(_NAME, name):
                raise DatasourceError(f"map: {name!r} is not a placeholder name (letters, digits, _)")
            for found in _EXPANSION.findall(template):
                if found not in EXPANSIONS:
                    raise DatasourceError(
                        f"map: {name} uses %{{{found}}}; known expansions: "
                        + ", ".join(f"%{{{e}}}" for e in EXPANSIONS)
                    )
        return cls(tuple(mapping.items()))

    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.entries)

    def expand(self, params: AuthParams) -> dict[str, str]:
        def one(match: re.Match[str]) -> str:
            value: str = getattr(params, EXPANSIONS[match.group(1)])
            return value

        return {name: _EXPANSION.sub(one, template) for name, template in self.entries}


# --- SQL ---

# One token of SQL text that is not a placeholder and must be copied as it is (and not scanned inside).
_SQL_SKIP = re.compile(
    r"""'(?:[^']|'')*'            # string literal, '' inside
      | "(?:[^"]|"")*"            # quoted identifier
      | --[^\n]*                  # line comment
      | /\*.*?\*/                 # block comment
      | \$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$   # PostgreSQL dollar quoting
      | ::                        # PostgreSQL cast, not a placeholder
    """,
    re.X | re.S,
)
_SQL_PLACEHOLDER = re.compile(rf":({_NAME})")


@dataclass(frozen=True, slots=True)
class SqlStatement:
    """A query with its `:name` placeholders turned into positional markers, and the names in order."""

    text: str
    names: tuple[str, ...]

    def values(self, bound: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(bound[name] for name in self.names)


def sql_placeholders(query: str) -> list[str]:
    """The `:name` placeholders of an SQL query, in order (a name may repeat)."""
    return [name for kind, name in _sql_tokens(query) if kind == "placeholder"]


def compile_sql(query: str, marker: str, literal_percent: str = "%") -> SqlStatement:
    """`marker` is the driver's positional marker (`?` for sqlite3, `%s` for psycopg); `literal_percent` is
    how a `%` of the query text must be written for that driver (`%%` for psycopg)."""
    out: list[str] = []
    names: list[str] = []
    for kind, text in _sql_tokens(query):
        if kind == "placeholder":
            out.append(marker)
            names.append(text)
        else:
            out.append(text.replace("%", literal_percent))
    return SqlStatement("".join(out), tuple(names))


def _sql_tokens(query: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(query):
        skip = _SQL_SKIP.match(query, pos)
        if skip:
            tokens.append(("text", skip.group(0)))
            pos = skip.end()
            continue
        holder = _SQL_PLACEHOLDER.match(query, pos)
        if holder:
            tokens.append(("placeholder", holder.group(1)))
            pos = holder.end()
            continue
        if query[pos] in "'\"" or query.startswith("/*", pos):
            raise DatasourceError(f"query: unterminated quote or comment at character {pos + 1}")
        tokens.append(("text", query[pos]))
        pos += 1
    return tokens


def check_placeholders(used: list[str], expansion: ExpansionMap) -> None:
    missing = sorted(set(used) - expansion.names())
    if missing:
        raise DatasourceError(f"query: placeholder(s) with no map entry: {', '.join(missing)}")


# --- LDAP ---

_LDAP_PLACEHOLDER = re.compile(rf"\$({_NAME})")
_FILTER_SPECIAL = {"\\": r"\5c", "*": r"\2a", "(": r"\28", ")": r"\29", "\x00": r"\00"}
_DN_SPECIAL = set(',+"\\<>;=')
# How a value is written into each extension that may hold a placeholder: the password goes as it is.
_EXTENSION_ESCAPES = {"bindname": "dn", "x-bindpw": "raw"}


def escape_filter_value(value: str) -> str:
    """RFC 4515 §3: the assertion value of a filter, with every character that has a meaning escaped."""
    return "".join(_FILTER_SPECIAL.get(ch, ch) for ch in value)


def escape_dn_value(value: str) -> str:
    """RFC 4514 §2.4: an attribute value inside a DN."""
    out = []
    for index, ch in enumerate(value):
        if ch in _DN_SPECIAL or (ch == "#" and index == 0) or (ch == " " and index in (0, len(value) - 1)):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class LdapQuery:
    """An auth_ds LDAP query: an LDAP URL whose DN, filter and extensions may hold `$name` placeholders."""

    url: LdapUrl

    @classmethod
    def parse(cls, text: str) -> LdapQuery:
        url = parse_ldap_url(text)
        if any("$" in a for a in url.attributes):
            raise DatasourceError("LDAP query: placeholders are not allowed in the attribute list")
        for name, value in url.extensions:
            if name not in _EXTENSION_ESCAPES and _LDAP_PLACEHOLDER.search(value):
                raise DatasourceError(f"LDAP query: placeholders are allowed only in bindname and x-bindpw, not {name}")
        return cls(url)

    def placeholders(self) -> list[str]:
        texts = [self.url.dn, self.url.filter, *(value for _, value in self.url.extensions)]
        return [name for text in texts for name in _LDAP_PLACEHOLDER.findall(text)]

    @property
    def bind_only(self) -> bool:
        """No search, only a bind as `bindname` (Momentum's bind-only mode: returns a `bind` column of 1)."""
        u = self.url
        return u.extension("bindname") is not None and not (u.dn or u.attributes or u.scope or u.filter)

    @property
    def binds_as_user(self) -> bool:
        """Whether the bind identity comes from the AUTH attempt, so a refused bind means a wrong password."""
        return any(_LDAP_PLACEHOLDER.search(self.url.extension(k) or "") for k in ("bindname", "x-bindpw"))

    def render(self, bound: Mapping[str, str]) -> LdapUrl:
        """The URL with every placeholder replaced by its value, escaped for where it stands."""

        def sub(text: str, escape: str) -> str:
            def one(match: re.Match[str]) -> str:
                value = bound[match.group(1)]
                if escape == "filter":
                    return escape_filter_value(value)
                if escape == "dn":
                    return escape_dn_value(value)
                return value

            return _LDAP_PLACEHOLDER.sub(one, text)

        u = self.url
        extensions = tuple(
            (k, sub(v, _EXTENSION_ESCAPES[k]) if k in _EXTENSION_ESCAPES else v) for k, v in u.extensions
        )
        return LdapUrl(
            scheme=u.scheme,
            host=u.host,
            port=u.port,
            dn=sub(u.dn, "dn"),
            attributes=u.attributes,
            scope=u.scope,
            filter=sub(u.filter, "filter"),
            extensions=extensions,
        )
