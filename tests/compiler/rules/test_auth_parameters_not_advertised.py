import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_parameters_not_advertised as rule


def test_parameters_without_an_auth_item_point_at_the_option_name(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      Listen ":25" {
        SMTP_Extensions = ( "STARTTLS" )
        AuthCramMD5Parameters = [ uri = "file:p" ]
      }
    }
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(4, 5)]
    assert "AUTH CRAM-MD5" in found[0].message


def test_advertised_for_one_peer_only_is_enough(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      AuthLoginParameters = [ uri = "file:p" ]
      Listen ":25" {
        Peer "10.0.0.0/8" { SMTP_Extensions = ( "AUTH LOGIN" ) }
      }
    }
    """
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_listener_parameters_shadowed_by_every_listen_are_reported(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      SMTP_Extensions = ( "AUTH PLAIN" )
      AuthPlainParameters = [ uri = "file:listener" ]
      Listen ":25" { AuthPlainParameters = [ uri = "file:a" ] }
      Listen ":26" { AuthPlainParameters = [ uri = "file:b" ] }
    }
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(3, 3)]
    assert "another AuthPlainParameters" in found[0].message


def test_no_listen_at_all(tmp_path: Path) -> None:
    text = 'ESMTP_Listener { SMTP_Extensions = ( "AUTH PLAIN" ) AuthPlainParameters = [ uri = "file:p" ] }'
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(1, 53)] and "no enabled Listen" in found[0].message


def test_legacy_extension_counts_as_advertised(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      Listen ":25" {
        AuthDigestMD5Parameters = [ uri = "digest:d" extension = AUTH extension_argument = DIGEST-MD5 ]
      }
    }
    """
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_listener_parameters_used_by_a_peer_of_the_listen(tmp_path: Path) -> None:
    # The Listen's own parameters serve its ordinary clients; the listener's serve nobody but the Peer's
    # SMTP_Extensions advertises the mechanism for clients whose parameters come from the Listen, so the
    # listener's dict is dead while the Listen's is used.
    text = """
    ESMTP_Listener {
      AuthPlainParameters = [ uri = "file:listener" ]
      Listen ":25" {
        AuthPlainParameters = [ uri = "file:listen" ]
        Peer "10.0.0.0/8" { SMTP_Extensions = ( "AUTH PLAIN" ) }
      }
    }
    """
    assert places(lint(rule, text, tmp_path / "a.conf")) == [(2, 3)]
