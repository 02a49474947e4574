"""The auth_ds sample: users.sql makes a database its sqlite.conf's scheme authenticates every user against."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
from pathlib import Path

from ecconf.runtime.datasources import AuthParams, AuthSpec, DatasourceSpec, Outcome, Schemes

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "datasources"
USERS = {"alice": "wonderland", "bob": "builder", "carol": "cheshire", "dave": "dormouse", "erin": "hatter"}


def _option(text: str, name: str) -> str:
    match = re.search(rf"^\s*{name} = (.+)$", text, re.M)
    assert match, name
    return match.group(1).strip()


def _pairs(array: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+) = "([^"]*)"', array))


def test_the_sample_database_serves_the_sample_scheme(tmp_path: Path) -> None:
    conf = (SAMPLE / "sqlite.conf").read_text(encoding="utf-8")
    shutil.copy(SAMPLE / "users.sql", tmp_path)
    with sqlite3.connect(tmp_path / "auth.db") as conn:
        conn.executescript((tmp_path / "users.sql").read_text(encoding="utf-8"))
    uri = re.search(r'uri = \( "([^"]+)" \)', conf)
    assert uri
    spec = AuthSpec.build(
        query=_option(conf, "query").strip('"'),
        cache=_option(conf, "cache").strip('"'),
        map=_pairs(_option(conf, "map")),
        returns_password=_option(conf, "returns_password").strip('"') == "true",
        password_column=_option(conf, "password_column").strip('"'),
        type_column=_option(conf, "type_column").strip('"'),
        type_map=_pairs(_option(conf, "type_map")),
    )

    async def main() -> None:
        schemes = Schemes({"authdb": DatasourceSpec((uri.group(1),))}, {"mailauth": spec}, base_dir=tmp_path)
        try:
            for user, password in USERS.items():
                assert await schemes["mailauth"].authenticate(AuthParams(user, password)) is Outcome.OK, user
                assert await schemes["mailauth"].authenticate(AuthParams(user, "x" + password)) is Outcome.FAIL
        finally:
            await schemes.aclose()

    asyncio.run(main())
