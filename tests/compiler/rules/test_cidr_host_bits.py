"""E305 cidr-host-bits: networks written with host bits set."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import cidr_host_bits as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E305"
    assert rule.DEFAULT_SEVERITY is Severity.WARNING
    assert (rule.__doc__ or "").startswith("E305 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(2, 19), (2, 33), (3, 8)]
    peer = next(d for d in found if d.span.line == 3)
    assert "'10.1.2.3/16'" in peer.message and "10.1.0.0/16" in peer.message
    assert "'10.1.0.0/16'" in peer.hint and "'10.1.2.3'" in peer.hint
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_every_level_and_ipv6(tmp_path: Path) -> None:
    text = """
        Relay_Hosts = ( 192.0.2.1/24 )
        ESMTP_Listener {
          Listen ":25" {
            Peer "2001:db8::1/32" { }
            Relay_Hosts = "198.51.100.7/30"
          }
        }
        """
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(2, 17), (5, 10), (6, 19)]
    assert any("/128" in d.hint for d in found)


def test_clean_networks_and_single_hosts(tmp_path: Path) -> None:
    text = 'ESMTP_Listener { Relay_Hosts = ( 10.0.0.0/8 192.0.2.7 ::1 ) Peer "2001:db8::/32" { } Peer 10.0.0.1 { } }'
    assert run(text, tmp_path / "main.conf") == []
