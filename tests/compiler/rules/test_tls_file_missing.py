"""S505 tls-file-missing: certificate and key files that cannot be read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import tls_file_missing as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "S505"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("S505 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(2, 21), (3, 13)]
    assert "TLS_Certificate file /nonexistent/ecelerity/mx.pem does not exist" == found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_relative_paths_start_at_the_naming_file(tmp_path: Path) -> None:
    sub = tmp_path / "conf.d"
    (sub / "certs").mkdir(parents=True)
    (sub / "certs" / "mx.pem").write_text("cert")
    (sub / "certs" / "mx.key").write_text("key")
    (sub / "listen.conf").write_text('Listen ":25" { TLS_Certificate = "certs/mx.pem" TLS_Key = certs/mx.key }\n')
    text = 'ESMTP_Listener {\n  include "conf.d/listen.conf"\n  TLS_Key = "certs/mx.key"\n}\n'
    found = run(text, tmp_path / "main.conf")
    # The include's names resolve in conf.d (fine); main.conf's own relative name resolves beside main.conf.
    assert [(d.span.path, d.span.line, d.span.column) for d in found] == [(str(tmp_path / "main.conf"), 3, 13)]
    assert str(tmp_path / "certs" / "mx.key") in found[0].message


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    found = run('TLS_Certificate = "certs"\n', tmp_path / "main.conf")
    assert "is a directory" in found[0].message


def test_checked_in_every_scope_that_sets_them(tmp_path: Path) -> None:
    text = """
        TLS_Key = "/nonexistent/global.key"
        binding "b" { TLS_Certificate = "/nonexistent/b.pem" }
        ESMTP_Listener { Listen ":25" { Peer "10.0.0.0/8" { TLS_Key = "/nonexistent/p.key" } } }
        """
    assert places(run(text, tmp_path / "main.conf")) == [(2, 11), (3, 33), (4, 63)]


def test_existing_files_and_empty_values_pass(tmp_path: Path) -> None:
    (tmp_path / "mx.pem").write_text("x")
    text = f'ESMTP_Listener {{ TLS_Certificate = "{tmp_path / "mx.pem"}" TLS_Key = "" }}'
    assert run(text, tmp_path / "main.conf") == []


def test_skipped_when_files_are_not_to_be_read(tmp_path: Path) -> None:
    assert run('TLS_Key = "/nonexistent/x.key"\n', tmp_path / "main.conf", check_files=False) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    key = tmp_path / "mx.key"
    key.write_text("secret")
    key.chmod(0)
    found = run(f'TLS_Key = "{key}"\n', tmp_path / "main.conf")
    assert "cannot be read" in found[0].message
