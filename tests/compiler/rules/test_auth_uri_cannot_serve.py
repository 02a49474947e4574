import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_uri_cannot_serve as rule

OPTION = {
    "PLAIN": "AuthPlainParameters",
    "LOGIN": "AuthLoginParameters",
    "CRAM-MD5": "AuthCramMD5Parameters",
    "DIGEST-MD5": "AuthDigestMD5Parameters",
    "SCRAM-SHA-256": "AuthScramSHA256Parameters",
}


def one(mechanism: str, uri: str, extra: str = "") -> str:
    return f'ESMTP_Listener {{\n  {OPTION[mechanism]} = [ uri = "{uri}" {extra}]\n}}\n'


@pytest.mark.parametrize(
    ("mechanism", "uri", "extra", "served"),
    [
        ("PLAIN", "file:p", "", True),
        ("LOGIN", "file:p", "", True),
        ("CRAM-MD5", "file:p", "", True),
        ("SCRAM-SHA-256", "file:p", "", True),
        ("PLAIN", "digest:d", "", False),
        ("LOGIN", "digest:d", "", False),
        ("CRAM-MD5", "digest:///d", "", False),
        ("DIGEST-MD5", "digest:d", "", True),
        ("DIGEST-MD5", "file:p", "", False),
        ("DIGEST-MD5", "file:p", "stored_cleartext = true ", True),
        ("DIGEST-MD5", "digest:d", 'stored_cleartext = "yes" ', False),
        ("PLAIN", "file:p", "stored_cleartext = true ", True),
        ("PLAIN", "mysqlauth://db/users", "", True),
    ],
)
def test_secret_table(tmp_path: Path, mechanism: str, uri: str, extra: str, served: bool) -> None:
    found = lint(rule, one(mechanism, uri, extra), tmp_path / "a.conf")
    assert (found == []) is served
    if not served:
        assert places(found)[0][0] == 2 and found[0].span.column == len(OPTION[mechanism]) + 8


def test_digest_md5_on_a_clear_text_file_suggests_stored_cleartext(tmp_path: Path) -> None:
    [found] = lint(rule, one("DIGEST-MD5", "file:p"), tmp_path / "a.conf")
    assert "H(user:realm:password)" in found.message and "stored_cleartext" in found.hint


def test_stored_cleartext_with_a_digest_file_points_back_at_the_setting(tmp_path: Path) -> None:
    [found] = lint(rule, one("DIGEST-MD5", "digest:d", "stored_cleartext = true "), tmp_path / "a.conf")
    assert "clear-text passwords" in found.message
    assert [(r.span.line, r.span.column) for r in found.related] == [(2, 48)]


def test_plain_on_a_digest_file_says_why(tmp_path: Path) -> None:
    [found] = lint(rule, one("PLAIN", "digest:d"), tmp_path / "a.conf")
    assert found.message.startswith("PLAIN needs clear-text passwords or password hashes, but a digest: store holds")
