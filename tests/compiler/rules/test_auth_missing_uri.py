import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_missing_uri as rule


def test_dict_without_uri_points_at_the_option_name(tmp_path: Path) -> None:
    text = "ESMTP_Listener {\n  AuthLoginParameters = [ log_authentication = true ]\n}\n"
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(2, 3)]
    assert "AuthLoginParameters has no uri" in found[0].message


def test_empty_dict(tmp_path: Path) -> None:
    assert places(lint(rule, "ESMTP_Listener { AuthPlainParameters = [ ] }", tmp_path / "a.conf")) == [(1, 18)]


def test_uri_written_with_the_wrong_type_is_left_to_the_value_check(tmp_path: Path) -> None:
    text = 'ESMTP_Listener { AuthPlainParameters = [ uri = ( "file:a" "file:b" ) ] }'
    assert lint(rule, text, tmp_path / "a.conf") == []


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("", "empty"),
        ("/etc/passwd", "not a URI"),
        ("file://mailhost/etc/passwd", "remote host"),
        ("digest:", "not a store URI"),
        ("file://", "no file path"),
    ],
)
def test_unusable_uri_points_at_the_uri_entry(tmp_path: Path, uri: str, words: str) -> None:
    text = f'ESMTP_Listener {{ AuthPlainParameters = [ uri = "{uri}" ] }}'
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(1, 42)]
    assert words in found[0].message


@pytest.mark.parametrize(
    "uri",
    # ac_auth and smtp_auth_proxy: Momentum modules name the back-ends they provide after themselves, `_` included.
    [
        "file:///etc/passwd",
        "file:relative/p",
        "digest:/abs",
        "mysqlauth://db/users",
        "ac_auth://",
        "smtp_auth_proxy://",
    ],
)
def test_usable_uris_are_fine(tmp_path: Path, uri: str) -> None:
    text = f'ESMTP_Listener {{ AuthPlainParameters = [ uri = "{uri}" ] }}'
    assert lint(rule, text, tmp_path / "a.conf") == []
