"""S504 wide-relay-hosts: Relay_Hosts networks wider than /8 (IPv4) or /32 (IPv6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import wide_relay_hosts as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "S504"
    assert rule.DEFAULT_SEVERITY is Severity.WARNING
    assert (rule.__doc__ or "").startswith("S504 ")


def relay(*networks: str) -> str:
    return "ESMTP_Listener {\n  Relay_Hosts = ( " + " ".join(f'"{n}"' for n in networks) + " )\n}\n"


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(2, 33)]
    assert "every IPv4 address" in found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


@pytest.mark.parametrize(
    ("network", "fragment"),
    [
        ("0.0.0.0/0", "every IPv4 address"),
        ("::/0", "every IPv6 address"),
        ("10.0.0.0/7", "33,554,432 addresses"),
        ("2001:db8::/31", "a /31"),
    ],
)
def test_too_wide(tmp_path: Path, network: str, fragment: str) -> None:
    found = run(relay("127.0.0.0/8", network), tmp_path / "main.conf")
    assert places(found) == [(2, 33)]
    assert fragment in found[0].message


@pytest.mark.parametrize("network", ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1", "::1"])
def test_wide_enough(tmp_path: Path, network: str) -> None:
    assert run(relay(network), tmp_path / "main.conf") == []


def test_global_and_peer_levels(tmp_path: Path) -> None:
    text = 'Relay_Hosts = ( 0.0.0.0/1 )\nESMTP_Listener { Peer "10.0.0.0/8" { Relay_Hosts = ( ::/1 ) } }\n'
    assert places(run(text, tmp_path / "main.conf")) == [(1, 17), (2, 54)]
