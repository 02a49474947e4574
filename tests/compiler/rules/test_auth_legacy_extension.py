import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.build import build
from ecconf.compiler.context import CheckContext
from ecconf.compiler.includes import load_text
from ecconf.compiler.option_table import table
from ecconf.compiler.rules import auth_legacy_extension as rule
from ecconf.compiler.rules.auth_offers import legacy_adverts
from ecconf.compiler.to_runtime import legacy_mechanisms


def test_legacy_pair_is_accepted_and_explained(tmp_path: Path) -> None:
    text = (
        'ESMTP_Listener {\n  AuthCramMD5Parameters = [ uri = "file:p" extension = "auth"'
        " extension_argument = CRAM-MD5 ]\n}\n"
    )
    [found] = lint(rule, text, tmp_path / "a.conf")
    assert places([found]) == [(2, 44)]
    assert "Momentum 2.x" in found.message and 'listing "AUTH CRAM-MD5" in SMTP_Extensions' in found.message


def test_pair_that_advertises_nothing(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      AuthPlainParameters = [ uri = "file:p" extension = AUTH ]
      AuthLoginParameters = [ uri = "file:p" extension = STARTTLS extension_argument = LOGIN ]
      AuthCramMD5Parameters = [ uri = "file:p" extension_argument = CRAM-MD5 ]
    }
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert len(found) == 3 and all("advertises nothing" in d.message for d in found)
    assert places(found) == [(2, 42), (3, 42), (4, 44)]


def test_no_legacy_keys_no_finding_and_shadowed_dicts_are_ignored(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      AuthPlainParameters = [ uri = "file:p" extension = AUTH extension_argument = PLAIN ]
      AuthPlainParameters = [ uri = "file:p" ]
    }
    """
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_legacy_reading_matches_the_server() -> None:
    text = """
    ESMTP_Listener {
      AuthPlainParameters = [ uri = "file:p" extension = AUTH extension_argument = "plain login" ]
      Peer "10.0.0.0/8" { AuthCramMD5Parameters = [ uri = "file:p" extension = Auth extension_argument = CRAM-MD5 ] }
      Listen ":25" {
        AuthDigestMD5Parameters = [ uri = "digest:d" extension = AUTH extension_argument = DIGEST-MD5 ]
        AuthLoginParameters = [ uri = "file:p" extension = AUTH ]
      }
    }
    """
    loaded = load_text(text, "/virtual/legacy.conf")
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), [])
    ours = list(dict.fromkeys(advert.mechanism for advert in legacy_adverts(ctx)))
    assert (
        sorted(ours)
        == sorted(legacy_mechanisms(built.config.esmtp_listener))
        == [
            "CRAM-MD5",
            "DIGEST-MD5",
            "LOGIN",
            "PLAIN",
        ]
    )
