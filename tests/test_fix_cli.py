"""`ecconf lint --fix` / `--diff` through the real command line: fixes written (or only shown), what was fixed
said, what remains reported by lint as usual, and `ecconf rules` naming the fixable rules."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ecconf import cli
from ecconf.compiler.fixes import FIXES

TEXT = (
    'ESMTP_Listener {\n  Relay_Hosts = ( "10.0.0.1/8" ) # why\n'
    '  Listen ":25" {\n    Idle_Time = 300\n    Idle_Time = 60\n  }\n}\n'
)
FIXED = 'ESMTP_Listener {\n  Relay_Hosts = ( "10.0.0.0/8" ) # why\n  Listen ":25" {\n    Idle_Time = 60\n  }\n}\n'


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["lint", "--isolated", "--no-file-checks", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_fix_writes_the_fixes_and_reports_what_remains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "a.conf"
    conf.write_text(TEXT + "Hostname = x\nHostname = y\n")
    conf.chmod(0o600)
    status, out, err = run(capsys, "--fix", "--ignore", "E203", str(conf))
    only_e305 = TEXT.replace("10.0.0.1/8", "10.0.0.0/8")
    assert conf.read_text() == only_e305 + "Hostname = x\nHostname = y\n"  # --ignore holds for fixes too
    assert f"{conf}: fixed E305:" in err and "1 fix applied" in err
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    status, out, err = run(capsys, "--fix", str(conf))
    assert conf.read_text() == FIXED + "Hostname = y\n"
    assert status == 0 and "0 errors, 0 warnings" in out and "2 fixes applied" in err


def test_diff_shows_the_fixes_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "a.conf"
    conf.write_text(TEXT)
    status, out, err = run(capsys, "--diff", str(conf))
    assert status == 1 and conf.read_text() == TEXT
    assert '-  Relay_Hosts = ( "10.0.0.1/8" ) # why\n+  Relay_Hosts = ( "10.0.0.0/8" ) # why\n' in out
    assert "-    Idle_Time = 300\n" in out and "would fix E203" in err
    conf.write_text(FIXED)
    status, out, _err = run(capsys, "--diff", str(conf))
    assert (status, out) == (0, "")


def test_a_fix_that_would_change_other_findings_is_left(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "a.conf"
    text = 'ESMTP_Listener {\n  Listen ":25" {\n    Idle_Time = soon\n    Idle_Time = 60\n  }\n}\n'
    conf.write_text(text)
    status, out, err = run(capsys, "--fix", str(conf))
    assert conf.read_text() == text and status == 1
    assert "E203" in out and "E301" in out and "1 finding of fixable rules left" in err


def test_rules_say_which_are_fixable(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rules"]) == 0
    listed = capsys.readouterr().out.splitlines()
    known = {line.split()[0] for line in listed}
    fixable = [line.split()[0] for line in listed if line.endswith("[fixable]")]
    assert fixable == sorted(code for code in FIXES if code in known) and {"E203", "E305"} <= set(fixable)
    assert cli.main(["rules", "E305"]) == 0
    assert "Fix (`ecconf lint --fix`" in capsys.readouterr().out
