"""`ecconf lint --fix` / `--diff` through the real command line: fixes written (or only shown), what was fixed
said, what remains reported by lint as usual, and `ecconf rules` naming the fixable rules."""

from __future__ import annotations

import json
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


# -- E105: typographic quotes as delimiters become straight; as text they stay ------------------------------

COPIED = (
    'adaptive_sweep_rule "bounces" {\n'
    '  codes = ("bc:10\u201d "bc:24\u201d)\n'  # a straight opener, a typographic closer: the string runs on
    '  low_action = ("throttle\u201d "down")\n'
    '  high_action = ("suspend\u201d "4 hours\u201d)\n'
    '  fbl_codes = ("fbl:abuse\u201d)\n'
    "  last_action = (\u201csuspend\u201d \u201c4 hours\u201d)\n"  # two words `“4` and `hours”`, meant as one
    "}\n"
    "Domain \u201cgold.example.com\u201d { }\n"
)
STRAIGHT = (
    'adaptive_sweep_rule "bounces" {\n'
    '  codes = ("bc:10" "bc:24")\n'
    '  low_action = ("throttle" "down")\n'
    '  high_action = ("suspend" "4 hours")\n'
    '  fbl_codes = ("fbl:abuse")\n'
    '  last_action = ("suspend" "4 hours")\n'
    "}\n"
    'Domain "gold.example.com" { }\n'
)


def test_typographic_delimiters_become_straight_quotes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "a.conf"
    conf.write_text(COPIED, encoding="utf-8")
    status, out, err = run(capsys, "--diff", str(conf))
    assert status == 1 and conf.read_text(encoding="utf-8") == COPIED
    assert '+  codes = ("bc:10" "bc:24")\n' in out and "would fix E105" in err
    status, out, err = run(capsys, "--fix", str(conf))
    assert conf.read_text(encoding="utf-8") == STRAIGHT
    assert status == 0 and "0 errors, 0 warnings" in out
    assert err.count("fixed E105") == 10 and "10 fixes applied" in err  # one finding per quote lint saw
    assert cli.main(["json", "--no-file-checks", str(conf)]) == 0
    scopes = json.loads(capsys.readouterr().out)["scopes"]
    assert scopes[0]["options"]["high_action"] == ["suspend", "4 hours"] and scopes[1]["instance"] == "gold.example.com"


@pytest.mark.parametrize(
    "line",
    [
        'Banner_Hostname = "a 5\u2033 screen"',  # a lone quote that is text (inches): reported, not rewritten
        'Banner_Hostname = "don\u201dt" Idle_Time = 30',  # made straight, the string would hold the rest
        "Banner_Hostname = ( \u201ca\\\\b\u201d )",  # as a string, `\\` would be an escape
    ],
)
def test_a_typographic_quote_that_is_text_is_reported_and_left(
    line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = tmp_path / "a.conf"
    text = f"ESMTP_Listener {{\n  {line}\n}}\n"
    conf.write_text(text, encoding="utf-8")
    _status, out, err = run(capsys, "--fix", str(conf))
    assert conf.read_text(encoding="utf-8") == text
    assert "E105" in out and "fixed" not in err and "finding of fixable rules left" in err


def test_typographic_quotes_paired_inside_a_string_are_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "a.conf"
    text = 'ESMTP_Listener {\n  Banner_Hostname = "say \u201chello\u201d"\n}\n'
    conf.write_text(text, encoding="utf-8")
    status, out, err = run(capsys, "--fix", str(conf))
    assert (status, conf.read_text(encoding="utf-8")) == (0, text)
    assert "E105" not in out and "fixed" not in err


def test_quotes_that_are_text_stay_when_straightening_would_re_cut_them_evenly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Made straight, `"x″ y"` twice would still parse (`"x" y" "b" "x" y"`): the strings of blanks it would
    # take from between the tokens show it was text. The words in typographic quotes are fixed alone.
    conf = tmp_path / "a.conf"
    conf.write_text('Banner_Hostname = ( \u201ca\u201d "x\u2033 y" \u201cb\u201d "x\u2033 y" )\n', encoding="utf-8")
    _status, out, err = run(capsys, "--fix", str(conf))
    assert conf.read_text(encoding="utf-8") == 'Banner_Hostname = ( "a" "x\u2033 y" "b" "x\u2033 y" )\n'
    assert err.count("fixed E105") == 2 and out.count("[E105]") == 2
