"""Server.reload with auth_ds Schemes: an unchanged auth_ds keeps its Schemes (pools, cache), a changed one
is built anew and the old closed, a broken one refuses the reload and the old keeps serving."""

from __future__ import annotations

import dataclasses
import smtplib
import sqlite3
from pathlib import Path

import pytest

from ecconf.runtime.config import AuthDsSpec, ListenAddress, ListenerSpec, MechanismSpec, PolicyLayer, ServerConfig
from ecconf.runtime.datasources import DatasourceError, auth_spec, datasource_spec

QUERY = {"query": "SELECT 1 FROM users WHERE name = :u AND pw = :p", "cache": "authdb"}
MAP = {"map": {"u": "%{username}", "p": "%{password}"}}


def _db(path: Path, password: str) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (name TEXT, pw TEXT)")
        conn.execute("INSERT INTO users VALUES ('alice', ?)", (password,))
    return path


def _config(tmp_path: Path, db: str) -> ServerConfig:
    auth = {m: MechanismSpec(m, "mailauth://", realm="mx.test") for m in ("PLAIN", "LOGIN")}
    listener = {"smtp_extensions": ("ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN"), "auth": auth}
    layers = (PolicyLayer({}), PolicyLayer(listener))
    spec = AuthDsSpec({"authdb": datasource_spec({"uri": [db]})}, {"mailauth": auth_spec(QUERY | MAP)}, tmp_path)
    return ServerConfig(
        hostname="mx.test",
        spool_base=tmp_path / "spool",
        listeners=(ListenerSpec("127.0.0.1:0", ListenAddress.parse("127.0.0.1:0"), layers),),
        base_dir=tmp_path,
        auth_ds=spec,
    )


def _code(port: int, password: str) -> int:
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
        client.ehlo("c")
        try:
            return client.login("alice", password)[0]
        except smtplib.SMTPAuthenticationError as error:
            return error.smtp_code


def test_a_reload_keeps_unchanged_schemes_and_swaps_changed_ones(run_server, tmp_path: Path) -> None:
    _db(tmp_path / "one.db", "first-pw")
    _db(tmp_path / "two.db", "second-pw")
    config = _config(tmp_path, "sqlite:one.db")  # relative: taken from the config's folder
    running = run_server(config)
    assert _code(running.port, "first-pw") == 235
    first = running.server.schemes
    running.run(running.server.reload(dataclasses.replace(config, hostname="other.test")))
    assert running.server.schemes is first  # same auth_ds: the same pools and cache
    running.run(running.server.reload(_config(tmp_path, "sqlite:two.db")))
    assert running.server.schemes is not first
    assert _code(running.port, "second-pw") == 235
    assert _code(running.port, "first-pw") == 535
    with pytest.raises(DatasourceError):
        running.run(running.server.reload(_config(tmp_path, "mysql:host=db")))
    assert _code(running.port, "second-pw") == 235  # the refused reload changed nothing
