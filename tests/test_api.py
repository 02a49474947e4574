"""The public API (ecconf.lint / ecconf.load) and the pipeline functions behind it."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

import ecconf
from ecconf import pipeline
from ecconf.compiler import rules
from ecconf.compiler.build import iter_statements
from ecconf.compiler.checker import CheckOptions
from ecconf.compiler.context import CheckContext
from ecconf.compiler.diagnostics import Diagnostic, Severity
from ecconf.compiler.models import Config
from ecconf.compiler.nodes import Option

UNCLOSED = "ESMTP_Listener {\n"


def _flag(code: str, name: str, severity: Severity) -> SimpleNamespace:
    def check(ctx: CheckContext) -> Iterator[Diagnostic]:
        for file in ctx.loaded.files.values():
            for statement in iter_statements(file.body):
                if isinstance(statement, Option) and statement.name == name:
                    yield Diagnostic(code, f"{name} is set", statement.name_span)

    return SimpleNamespace(CODE=code, SUMMARY=name, DEFAULT_SEVERITY=severity, check=check, __doc__=f"{code} x: y.")


@pytest.fixture(autouse=True)
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    syntax = rules.get("E100")  # the real one: load problems pass through it
    fakes = (syntax, _flag("T901", "Bad", Severity.ERROR), _flag("T802", "Odd", Severity.WARNING))
    monkeypatch.setattr(rules, "ALL", fakes)


def test_lint_one_path_or_many(tmp_path: Path) -> None:
    a, b = tmp_path / "a.conf", tmp_path / "b.conf"
    a.write_text("Bad = 1\n")
    b.write_text("Odd = 1\n")
    report = ecconf.lint(str(a))
    assert [(d.code, d.span.path) for d in report.diagnostics] == [("T901", str(a))]
    assert (report.files_checked, report.failed, report.exit_status) == (1, True, 1)
    report = ecconf.lint([str(b), str(a), str(b)])  # a path named twice is checked once
    assert [d.code for d in report.diagnostics] == ["T901", "T802"]
    assert report.files_checked == 2


def test_lint_options(tmp_path: Path) -> None:
    path = tmp_path / "c.conf"
    path.write_text("Bad = 1\nOdd = 1\n")
    assert [d.code for d in ecconf.lint(str(path), select=["t8"]).diagnostics] == ["T802"]
    assert [d.code for d in ecconf.lint(str(path), ignore=["T"]).diagnostics] == []
    report = ecconf.lint(str(path), severity={"T901": "warning"})
    assert [d.severity for d in report.diagnostics] == [Severity.WARNING, Severity.WARNING]
    assert (report.failed, report.exit_status) == (False, 0)
    assert ecconf.lint(str(path), severity={"T901": "warning"}, strict=True).exit_status == 1
    with pytest.raises(ValueError):
        ecconf.lint(str(path), severity={"T901": "fatal"})
    with pytest.raises(ValueError):
        ecconf.lint(str(path), select=["nonsense"])


def test_includes_are_checked_and_counted_once(tmp_path: Path) -> None:
    (tmp_path / "shared.conf").write_text("Hostname = mx\nBad = 1\n")
    for name in ("one.conf", "two.conf"):
        (tmp_path / name).write_text('include "shared.conf"\n')
    report = pipeline.lint_paths([str(tmp_path / "one.conf"), str(tmp_path / "two.conf")])
    assert [(d.code, Path(d.span.path).name) for d in report.diagnostics] == [("T901", "shared.conf")]
    assert report.files_checked == 3
    assert set(report.sources) == {str(tmp_path / n) for n in ("one.conf", "two.conf", "shared.conf")}


def test_unreadable_inputs_are_input_errors_not_findings(tmp_path: Path) -> None:
    (tmp_path / "latin1.conf").write_bytes(b"Hostname = caf\xe9\n")
    report = pipeline.lint_paths([str(tmp_path / "missing.conf"), str(tmp_path), str(tmp_path / "latin1.conf")])
    assert report.exit_status == 2
    assert report.diagnostics == [] and report.files_checked == 0
    assert report.input_errors[0] == f"cannot read {tmp_path / 'missing.conf'}: No such file or directory"
    assert report.input_errors[1] == f"cannot read {tmp_path}: it is a directory"
    assert report.input_errors[2].startswith(f"{tmp_path / 'latin1.conf'}:1:15: the file is not valid UTF-8")


def test_stdin(tmp_path: Path) -> None:
    report = pipeline.lint_paths(["-"], stdin=io.BytesIO(b"Bad = 1\n"))
    assert [(d.code, d.span.path) for d in report.diagnostics] == [("T901", "<stdin>")]
    assert report.sources == {"<stdin>": "Bad = 1\n"}
    report = pipeline.lint_paths(["-"], stdin=io.BytesIO(b"\xff\n"))
    assert report.exit_status == 2 and "not valid UTF-8" in report.input_errors[0]


def test_lint_text() -> None:
    report = pipeline.lint_text("Odd = 1\n", "mem.conf", CheckOptions(strict=True))
    assert [(d.code, d.span.path) for d in report.diagnostics] == [("T802", "mem.conf")]
    assert report.exit_status == 1
    report = pipeline.lint_text(UNCLOSED)
    assert [(d.code, d.span.path) for d in report.diagnostics] == [("E100", "<stdin>")]


def test_load(tmp_path: Path) -> None:
    path = tmp_path / "c.conf"
    path.write_text('Hostname = "mx.example.com"\nBad = 1\n')
    config, diagnostics = ecconf.load(str(path))
    assert isinstance(config, Config) and config.hostname == "mx.example.com"
    assert [d.code for d in diagnostics] == ["T901"]
    path.write_text(UNCLOSED)
    config, diagnostics = ecconf.load(str(path))
    assert config is None and [d.code for d in diagnostics] == ["E100"]
    config, diagnostics = ecconf.load(str(tmp_path / "missing.conf"))
    assert config is None and len(diagnostics) == 1 and "No such file" in diagnostics[0].message
    config, diagnostics = pipeline.load_config("-", stdin=io.BytesIO(b"Hostname = x\n"))
    assert config is not None and config.hostname == "x"


def test_render_report_uses_the_sources_for_excerpts(tmp_path: Path) -> None:
    report = pipeline.lint_text("Hostname = a\n  Bad = 1\n", "mem.conf")
    text = pipeline.render_report(report, "text")
    assert "    2 |   Bad = 1\n      |   ^~~\n" in text
    assert text.endswith("1 error, 0 warnings in 1 file\n")


def test_rule_infos_take_names_from_the_docstring() -> None:
    infos = {info.code: info for info in pipeline.rule_infos()}
    assert infos["E100"].name == "syntax-error"
    assert infos["E001"].name == "unknown-suppression" and infos["E001"].severity is Severity.WARNING
    assert infos["T901"].name == "x"


def test_public_names_and_lazy_import() -> None:
    assert ecconf.__version__ == "0.1.0"
    assert ecconf.CheckOptions is CheckOptions and ecconf.Diagnostic is Diagnostic
    with pytest.raises(AttributeError):
        _ = ecconf.no_such_thing
    code = "import sys, ecconf; print(sorted(m for m in ('lark', 'pydantic', 'ecconf.compiler') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
