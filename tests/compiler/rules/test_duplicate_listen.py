"""E303 duplicate-listen: one socket, two differently written Listen scopes."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import duplicate_listen as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E303"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E303 ")


def listens(*addresses: str) -> str:
    return "ESMTP_Listener {\n" + "".join(f'  Listen "{a}" {{ }}\n' for a in addresses) + "}\n"


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(3, 10)]
    assert [(r.span.line, r.span.column, r.message) for r in found[0].related] == [(2, 10, "first bound here")]
    assert "':25'" in found[0].message and "'0.0.0.0:25'" in found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


@pytest.mark.parametrize(
    "pair",
    [
        (":25", "*:25"),
        ("*:25", "0.0.0.0:25"),
        ("[::]:25", "[0::0]:25"),
        ("[2001:db8::1]:587", "[2001:DB8:0::1]:587"),
        ("/tmp/ecconf.sock", "/tmp//ecconf.sock"),
        ("/tmp/ecconf.sock", "/tmp/./ecconf.sock"),
    ],
)
def test_spellings_of_one_socket(tmp_path: Path, pair: tuple[str, str]) -> None:
    found = run(listens(*pair), tmp_path / "main.conf")
    assert places(found) == [(3, 10)]


@pytest.mark.parametrize(
    "pair",
    [(":25", ":25"), (":25", "127.0.0.1:25"), (":25", "[::]:25"), (":25", ":587"), ("/tmp/a", "/tmp/b")],
)
def test_different_sockets_or_merged_scopes(tmp_path: Path, pair: tuple[str, str]) -> None:
    assert run(listens(*pair), tmp_path / "main.conf") == []


def test_across_an_include(tmp_path: Path) -> None:
    (tmp_path / "submission.conf").write_text('ESMTP_Listener {\n  Listen "*:587" { }\n}\n')
    found = run('ESMTP_Listener { Listen ":587" { } }\ninclude "submission.conf"\n', tmp_path / "main.conf")
    assert [(d.span.path, d.span.line) for d in found] == [(str(tmp_path / "submission.conf"), 2)]
    assert found[0].related[0].span.path == str(tmp_path / "main.conf")


def test_unreadable_addresses_are_e302s(tmp_path: Path) -> None:
    assert run(listens(":99999", ":99999", "x"), tmp_path / "main.conf") == []
