"""The LDAP driver: ldap3 in threads of its own (the `ecconf[ldap]` extra); searches, and bind-only.

Rule of this room: a query is an LDAP URL whose empty parts come from the datasource's URI; its `$name`
values are escaped by query.py before they reach here. A search binds as the `bindname`/`x-bindpw` of the
query or the datasource (anonymously without one), on a connection kept for the next search; a bind-only
query (Momentum's: no search, a `bind` column of 1 on success) binds again on the slot's bind-only
connection (a new Bind replaces the identity; a search never uses that connection). A refused bind is a
FAIL when the identity came from the AUTH attempt, and TemporaryFailure when it is the datasource's own (a
service account that cannot bind is the server's problem, not the user's). An empty password never reaches
the server: RFC 4513 §5.1.2 makes that an unauthenticated bind, which succeeds.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any
from urllib.parse import quote

from .driver import DriverSettings, Prepared, missing
from .judge import Rows
from .outcome import DatasourceError, RejectedInput, TemporaryFailure
from .query import LdapQuery
from .threads import ThreadSlots
from .uri import LDAP_SCOPES, LdapUrl

try:
    import ldap3
    from ldap3.core import exceptions as ldap_errors
except ImportError:  # the extra is not installed: say so when an ldap: datasource is opened
    ldap3 = None  # type: ignore[assignment]
    ldap_errors = None  # type: ignore[assignment]

# Result codes (RFC 4511 §4.1.9) that are the answer "no", not a failure to answer.
_NO = {
    32,  # noSuchObject: the base DN (with the user in it) does not exist
    34,  # invalidDNSyntax: a user name that makes no DN
    48,  # inappropriateAuthentication
    49,  # invalidCredentials
    50,  # insufficientAccessRights
    87,  # filterError
}
_OK = {0, 4}  # success; sizeLimitExceeded still hands back the first entries
BIND_COLUMN = "bind"
GRACE = 1.0  # seconds aclose() waits for queries still running (they are bounded by their timeout too)


class LdapPrepared:
    def __init__(self, query: LdapQuery) -> None:
        self.query = query

    def placeholders(self) -> list[str]:
        return self.query.placeholders()


class LdapDriver:
    def __init__(self, base: LdapUrl, settings: DriverSettings) -> None:
        if ldap3 is None:
            raise missing("ldap", "ldap3")
        self.base = base
        self.settings = _with_url_timeout(base, settings)
        self.slots: ThreadSlots[Any] = ThreadSlots(self.settings.connections, "ecconf-ldap", _unbind)

    @property
    def busy(self) -> int:
        return self.slots.busy

    def describe(self) -> str:
        return self.base.describe()

    def prepare(self, query: str) -> Prepared:
        return LdapPrepared(LdapQuery.parse(query))

    async def fetch(self, prepared: Prepared, bound: dict[str, str]) -> Rows:
        assert isinstance(prepared, LdapPrepared)
        url = prepared.query.render(bound).under(self.base)
        as_user = prepared.query.binds_as_user
        if as_user and not url.extension("x-bindpw"):
            raise RejectedInput("ldap: empty password")  # would be an unauthenticated bind (RFC 4513)
        search = self._bind_only if prepared.query.bind_only else self._search
        work = functools.partial(search, url=url, as_user=as_user)
        try:
            return await self.slots.run(work, self.settings.wait, self.settings.timeout)
        except TemporaryFailure as error:
            raise TemporaryFailure(f"ldap: {error}") from None

    def _server(self, url: LdapUrl) -> Any:
        timeout = self.settings.timeout
        if url.scheme == "ldapi":
            return ldap3.Server("ldapi://" + quote(url.host, safe=""), connect_timeout=timeout)
        return ldap3.Server(
            url.host or "localhost", port=url.port, use_ssl=url.scheme == "ldaps", connect_timeout=timeout
        )

    def _connection(self, url: LdapUrl) -> Any:
        return ldap3.Connection(
            self._server(url),
            user=url.extension("bindname") or None,
            password=url.extension("x-bindpw") or None,
            receive_timeout=max(1, math.ceil(self.settings.timeout)),  # whole seconds: ldap3 packs it as SO_RCVTIMEO
            read_only=True,
            raise_exceptions=False,
        )

    def _bind(self, conn: Any, as_user: bool, server_info: bool = True) -> None:
        """`server_info`: read the server's schema after binding (ldap3's default), which a search needs to type
        the values it returns; a bind-only check does not, and reading it on every check costs ms of CPU."""
        try:
            ok = conn.bind(read_server_info=server_info)
        except ldap_errors.LDAPException as error:
            raise _temporary(error) from None
        if not ok:
            code = conn.result.get("result")
            _unbind(conn)
            if as_user and code in _NO:
                raise RejectedInput(f"ldap: bind refused ({code})")
            raise TemporaryFailure(f"ldap: bind refused ({code} {conn.result.get('description')})")

    def _bind_only(self, slot: list[Any], url: LdapUrl, as_user: bool) -> Rows:
        conn, where = slot[0], ("bind-only", url.scheme, url.host, url.port)
        if conn is not None and (getattr(conn, "ecconf_identity", None) != where or conn.closed):
            _unbind(conn)
            conn = None
        slot[0] = None  # held by nobody else while it binds; kept again only after a bind that worked
        if conn is None:
            conn = self._connection(url)
            conn.ecconf_identity = where
        else:  # a Bind on an open connection replaces its identity (RFC 4511 4.2): no new connection per check
            conn.user, conn.password = url.extension("bindname") or None, url.extension("x-bindpw") or None
        self._bind(conn, as_user, server_info=False)  # a refused bind closes the connection
        slot[0] = conn  # bound as that user: only the next bind-only check uses it, and it binds again first
        return Rows((BIND_COLUMN,), ((1,),))

    def _search(self, slot: list[Any], url: LdapUrl, as_user: bool) -> Rows:
        conn = slot[0]
        identity = (url.host, url.port, url.extension("bindname"), url.extension("x-bindpw"))
        if conn is not None and (as_user or getattr(conn, "ecconf_identity", None) != identity or conn.closed):
            _unbind(conn)
            conn = slot[0] = None
        if conn is None:
            conn = self._connection(url)
            self._bind(conn, as_user)
            conn.ecconf_identity = identity
            slot[0] = None if as_user else conn
        attributes = list(url.attributes) or [ldap3.NO_ATTRIBUTES]
        try:
            conn.search(
                url.dn,
                url.filter or "(objectClass=*)",
                search_scope=getattr(ldap3, LDAP_SCOPES[url.scope or "base"]),
                attributes=attributes,
                size_limit=max(1, self.settings.max_rows),
                time_limit=max(1, round(self.settings.timeout)),
            )
            code, description = conn.result.get("result"), conn.result.get("description")
            response = list(conn.response or ())
        except ldap_errors.LDAPInvalidFilterError:
            raise RejectedInput("ldap: filter refused") from None
        except ldap_errors.LDAPException as error:
            slot[0] = None
            _unbind(conn)
            raise _temporary(error) from None
        finally:
            if as_user:
                _unbind(conn)
        if code in _OK:
            return _rows(response, url)
        if code in _NO:
            return Rows(tuple(url.attributes), ())
        raise TemporaryFailure(f"ldap: search failed ({code} {description})")

    async def aclose(self) -> None:
        await self.slots.aclose(GRACE)


def _with_url_timeout(base: LdapUrl, settings: DriverSettings) -> DriverSettings:
    """ds_ldap's `x-search-timeout` extension of the datasource URI, when given, is the query timeout."""
    value = base.extension("x-search-timeout")
    if value is None:
        return settings
    try:
        seconds = float(value)
    except ValueError:
        raise DatasourceError("LDAP URL: x-search-timeout must be a number of seconds") from None
    if seconds <= 0:
        raise DatasourceError("LDAP URL: x-search-timeout must be more than 0")
    return dataclasses.replace(settings, timeout=seconds)


def _rows(response: Any, url: LdapUrl) -> Rows:
    columns = list(url.attributes)
    return_dn = url.extension("x-return-dn")
    if return_dn:
        columns.append(return_dn)
    rows = []
    for entry in response:
        if entry.get("type") != "searchResEntry":
            continue  # referrals and the like
        raw = {k.lower(): v for k, v in (entry.get("raw_attributes") or {}).items()}
        row: list[object] = []
        for name in url.attributes:
            values = raw.get(name.lower()) or []
            row.append(values[0] if values else None)
        if return_dn:
            row.append(entry.get("dn"))
        if not url.attributes and not return_dn:
            row.append(entry.get("dn"))  # an entry matched: a non-empty first column
        rows.append(tuple(row))
    return Rows(tuple(columns) or ("dn",), tuple(rows))


def _temporary(error: Exception) -> TemporaryFailure:
    return TemporaryFailure(f"ldap: {type(error).__name__}")


def _unbind(conn: Any) -> None:
    try:
        conn.unbind()
    except Exception:  # closing a connection that is already gone
        pass
