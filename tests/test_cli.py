"""The command line: exit statuses, formats, options and failure modes.

A few runs go through `python -m ecconf` in a subprocess (the real entry point, restricted with --select to
the codes that always exist); the rest call cli.main() in-process with stand-in rules, so they do not depend
on which rules are registered.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from ecconf import __version__, cli, pipeline
from ecconf.compiler import rules
from ecconf.compiler.build import iter_statements
from ecconf.compiler.context import CheckContext
from ecconf.compiler.diagnostics import Diagnostic, Severity
from ecconf.compiler.nodes import Option

UNCLOSED = 'ESMTP_Listener {\n  Listen ":25" {\n    SMTP_Extensions = ( "AUTH PLAIN" )\n}\n'
CLEAN = 'Hostname = "mx.example.com"\n'
ISOLATE = "--select=E100,E001"  # for subprocess runs: only codes that every build has


def _run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run(
        [sys.executable, "-m", "ecconf", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- through the real entry point ---------------------------------------------------------------------


def test_subprocess_syntax_error_exits_1_with_caret_and_summary(tmp_path: Path) -> None:
    _write(tmp_path, "bad.conf", UNCLOSED)
    done = _run("lint", ISOLATE, "bad.conf", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("bad.conf:5:1: error: ") and lines[0].endswith("[E100]")
    assert lines[1:3] == ["    5 |", "      | ^"]
    assert "  note: bad.conf:1:16: the scope opened here" in lines
    assert lines[-1] == "1 error, 0 warnings in 1 file"
    assert "\x1b[" not in done.stdout  # not a terminal: no colour


def test_subprocess_clean_file_exits_0(tmp_path: Path) -> None:
    done = _run("lint", ISOLATE, "--format", "json", _write(tmp_path, "ok.conf", CLEAN))
    assert (done.returncode, json.loads(done.stdout)["diagnostics"]) == (0, [])


def test_subprocess_missing_file_exits_2_without_traceback_and_a_directory_is_walked(tmp_path: Path) -> None:
    ok = _write(tmp_path, "ok.conf", CLEAN)
    done = _run("lint", ISOLATE, ok, str(tmp_path / "nope.conf"), str(tmp_path))
    assert done.returncode == 2
    assert f"ecconf: cannot read {tmp_path / 'nope.conf'}: No such file or directory" in done.stderr
    assert f"ecconf: checked 1 entry point: {ok}\n" in done.stderr  # the folder's ok.conf is the same file
    assert "Traceback" not in done.stderr
    assert done.stdout.splitlines()[-1] == "0 errors, 0 warnings in 1 file"  # the readable file was still checked


def test_subprocess_stdin_is_read_for_dash() -> None:
    done = _run("lint", ISOLATE, "--format", "github", "-", stdin=UNCLOSED)
    assert done.returncode == 1
    assert done.stdout.startswith("::error file=<stdin>,line=5,col=1,endColumn=2,title=E100::")


def test_subprocess_sarif(tmp_path: Path) -> None:
    _write(tmp_path, "bad.conf", UNCLOSED)
    done = _run("lint", ISOLATE, "--format=sarif", "bad.conf", cwd=tmp_path)
    assert done.returncode == 1
    run = json.loads(done.stdout)["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"E001", "E100"}
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == [("E100", "error")]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad.conf"


def test_subprocess_version_and_usage_errors() -> None:
    assert _run("version").stdout == f"ecconf {__version__}\n"
    for args in (("lint",), ("lint", "--format", "xml", "a.conf"), ("frobnicate",), ()):
        done = _run(*args)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr


# --- in-process, with stand-in rules --------------------------------------------------------------------


def _rule(code: str, option: str, severity: Severity) -> ModuleType:
    module = ModuleType(f"fake_{code}", f"{code} fake-{option.lower()}: flags {option}.\n\nBad:\n    {option} = 1\n")

    def check(ctx: CheckContext) -> Iterator[Diagnostic]:
        for file in ctx.loaded.files.values():
            for statement in iter_statements(file.body):
                if isinstance(statement, Option) and statement.name == option:
                    yield Diagnostic(code, f"{option} is set", statement.value.span, hint=f"remove {option}")

    module.CODE, module.SUMMARY, module.DEFAULT_SEVERITY, module.check = code, f"{option} set", severity, check
    return module


@pytest.fixture(autouse=True)
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "ALL", (_rule("T901", "Bad", Severity.ERROR), _rule("T802", "Odd", Severity.WARNING)))
    monkeypatch.delenv("NO_COLOR", raising=False)


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("text", "options", "status"),
    [
        ("Odd = 1\n", (), 0),  # warnings alone pass
        ("Odd = 1\n", ("--strict",), 1),
        ("Bad = 1\n", (), 1),
        ("Bad = 1\n", ("--ignore", "T9"), 0),
        ("Bad = 1\nOdd = 1\n", ("--select", "T8"), 0),
        ("Odd = 1\n", ("--severity", "T802=error"), 1),
        ("Bad = 1\n", ("--severity", "T9=warning"), 0),
        ("Bad = 1  # ecconf: disable=T901\n", (), 0),
        ("Bad = 1  # ecconf: disable=T9O1\n", (), 1),  # the typo silences nothing
        ("Odd = 1  # ecconf: disable=T8O2\n", ("--strict",), 1),  # and is itself a warning
    ],
)
def test_exit_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, options: tuple[str, ...], status: int
) -> None:
    path = _write(tmp_path, "c.conf", text)
    assert _main(capsys, "lint", *options, path)[0] == status


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize(("text", "status"), [("Bad = 1\n", 1), ("Odd = 1\n", 0)])
def test_every_format_keeps_the_exit_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str, text: str, status: int
) -> None:
    code, out, _ = _main(capsys, "lint", "--format", fmt, _write(tmp_path, "c.conf", text))
    assert code == status
    if fmt in ("json", "sarif"):
        json.loads(out)


def test_formats_carry_the_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _write(tmp_path, "c.conf", "Hostname = a\nBad = 1\n")
    _, out, _ = _main(capsys, "lint", "--format", "json", path)
    assert json.loads(out)["diagnostics"] == [
        {
            "path": path,
            "line": 2,
            "column": 7,
            "severity": "error",
            "code": "T901",
            "message": "Bad is set",
            "end_line": 2,
            "end_column": 8,
            "hint": "remove Bad",
            "notes": [],
        }
    ]
    _, out, _ = _main(capsys, "lint", "--format", "sarif", path)
    run = json.loads(out)["runs"][0]
    assert run["tool"]["driver"]["version"] == __version__
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["E001", "E002", "T802", "T901"]
    assert run["results"][0]["ruleId"] == "T901"
    _, out, _ = _main(capsys, "lint", "--format", "github", path)
    assert out.startswith(f"::error file={path.replace(':', '%3A')},line=2,col=7,endColumn=8,title=T901::Bad is set")
    _, out, _ = _main(capsys, "lint", path)
    assert out.splitlines()[:4] == [
        f"{path}:2:7: error: Bad is set [T901]",
        "    2 | Bad = 1",
        "      |       ^",
        "  hint: remove Bad",
    ]


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _write(tmp_path, "c.conf", "Bad = 1\n")
    report = tmp_path / "report.json"
    status, out, _ = _main(capsys, "lint", "--format", "json", "--output", str(report), path)
    assert (status, out) == (1, "")
    assert json.loads(report.read_text())["diagnostics"][0]["code"] == "T901"
    status, _, err = _main(capsys, "lint", "--output", str(tmp_path / "no" / "such" / "dir.txt"), path)
    assert status == 2 and "ecconf: cannot write" in err


def test_no_file_checks_reaches_the_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    probe = ModuleType("probe", "T700 probe: x.\n")
    probe.CODE, probe.SUMMARY, probe.DEFAULT_SEVERITY = "T700", "probe", Severity.ERROR
    probe.check = lambda ctx: iter(seen.append(ctx.check_files) or ())
    monkeypatch.setattr(rules, "ALL", (probe,))
    path = _write(tmp_path, "c.conf", CLEAN)
    _main(capsys, "lint", path)
    _main(capsys, "lint", "--no-file-checks", path)
    assert seen == [True, False]


def test_bad_option_values_are_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _write(tmp_path, "c.conf", CLEAN)
    for args in (("--severity", "T901=fatal"), ("--select", "bad"), ("--ignore", "T9999")):
        status, _, err = _main(capsys, "lint", *args, path)
        assert status == 2 and "ecconf lint: error:" in err, args


def test_colour_on_a_terminal_unless_NO_COLOR(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    path = _write(tmp_path, "c.conf", "Bad = 1\n")
    tty = Tty()
    monkeypatch.setattr(sys, "stdout", tty)
    cli.main(["lint", path])
    assert "\x1b[1;31merror" in tty.getvalue()
    tty = Tty()
    monkeypatch.setattr(sys, "stdout", tty)
    monkeypatch.setenv("NO_COLOR", "1")
    cli.main(["lint", path])
    assert "\x1b[" not in tty.getvalue()


def test_rules_lists_and_documents(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _main(capsys, "rules")
    assert status == 0
    assert out.splitlines() == [
        "E001  warning  suppression comment names an unknown rule code",
        "E002  warning  suppression comment that silences nothing",
        "T802  warning  Odd set",
        "T901  error    Bad set",
    ]
    status, out, _ = _main(capsys, "rules", "t901")
    assert status == 0 and out.startswith("T901 fake-bad: flags Bad.") and "Bad:" in out
    status, out, _ = _main(capsys, "rules", "E001")
    assert status == 0 and "Good:" in out
    status, _, err = _main(capsys, "rules", "Z999")
    assert status == 2 and "Z999" in err


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _main(capsys)
    assert status == 2 and out == "" and "usage: ecconf" in err
    assert _main(capsys, "--help")[0] == 0
    assert _main(capsys, "--version")[1] == f"ecconf {__version__}\n"


def test_internal_errors_never_show_a_traceback_unless_debug(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "lint_paths", explode)
    path = _write(tmp_path, "c.conf", CLEAN)
    status, _, err = _main(capsys, "lint", path)
    assert status == 2
    assert err == "ecconf: internal error: RuntimeError: boom (--debug shows where)\n"
    for args in (("--debug", "lint", path), ("lint", "--debug", path)):
        status, _, err = _main(capsys, *args)
        assert status == 2 and "Traceback" in err and "ecconf: internal error: RuntimeError: boom" in err
