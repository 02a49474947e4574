"""E304 bad-cidr: Peer and Relay_Hosts entries that are not IP networks."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import bad_cidr as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E304"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E304 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(2, 33), (3, 8)]
    assert "'intranet.example.com'" in found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_global_and_listen_peer(tmp_path: Path) -> None:
    text = """
        Relay_Hosts = ( 10.0.0.0/33 )
        ESMTP_Listener {
          Listen ":25" { Peer "2001:db8::/129" { } }
        }
        """
    assert places(run(text, tmp_path / "main.conf")) == [(2, 17), (4, 23)]


def test_peer_without_cidr(tmp_path: Path) -> None:
    found = run("ESMTP_Listener { Peer { } }", tmp_path / "main.conf")
    assert places(found) == [(1, 18)]
    assert "needs a CIDR" in found[0].message


def test_single_addresses_and_ipv6_are_networks(tmp_path: Path) -> None:
    text = 'ESMTP_Listener { Relay_Hosts = ( 192.0.2.7, "2001:db8::/32" ::1 ) Peer "10.0.0.0/8" { } }'
    assert run(text, tmp_path / "main.conf") == []
