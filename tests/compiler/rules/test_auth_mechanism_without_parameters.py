import ipaddress
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.build import build
from ecconf.compiler.fallback import ClientClass
from ecconf.compiler.includes import load_text
from ecconf.compiler.rules import auth_mechanism_without_parameters as rule
from ecconf.compiler.to_runtime import to_runtime
from ecconf.runtime.policy import resolve


def test_bad_example_points_at_the_smtp_extensions_item(tmp_path: Path) -> None:
    found = lint(rule, rule.__doc__.split("Bad:")[1].split("Good:")[0], tmp_path / "a.conf")
    assert places(found) == [(3, 36)]
    assert "AuthCramMD5Parameters" in found[0].message and "Listen ':587'" in found[0].message


def test_parameters_on_the_listener_serve_every_listen_below(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      SMTP_Extensions = ( "AUTH PLAIN" )
      AuthPlainParameters = [ uri = "file:p" ]
      Listen ":25" { }
      Listen ":587" { }
    }
    """
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_listener_wide_item_reports_only_the_listen_without_parameters(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH PLAIN LOGIN" )
      AuthLoginParameters = [ uri = "file:p" ]
      Listen ":25" { AuthPlainParameters = [ uri = "file:p" ] }
      Listen ":587" { }
    }
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(2, 45)]
    assert "AUTH PLAIN" in found[0].message and "':587'" in found[0].message and "':25'" not in found[0].message


def test_peer_override_counts_only_for_its_clients(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "AUTH CRAM-MD5" )
        Peer "10.0.0.0/8" { AuthCramMD5Parameters = [ uri = "file:p" ] }
      }
    }
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert len(found) == 1
    assert "Listen ':587'" in found[0].message and "10.0.0.0/8" not in found[0].message


def test_peer_that_advertises_without_parameters_is_named(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      AuthPlainParameters = [ uri = "file:p" ]
      Listen ":587" {
        SMTP_Extensions = ( "AUTH PLAIN" )
        Peer "192.0.2.0/24" { SMTP_Extensions = ( "AUTH PLAIN" "AUTH LOGIN" ) }
      }
    }
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(5, 60)]
    assert "AUTH LOGIN" in found[0].message and "192.0.2.0/24" in found[0].message


def test_disabled_listen_and_unsupported_mechanisms_are_not_reported(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      Listen ":25" { Enable = false SMTP_Extensions = ( "AUTH PLAIN" ) }
      Listen ":26" { SMTP_Extensions = ( "AUTH GSSAPI" "AUTH NTLM" ) }
    }
    """
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_legacy_extension_argument_naming_another_mechanism_is_reported_there(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      Listen ":25" {
        AuthPlainParameters = [ uri = "file:p" extension = AUTH extension_argument = "PLAIN LOGIN" ]
      }
    }
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(3, 61)]
    assert "extension_argument" in found[0].message and "AUTH LOGIN" in found[0].message


def test_item_in_an_included_file_is_reported_in_that_file(tmp_path: Path) -> None:
    (tmp_path / "ext.conf").write_text('SMTP_Extensions = ( "AUTH DIGEST-MD5" )\n')
    text = """
    ESMTP_Listener {
      Listen ":25" { include "ext.conf" }
    }
    """
    found = lint(rule, text, tmp_path / "main.conf")
    assert [(d.span.path, d.span.line, d.span.column) for d in found] == [(str(tmp_path / "ext.conf"), 1, 21)]


