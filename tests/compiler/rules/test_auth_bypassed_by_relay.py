import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_bypassed_by_relay as rule

AUTH = 'SMTP_Extensions = ( "AUTH PLAIN" ) AuthPlainParameters = [ uri = "file:p" ]'


def test_global_relay_hosts_reach_the_listen(tmp_path: Path) -> None:
    text = f'relay_hosts = ( 127.0.0.1 "192.0.2.0/24" )\nESMTP_Listener {{\n  Listen ":587" {{ {AUTH} }}\n}}\n'
    [found] = lint(rule, text, tmp_path / "a.conf")
    assert places([found]) == [(3, 10)]
    assert "clients in 127.0.0.1/32, 192.0.2.0/24 (relay_hosts)" in found.message
    assert [(r.span.line, r.message) for r in found.related] == [(1, "relay_hosts set here")]


def test_open_relay_in_a_peer_names_the_peer(tmp_path: Path) -> None:
    text = f'ESMTP_Listener {{\n  Peer "10.0.0.0/8" {{ open_relay = true }}\n  Listen ":587" {{ {AUTH} }}\n}}\n'
    [found] = lint(rule, text, tmp_path / "a.conf")
    assert "clients in 10.0.0.0/8 (open_relay)" in found.message


def test_open_relay_for_everyone(tmp_path: Path) -> None:
    text = f'ESMTP_Listener {{\n  Listen ":587" {{ open_relay = yes {AUTH} }}\n}}\n'
    [found] = lint(rule, text, tmp_path / "a.conf")
    assert "every client (open_relay)" in found.message


def test_no_relay_exemptions_or_no_auth_offered(tmp_path: Path) -> None:
    assert lint(rule, f'ESMTP_Listener {{ Listen ":587" {{ {AUTH} }} }}', tmp_path / "a.conf") == []
    text = 'relay_hosts = ( 10.0.0.0/8 ) ESMTP_Listener { Listen ":25" { SMTP_Extensions = ( "AUTH PLAIN" ) } }'
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_one_diagnostic_per_listen(tmp_path: Path) -> None:
    text = f"""
    ESMTP_Listener {{
      relay_hosts = ( 10.0.0.0/8 )
      Peer "10.1.0.0/16" {{ relay_hosts = ( 10.1.2.0/24 ) open_relay = true }}
      Listen ":587" {{ {AUTH} }}
      Listen ":25" {{ relay_hosts = ( ) }}
    }}
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(4, 10)]
    assert "10.0.0.0/8, 10.1.2.0/24" in found[0].message and "clients in 10.1.0.0/16 (open_relay)" in found[0].message
