"""A file that is not a config is never quoted: an include can name any readable file (`/proc/self/environ`,
`/etc/shadow`); lint (every format), json and text name it with a line, column and byte offset, no excerpt
and no token of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_cli import Ecconf

from ecconf.compiler.render import FORMATS

SECRET = "S3cr3tN0tForLogs"

# Files an include may name that are not configs: each holds SECRET.
NOT_CONFIGS = {
    "environ": f"HOME=/root\0AWS_SECRET={SECRET}\0PATH=/bin\0",
    "shadow": f"root:$6${SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n",
    "credentials": f"[default]\naws_access_key_id = AKIA\naws_secret_access_key = {SECRET}\n",
    "id_key": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n-----END OPENSSH PRIVATE KEY-----\n",
    "netrc": f"machine example.com login bob password {SECRET}\n",
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(NOT_CONFIGS))
def test_an_included_file_that_is_not_a_config_is_named_never_quoted(
    ecconf: Ecconf, tmp_path: Path, name: str, fmt: str
) -> None:
    secret_file = tmp_path / name
    secret_file.write_text(NOT_CONFIGS[name], encoding="utf-8")
    config = tmp_path / "main.conf"
    config.write_text(f'Hostname = "mx.example.com"\ninclude "{secret_file}"\n', encoding="utf-8")
    run = ecconf("lint", "--format", fmt, str(config))
    assert run.status == 1, run.both
    assert SECRET not in run.both
    assert "E100" in run.both and name in run.both
    assert "not a configuration file" in run.both


@pytest.mark.parametrize("command", ["json", "text"])
def test_json_and_text_do_not_quote_a_file_that_is_not_a_config(ecconf: Ecconf, tmp_path: Path, command: str) -> None:
    secret_file = tmp_path / "shadow"
    secret_file.write_text(NOT_CONFIGS["shadow"], encoding="utf-8")
    config = tmp_path / "main.conf"
    config.write_text(f'include "{secret_file}"\n', encoding="utf-8")
    run = ecconf(command, str(config))
    assert run.status != 0
    assert SECRET not in run.both and "shadow" in run.both


def test_a_config_with_a_typo_still_shows_its_excerpt(ecconf: Ecconf, tmp_path: Path) -> None:
    config = tmp_path / "main.conf"
    config.write_text('Hostname = "mx.example.com"\nIdle_Time = 30 = 4\n', encoding="utf-8")
    run = ecconf("lint", str(config))
    assert "    2 | Idle_Time = 30 = 4" in run.out


# Files that parse, or parse part of the way, as a config yet are not one: key=value files of secrets.
DOTENV = {
    "parses": f"DB_HOST=db.internal\nAPI_TOKEN={SECRET}\nUSER=deploy\nAWS_REGION=eu-west-1\n",
    "stops_late": f'USER=deploy\nDB_PASSWORD="x"\nAPI_TOKEN={SECRET} $x\n',
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(DOTENV))
def test_an_included_dotenv_file_is_named_never_quoted(ecconf: Ecconf, tmp_path: Path, name: str, fmt: str) -> None:
    secret_file = tmp_path / f"{name}.env"
    secret_file.write_text(DOTENV[name], encoding="utf-8")
    config = tmp_path / "main.conf"
    config.write_text(f'Hostname = "mx.example.com"\ninclude "{secret_file.name}"\n', encoding="utf-8")
    run = ecconf("lint", "--format", fmt, str(config))
    assert run.status == 1, run.both
    assert SECRET not in run.both and "API_TOKEN" not in run.both and "deploy" not in run.both
    assert "E100" in run.both and f"{name}.env" in run.both and "not a configuration file" in run.both


def test_a_sealed_include_says_where_it_is_included_and_is_said_once(ecconf: Ecconf, tmp_path: Path) -> None:
    (tmp_path / "keys.env").write_text(DOTENV["parses"], encoding="utf-8")
    config = tmp_path / "main.conf"
    config.write_text('include "keys.env"\nESMTP_Listener { include "keys.env" }\n', encoding="utf-8")
    run = ecconf("lint", str(config))
    assert run.out.count("not a configuration file: 3 of its 4 statements name no Momentum option") == 1
    assert "main.conf:1:1: included here" in run.out
    assert SECRET not in run.both


def test_an_included_fragment_of_listener_options_is_checked_and_quoted(ecconf: Ecconf, tmp_path: Path) -> None:
    (tmp_path / "listen.conf").write_text("Idle_Time = 30\nLisener_Sessions = 10\n", encoding="utf-8")
    config = tmp_path / "main.conf"
    config.write_text('ESMTP_Listener {\n  include "listen.conf"\n  Listen ":2525" { }\n}\n', encoding="utf-8")
    run = ecconf("lint", str(config))
    assert "not a configuration file" not in run.out
    assert "    2 | Lisener_Sessions = 10" in run.out  # half of it is known: a config with a typo, shown


def test_an_included_config_with_a_syntax_error_still_shows_its_excerpt(ecconf: Ecconf, tmp_path: Path) -> None:
    (tmp_path / "part.conf").write_text('Hostname = "mx.example.com"\nIdle_Time = 30 = 4\n', encoding="utf-8")
    config = tmp_path / "main.conf"
    config.write_text('include "part.conf"\n', encoding="utf-8")
    run = ecconf("lint", str(config))
    assert "    2 | Idle_Time = 30 = 4" in run.out