AGREEMENT = """
ESMTP_Listener {
  SMTP_Extensions = ( "AUTH PLAIN LOGIN" "AUTH CRAM-MD5" )
  AuthPlainParameters = [ uri = "file:p" ]
  Peer "10.0.0.0/8" { AuthCramMD5Parameters = [ uri = "file:p" ] SMTP_Extensions = ( "AUTH CRAM-MD5" ) }
  Listen "127.0.0.1:25" {
    AuthLoginParameters = [ uri = "file:p" ]
    Peer "10.1.0.0/16" { SMTP_Extensions = ( "AUTH LOGIN" "AUTH DIGEST-MD5" ) }
  }
  Listen "127.0.0.1:26" {
    SMTP_Extensions = ( "STARTTLS" )
    AuthDigestMD5Parameters = [ uri = "digest:d" extension = AUTH extension_argument = DIGEST-MD5 ]
  }
}
"""


def _sample_ip(cls: ClientClass) -> str:
    peer = cls.listen_peer or cls.listener_peer
    return str(next(ipaddress.ip_network(peer.network).hosts())) if peer else "192.0.2.7"


def test_offered_mechanisms_agree_with_what_the_server_offers() -> None:
    from ecconf.compiler.context import CheckContext
    from ecconf.compiler.option_table import table
    from ecconf.compiler.rules.auth_offers import Offers

    loaded = load_text(AGREEMENT, "/virtual/agree.conf")
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), [])
    server = to_runtime(built.config, default_hostname="mx.example")
    specs = {spec.name: spec for spec in server.listeners}
    compared = 0
    for offer in Offers(ctx).served:
        cls = offer.cls
        policy = resolve(specs[cls.listen.address].layers, _sample_ip(cls))
        served = {m for m in policy.listed_mechanisms if m in policy.auth}
        assert set(offer.offered) == served, cls.describe()
        compared += 1
    assert compared >= 5


AGREEMENT_TLS = """
ESMTP_Listener {
  SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN LOGIN CRAM-MD5" )
  TLS_Certificate = "/c.pem"
  TLS_Key = "/k.pem"
  AuthPlainParameters = [ uri = "file:p" ]
  AuthLoginParameters = [ uri = "file:p" ]
  AuthCramMD5Parameters = [ uri = "file:p" ]
  Peer "10.0.0.0/8" { Auth_Require_TLS = false }
  Listen "192.0.2.1:587" {
    Peer "10.1.0.0/16" { SMTP_Extensions = ( "AUTH PLAIN" ) }
    Peer "10.2.0.0/16" { SMTP_Extensions = ( "AUTH PLAIN" ) Auth_Require_TLS = true }
  }
  Listen "192.0.2.1:25" { SMTP_Extensions = ( "AUTH LOGIN CRAM-MD5" ) }
  Listen "192.0.2.1:465" { use_ssl = true Auth_Require_TLS = true }
}
"""


def test_mechanisms_offered_before_tls_agree_with_the_server() -> None:
    from ecconf.compiler.context import CheckContext
    from ecconf.compiler.option_table import table
    from ecconf.compiler.rules.auth_offers import Offers, TlsFacts
    from ecconf.runtime.authgate import usable_now

    loaded = load_text(AGREEMENT_TLS, "/virtual/agree.conf")
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), [])
    server = to_runtime(built.config, default_hostname="mx.example")
    specs = {spec.name: spec for spec in server.listeners}
    tls = TlsFacts()
    seen: set[tuple[str, ...]] = set()
    for offer in Offers(ctx).served:
        policy = resolve(specs[offer.cls.listen.address].layers, _sample_ip(offer.cls))
        served = tuple(m for m in policy.listed_mechanisms if m in policy.auth)
        # A Use_SSL session is under TLS from its first byte: "before TLS" is the TLS session itself.
        expected = usable_now(policy, served, tls=policy.use_ssl)
        assert tls.before_tls(offer) == list(expected), offer.cls.describe()
        assert list(offer.offered) == list(usable_now(policy, served, tls=True)), offer.cls.describe()
        seen.add(expected)
    # Held back, offered in clear by "false", nothing left, and no STARTTLS at all (unset: clear).
    assert {("CRAM-MD5",), ("PLAIN", "LOGIN", "CRAM-MD5"), (), ("LOGIN", "CRAM-MD5")} <= seen
