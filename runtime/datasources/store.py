"""An auth_ds Scheme as a credential store named `name://`, and a blocking facade for callers off the loop.

Rule of this room: a scheme store hands out no secret (no clear text, no HA1): it checks a password itself,
asynchronously, and may answer TEMPFAIL. So it serves PLAIN and LOGIN only, through `check()` (the SASL
layer's VerifyingLookup, awaited on the server's loop) or `verify()`, and says so by holding
SecretKind.VERIFY. BlockingSchemes runs the schemes on an event loop of its own, in one thread, for code
that cannot await (a CLI check, a test, a sans-IO caller).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from pathlib import Path

from ..sasl.base import SecretKind
from .judge import AuthSpec
from .outcome import Outcome
from .query import AuthParams
from .service import DatasourceSpec, Scheme, Schemes

SUFFIX = "://"
_KINDS = frozenset({SecretKind.VERIFY})


def scheme_name(uri: str) -> str | None:
    """`mailauth://` -> `mailauth` (the form AuthPlainParameters' uri gives an auth_ds scheme); else None."""
    name, sep, rest = uri.partition(SUFFIX)
    return name if sep and name and not rest.strip("/") else None


class SchemeStore:
    """The store registry's object for `name://`: same face as the file stores, plus `verify()`."""

    def __init__(self, uri: str, scheme: Scheme) -> None:
        self.uri = uri
        self.scheme = scheme
        self.last_error: str | None = None

    @property
    def secret_kinds(self) -> frozenset[SecretKind]:
        return _KINDS  # nothing to hand out: check() asks the datasource

    def cleartext(self, user: str) -> str | None:
        return None

    def digest_ha1(self, user: str, realm: str) -> bytes | None:
        return None

    def refresh(self) -> bool:
        return False  # nothing to reload: every answer comes from the datasource (or its cache)

    async def verify(self, user: str, password: str, realm: str = "") -> Outcome:
        """OK, FAIL or TEMPFAIL (454 4.7.0) for a PLAIN or LOGIN attempt; never raises."""
        return await self.scheme.authenticate(AuthParams(user, password, realm=realm, uri=self.uri))

    def known(self, user: str, password: str, realm: str) -> bool | None:
        """VerifyingLookup: a fresh cached answer (or a value no datasource could hold) without a query."""
        answer = self.scheme.at_hand(AuthParams(user, password, realm=realm, uri=self.uri))
        return None if answer is None else answer.outcome is Outcome.OK

    async def check(self, user: str, password: str, realm: str) -> bool | None:
        """VerifyingLookup: True, False, or None when the datasource could not answer (TEMPFAIL)."""
        outcome = await self.verify(user, password, realm)
        return None if outcome is Outcome.TEMPFAIL else outcome is Outcome.OK


class BlockingSchemes:
    """Schemes on a private event loop in a thread of their own; `authenticate()` blocks the caller."""

    def __init__(
        self,
        datasources: Mapping[str, DatasourceSpec],
        schemes: Mapping[str, AuthSpec],
        base_dir: Path | None = None,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ecconf-datasources", daemon=True)
        self._thread.start()
        self.schemes = Schemes(datasources, schemes, base_dir)  # DatasourceError here, on the caller's thread

    def authenticate(self, scheme: str, params: AuthParams, timeout: float = 30.0) -> Outcome:
        future = asyncio.run_coroutine_threadsafe(self.schemes[scheme].authenticate(params), self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            return Outcome.TEMPFAIL

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.schemes.aclose(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()
