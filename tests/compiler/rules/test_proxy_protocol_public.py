"""S506 proxy-protocol-public: a proxied Listen anyone may reach, with no trusted proxies listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import proxy_protocol_public as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "S506"
    assert rule.DEFAULT_SEVERITY is Severity.WARNING
    assert (rule.__doc__ or "").startswith("S506 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(3, 5)]
    assert "Proxy_Protocol on Listen ':25'" in found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


@pytest.mark.parametrize(
    ("listen", "warned"),
    [
        ("1.2.3.4:25", True),
        ("[::]:25", True),
        ("[2001:db8::1]:25", False),  # documentation range: Python counts it as private
        ("127.0.0.1:25", False),
        ("192.168.1.5:25", False),
        ("[::1]:25", False),
        ("/run/ecconf.sock", False),
    ],
)
def test_public_and_every_address_listens_are_warned(tmp_path: Path, listen: str, warned: bool) -> None:
    text = f'ESMTP_Listener {{\n  Listen "{listen}" {{\n    Proxy_Protocol = true\n  }}\n}}\n'
    assert bool(run(text, tmp_path / "main.conf")) is warned


def test_a_listener_wide_setting_is_reported_per_public_listen(tmp_path: Path) -> None:
    listens = '  Listen ":25" { }\n  Listen ":26" { }\n  Listen "127.0.0.1:27" { }\n'
    text = "ESMTP_Listener {\n  Proxy_Protocol = true\n" + listens + "}\n"
    assert places(run(text, tmp_path / "main.conf")) == [(2, 3), (2, 3)]


def test_a_private_peer_scope_or_a_trusted_list_narrows_who_may_send_it(tmp_path: Path) -> None:
    peer = 'ESMTP_Listener {\n  Listen ":25" {\n    Peer "10.0.0.0/8" { Proxy_Protocol = true }\n  }\n}\n'
    assert run(peer, tmp_path / "peer.conf") == []
    wide = 'ESMTP_Listener {\n  Listen ":25" {\n    Peer "0.0.0.0/0" { Proxy_Protocol = true }\n  }\n}\n'
    assert places(run(wide, tmp_path / "wide.conf")) == [(3, 24)]
    trusted = 'ESMTP_Listener {\n  Proxy_Protocol_Trusted = "10.0.0.0/8"\n  Listen ":25" { Proxy_Protocol = true }\n}\n'
    assert run(trusted, tmp_path / "trusted.conf") == []
