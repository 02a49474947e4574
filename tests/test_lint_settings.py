"""Project settings (`.ecconf.toml`, `[tool.ecconf]`), how the command line overrides them, and the output
flags CI jobs lean on: --quiet, --exit-zero, --statistics, --color, and `ecconf rules` by prefix and name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DUPLICATE = (
    'ESMTP_Listener {\n  Listen ":25" {\n    SMTP_Extensions = ( "8BITMIME" )\n'
    '    SMTP_Extensions = ( "PIPELINING" )\n  }\n}\n'
)


def _ecconf(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-m", "ecconf", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, **(env or {})},
        timeout=60,
    )


def _project(tmp_path: Path, settings: str | None, name: str = ".ecconf.toml") -> Path:
    (tmp_path / "conf").mkdir(parents=True)
    (tmp_path / "conf" / "main.conf").write_text(DUPLICATE, encoding="utf-8")
    if settings is not None:
        (tmp_path / name).write_text(settings, encoding="utf-8")
    return tmp_path


def _codes(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [d["code"] for d in json.loads(done.stdout)["diagnostics"]]


def test_without_settings_the_duplicate_is_a_warning(tmp_path: Path) -> None:
    done = _ecconf("lint", "--format=json", "conf", cwd=_project(tmp_path, None))
    assert (done.returncode, _codes(done)) == (0, ["E203"])


@pytest.mark.parametrize("name", [".ecconf.toml", "pyproject.toml"])
def test_settings_are_found_upward_from_the_linted_path(tmp_path: Path, name: str) -> None:
    body = 'ignore = ["E203"]\n' if name == ".ecconf.toml" else '[tool.ecconf]\nignore = ["E203"]\n'
    root = _project(tmp_path, body, name)
    done = _ecconf("lint", "--format=json", "main.conf", cwd=root / "conf")
    assert _codes(done) == []


def test_a_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    root = _project(tmp_path, 'ignore = ["E203"]\n')
    (root / "conf" / "pyproject.toml").write_text("[tool.black]\nline-length = 80\n", encoding="utf-8")
    assert _codes(_ecconf("lint", "--format=json", "conf/main.conf", cwd=root)) == []


def test_severity_strict_and_output_format_from_settings(tmp_path: Path) -> None:
    root = _project(tmp_path, 'output-format = "json"\n[severity]\nE203 = "error"\n')
    done = _ecconf("lint", "conf", cwd=root)
    assert done.returncode == 1 and json.loads(done.stdout)["diagnostics"][0]["severity"] == "error"
    strict = _project(tmp_path / "b", "strict = true\n")
    assert _ecconf("lint", "conf", cwd=strict).returncode == 1


def test_the_command_line_overrides_settings(tmp_path: Path) -> None:
    root = _project(tmp_path, 'select = ["A4"]\n[severity]\nE203 = "error"\n')
    assert _codes(_ecconf("lint", "--format=json", "conf", cwd=root)) == []  # settings select A4 only
    done = _ecconf("lint", "--format=json", "--select=E2", "--severity=E203=info", "conf", cwd=root)
    assert done.returncode == 0 and json.loads(done.stdout)["diagnostics"][0]["severity"] == "info"
    assert _codes(_ecconf("lint", "--format=json", "--isolated", "conf", cwd=root)) == ["E203"]


def test_config_names_a_settings_file_elsewhere(tmp_path: Path) -> None:
    root = _project(tmp_path, None)
    (root / "elsewhere.toml").write_text('ignore = ["E2"]\n', encoding="utf-8")
    assert _codes(_ecconf("lint", "--format=json", "--config", "elsewhere.toml", "conf", cwd=root)) == []
    missing = _ecconf("lint", "--config", "nope.toml", "conf", cwd=root)
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_per_file_ignores_by_name_and_by_relative_glob(tmp_path: Path) -> None:
    root = _project(tmp_path, '[per-file-ignores]\n"main.conf" = ["E203"]\n')
    assert _codes(_ecconf("lint", "--format=json", "conf", cwd=root)) == []
    other = _project(tmp_path / "b", '[per-file-ignores]\n"conf/*.conf" = ["E2"]\n"x/*.conf" = ["E1"]\n')
    assert _codes(_ecconf("lint", "--format=json", "conf", cwd=other)) == []
    elsewhere = _project(tmp_path / "c", '[per-file-ignores]\n"other/*.conf" = ["E2"]\n')
    assert _codes(_ecconf("lint", "--format=json", "conf", cwd=elsewhere)) == ["E203"]


def test_exclude_in_settings_is_relative_to_the_settings_file(tmp_path: Path) -> None:
    root = _project(tmp_path, 'extend-exclude = ["conf/main.conf"]\n')
    done = _ecconf("lint", "--format=json", ".", cwd=root / "conf")
    assert _codes(done) == [] and "no config files" in done.stderr


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ('selekt = ["E2"]\n', "unknown key 'selekt'; did you mean 'select'?"),
        ('select = ["Z9"]\n', "select: 'Z9' matches no rule code"),
        ("select = [\n", ".ecconf.toml: "),
        ("strict = 1\n", "strict must be true or false"),
        ('[severity]\nE203 = "fatal"\n', "severity.E203 must be one of error, warning, info"),
        ('output-format = "xml"\n', "output-format must be one of"),
        ('ignore = "E203"\nexclude = [1]\n', "exclude must be a list of strings"),
        ('docs-url = "docs/rules"\n', "docs-url: 'docs/rules' is not an absolute URL"),
        ('docs-url = "https://docs.example/{rule}.html"\n', "the only placeholder is {code}"),
        ("docs-url = 3\n", "docs-url must be a URL"),
    ],
)
def test_a_settings_mistake_is_a_usage_error_naming_the_file(tmp_path: Path, settings: str, said: str) -> None:
    done = _ecconf("lint", "conf", cwd=_project(tmp_path, settings))
    assert done.returncode == 2, done.stdout
    assert said in done.stderr and ".ecconf.toml" in done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr


def test_docs_url_points_rule_links_at_a_mirror_and_the_command_line_wins(tmp_path: Path) -> None:
    project = _project(tmp_path, 'docs-url = "https://docs.example/ecconf/rules/"\n')
    shown = _ecconf("lint", "--show-docs", "conf", cwd=project)
    assert "docs: https://docs.example/ecconf/rules/E203.md" in shown.stdout
    sarif = _ecconf("lint", "--format", "sarif", "--docs-url", "https://m.example/r/{code}.html", "conf", cwd=project)
    rules = {r["id"]: r for r in json.loads(sarif.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["E203"]["helpUri"] == "https://m.example/r/E203.html"
    bad = _ecconf("lint", "--docs-url", "rules/", "conf", cwd=project)
    assert bad.returncode == 2 and "'rules/' is not an absolute URL" in bad.stderr


# --- output flags --------------------------------------------------------------------------------------


def test_quiet_prints_findings_without_summary_or_notes(tmp_path: Path) -> None:
    done = _ecconf("lint", "-q", "conf", cwd=_project(tmp_path, None))
    assert "[E203]" in done.stdout and " in 1 file" not in done.stdout and done.stderr == ""


def test_exit_zero_turns_failing_findings_into_0_but_not_usage_errors(tmp_path: Path) -> None:
    root = _project(tmp_path, None)
    assert _ecconf("lint", "--strict", "conf", cwd=root).returncode == 1
    assert _ecconf("lint", "--strict", "--exit-zero", "conf", cwd=root).returncode == 0
    assert _ecconf("lint", "--exit-zero", "nope.conf", cwd=root).returncode == 2


def test_statistics_count_codes_in_text_and_json(tmp_path: Path) -> None:
    root = _project(tmp_path, None)
    text = _ecconf("lint", "--statistics", "conf", cwd=root)
    assert text.stdout.split()[:2] == ["1", "E203"]
    data = json.loads(_ecconf("lint", "--statistics", "--format=json", "conf", cwd=root).stdout)
    assert data["statistics"][0]["code"] == "E203" and data["statistics"][0]["count"] == 1


def test_color_always_never_and_force_color(tmp_path: Path) -> None:
    root = _project(tmp_path, None)
    assert "\x1b[" in _ecconf("lint", "--color=always", "conf", cwd=root).stdout
    assert "\x1b[" not in _ecconf("lint", "--color=never", "conf", cwd=root, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in _ecconf("lint", "conf", cwd=root, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in _ecconf("lint", "conf", cwd=root, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b[" not in _ecconf("lint", "conf", cwd=root).stdout  # not a terminal


# --- ecconf rules ----------------------------------------------------------------------------------------


def test_rules_by_prefix_name_and_as_json(tmp_path: Path) -> None:
    listed = _ecconf("rules", "E20", cwd=tmp_path).stdout.splitlines()
    assert listed and all(line.startswith("E20") for line in listed)
    by_name = _ecconf("rules", "duplicate-option", cwd=tmp_path)
    assert by_name.stdout.startswith("E203 duplicate-option:")
    one = json.loads(_ecconf("rules", "--format=json", "e203", cwd=tmp_path).stdout)
    assert one["code"] == "E203" and one["name"] == "duplicate-option" and one["severity"] == "warning"
    every = json.loads(_ecconf("rules", "--format=json", cwd=tmp_path).stdout)
    assert len(every) > 30 and {"code", "name", "summary", "severity", "doc"} <= set(every[0])
    wrong = _ecconf("rules", "duplicat-option", cwd=tmp_path)
    assert wrong.returncode == 2 and "did you mean duplicate-option" in wrong.stderr
