"""S503 open-relay: Open_Relay = true where it takes effect."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import open_relay as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "S503"
    assert rule.DEFAULT_SEVERITY is Severity.WARNING
    assert (rule.__doc__ or "").startswith("S503 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(3, 18)]
    assert "anyone may relay through Listen ':25'" in found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_listener_level_reported_once(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  Open_Relay = "yes"\n  Listen ":25" { }\n  Listen ":26" { }\n}\n'
    assert places(run(text, tmp_path / "main.conf")) == [(2, 16)]


def test_peer_level_names_the_network(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  Listen ":25" {\n    Peer "10.0.0.0/8" { Open_Relay = true }\n  }\n}\n'
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(3, 38)]
    assert "any client in 10.0.0.0/8" in found[0].message


def test_a_listener_peer_seen_from_each_listen(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Peer "192.0.2.0/24" { Open_Relay = on }
          Listen ":25" { }
          Listen ":587" { }
        }
        """
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(3, 38)]


def test_shadowed_by_a_more_specific_false(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Open_Relay = true
          Listen ":25" { Open_Relay = false }
        }
        """
    assert run(text, tmp_path / "main.conf") == []


def test_nothing_listening_or_disabled(tmp_path: Path) -> None:
    assert run("ESMTP_Listener { Open_Relay = true }", tmp_path / "a.conf") == []
    text = 'ESMTP_Listener { Listen ":25" { Enable = false Open_Relay = true } }'
    assert run(text, tmp_path / "b.conf") == []
