"""E302 listen-address: Listen addresses that are not host:port or a socket path."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import listen_address as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E302"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E302 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(2, 10), (3, 10)]
    assert "brackets" in found[1].message
    assert run(example("Good"), tmp_path / "good.conf") == []


@pytest.mark.parametrize(
    "address", [":25", "*:25", "0.0.0.0:2525", "127.0.0.1:25", "[::]:25", "[2001:db8::1]:587", "/tmp/2025"]
)
def test_good_addresses(tmp_path: Path, address: str) -> None:
    assert run(f'ESMTP_Listener {{ Listen "{address}" {{ }} }}', tmp_path / "main.conf") == []


@pytest.mark.parametrize(
    ("address", "fragment"),
    [
        (":99999", "out of range"),
        ("25", "no port"),
        ("[::1]", "[address]:port"),
        ("example.com:25", "not an IPv4"),
        (":smtp", "no valid port"),
        ("[zz::1]:25", "not an IPv6"),
    ],
)
def test_bad_addresses(tmp_path: Path, address: str, fragment: str) -> None:
    found = run(f'ESMTP_Listener {{ Listen "{address}" {{ }} }}', tmp_path / "main.conf")
    assert places(found) == [(1, 25)]
    assert fragment in found[0].message


def test_listen_without_address(tmp_path: Path) -> None:
    found = run("ESMTP_Listener {\n  Listen { }\n}\n", tmp_path / "main.conf")
    assert places(found) == [(2, 3)]
    assert "needs an address" in found[0].message


def test_bare_socket_path(tmp_path: Path) -> None:
    assert run("ESMTP_Listener { Listen /tmp/2025 { } }", tmp_path / "main.conf") == []
