"""S507 unserved-guarded-option, and what serve_coverage says serve applies: the guarded list never names an
option serve applies, every statement serve does not apply is found (includes too), and serve refuses to
start with a guarded option unless told to go on without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.includes import load_text
from ecconf.compiler.option_table import table
from ecconf.compiler.rules import unserved_guarded as rule
from ecconf.compiler.rules.unknown_name import ENGINE_NAMES
from ecconf.compiler.serve_coverage import guarded, unserved

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "S507"
    assert rule.DEFAULT_SEVERITY is Severity.WARNING
    assert (rule.__doc__ or "").startswith("S507 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(3, 5)]
    assert rule.option_of(found[0]) == "tls_verify_mode"
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_guarded_options_are_documented_and_never_applied_by_serve() -> None:
    applied = frozenset().union(*ENGINE_NAMES.values())
    for name in guarded():
        assert name not in applied, f"{name} is applied by serve: it cannot be guarded"
        assert table().option(name) is not None, f"{name} is not a documented Momentum option"


def test_every_statement_serve_does_not_apply_is_named_includes_too(tmp_path: Path) -> None:
    (tmp_path / "extra.conf").write_text('relay_domains = ( "example.com" )\n')
    text = (
        'Hostname = "mx"\nKeep_Message_Dicts_In_Memory = true\ninclude "extra.conf"\n'
        'ec_logger { acctlog = "/var/log/acct" mainlog = "/var/log/main" }\n'
        'ESMTP_Listener {\n  Idle_Time = 30\n  TLS_Verify_Mode = "require"\n'
        '  Listen ":25" { Peer "10.0.0.0/8" { Relay_Hosts = ( "10.0.0.0/8" ) Foo_Bar = 1 } }\n}\n'
        'Domain "example.com" { a = 1 }\n'
    )
    found = unserved(load_text(text, str(tmp_path / "main.conf")))
    named = [(u.name, u.span.path.rsplit("/", 1)[-1], u.span.line, u.guarded is not None) for u in found]
    assert named == [
        ("Keep_Message_Dicts_In_Memory", "main.conf", 2, False),
        ("relay_domains", "extra.conf", 1, True),
        ("mainlog", "main.conf", 4, False),
        ("TLS_Verify_Mode", "main.conf", 7, True),
        ("Foo_Bar", "main.conf", 8, False),
        ("Domain", "main.conf", 10, False),
    ]


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecconf", "serve", *args, str(_config(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_serve_refuses_to_start_with_a_guarded_option(tmp_path: Path) -> None:
    done = _serve(tmp_path)
    assert done.returncode == 1
    assert "s.conf:3:3: error: ecconf serve does not apply TLS_Verify_Mode" in done.stderr
    assert "listening on" not in done.stderr


def test_serve_names_what_it_does_not_apply_when_allowed_to_start(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecconf", "serve", "--allow-unserved", "TLS_Verify_Mode", str(_config(tmp_path))],
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    try:
        lines = []
        for line in proc.stderr:  # bounded by the server's own start-up: it either listens or exits
            lines.append(line)
            if "listening on" in line:
                break
        text = "".join(lines)
        assert "does not apply 1 statement(s) of this config: TLS_Verify_Mode (" in text
        assert "s.conf:3)" in text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _config(tmp_path: Path) -> Path:
    """s.conf: a listener with TLS_Verify_Mode, which serve does not apply, and a password file."""
    (tmp_path / "pw").write_text("alice:secret\n")
    (tmp_path / "pw").chmod(0o600)
    (tmp_path / "s.conf").write_text(
        f'Spool_Base = "{tmp_path / "spool"}"\nESMTP_Listener {{\n  TLS_Verify_Mode = "require"\n'
        '  AuthPlainParameters = [ uri = "file:pw" ]\n  SMTP_Extensions = ( "AUTH PLAIN" )\n'
        '  Listen "127.0.0.1:0" { }\n}\n'
    )
    return tmp_path / "s.conf"
