import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_unknown_key as rule


def test_typo_gets_did_you_mean_at_the_key(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  AuthDigestMD5Parameters = [ url = "digest:d" stored_clear_text = true ]\n}\n'
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(2, 31), (2, 48)]
    assert [d.hint for d in found] == ["did you mean uri?", "did you mean stored_cleartext?"]
    assert (found[0].span.end_line, found[0].span.end_column) == (2, 34)


def test_digest_keys_on_other_mechanisms(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  AuthPlainParameters = [ uri = "file:p" realm = "x" stored_cleartext = true ]\n}\n'
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(2, 42), (2, 54)]
    assert all("only applies to DIGEST-MD5" in d.message for d in found)


def test_known_keys_in_any_case_are_fine(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      AuthDigestMD5Parameters = [
        URI = "digest:d" Realm = "r" stored_cleartext = false Log_Authentication = true
        extension = AUTH extension_argument = DIGEST-MD5
      ]
      AuthLoginParameters = [ uri = "file:p" log_authentication = false ]
    }
    """
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_no_close_match_lists_the_keys(tmp_path: Path) -> None:
    text = 'ESMTP_Listener { AuthCramMD5Parameters = [ uri = "file:p" frobnicate = 1 ] }'
    [found] = lint(rule, text, tmp_path / "a.conf")
    assert found.hint == "AuthCramMD5Parameters takes: uri, log_authentication, extension, extension_argument"
