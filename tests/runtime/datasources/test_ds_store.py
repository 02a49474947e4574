"""The store face of an auth_ds scheme (`name://`, verify(), no secret handed out) and the blocking facade."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ds_servers import PASSWORD_QUERY, TYPE_MAP, make_db

from ecconf.runtime.datasources import AuthParams, AuthSpec, DatasourceSpec, Outcome, Schemes
from ecconf.runtime.datasources.store import BlockingSchemes, SchemeStore, scheme_name
from ecconf.runtime.sasl.base import SecretKind

SPEC = AuthSpec.build(PASSWORD_QUERY, "authdb", {"user": "%{username}"}, True, "password", None, "scheme", TYPE_MAP)


def test_scheme_uris_name_their_scheme() -> None:
    assert scheme_name("mailauth://") == "mailauth"
    assert scheme_name("mailauth:///") == "mailauth"
    assert scheme_name("file:/etc/passwords") is None
    assert scheme_name("mailauth://host/x") is None


def test_a_scheme_store_verifies_and_hands_out_no_secret(tmp_path: Path) -> None:
    db = make_db(tmp_path / "auth.db")

    async def main() -> None:
        schemes = Schemes({"authdb": DatasourceSpec((f"sqlite:{db}",))}, {"mailauth": SPEC})
        store = SchemeStore("mailauth://", schemes["mailauth"])
        try:
            assert store.secret_kinds == frozenset({SecretKind.VERIFY}) and store.cleartext("alice") is None
            assert store.digest_ha1("alice", "r") is None and store.refresh() is False
            assert await store.verify("alice", "alice-pw") is Outcome.OK
            assert await store.verify("alice", "bob-pw") is Outcome.FAIL
        finally:
            await schemes.aclose()

    asyncio.run(main())


def test_the_blocking_facade_answers_from_its_own_loop(tmp_path: Path) -> None:
    db = make_db(tmp_path / "auth.db")
    blocking = BlockingSchemes({"authdb": DatasourceSpec((f"sqlite:{db}",))}, {"mailauth": SPEC})
    try:
        assert blocking.authenticate("mailauth", AuthParams("alice", "alice-pw")) is Outcome.OK
        assert blocking.authenticate("mailauth", AuthParams("carol", "carol-pw")) is Outcome.OK
        assert blocking.authenticate("mailauth", AuthParams("carol", "nope")) is Outcome.FAIL
    finally:
        blocking.close()
