"""The composite GitHub Action (action.yml): well formed, every flag it passes exists, and its lint step's
script, run here with bash as the runner would, writes SARIF or annotations and reports the exit status."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ecconf.cli import build_parser

yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit in the dev extra")

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
BAD = 'ESMTP_Listener {\n  Listen ":2525" {\n    Enabel = true\n  }\n}\n'


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _lint_options() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices["lint"]._option_string_actions)


def test_action_is_a_composite_that_installs_lints_and_uploads(action: dict[str, Any]) -> None:
    assert action["name"] and action["description"]
    assert set(action["inputs"]) == {"paths", "args", "python-version", "sarif", "sarif-file"}
    assert all(spec.get("description") for spec in action["inputs"].values())
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == ["actions/setup-python", "github/codeql-action/upload-sarif"]
    assert all(step.get("shell") == "bash" for step in steps if "run" in step)  # composite steps must say
    install = next(step["run"] for step in steps if step.get("name") == "Install ecconf")
    assert '"$GITHUB_ACTION_PATH"' in install and (ROOT / "pyproject.toml").is_file()  # the action's own folder


def test_every_expression_names_a_declared_input_or_step(action: dict[str, Any]) -> None:
    text = ACTION.read_text(encoding="utf-8")
    assert set(re.findall(r"inputs\.([\w-]+)", text)) <= set(action["inputs"])
    ids = {step["id"] for step in action["runs"]["steps"] if "id" in step}
    assert set(re.findall(r"steps\.([\w-]+)\.outputs", text)) <= ids
    for step in action["runs"]["steps"]:  # inputs reach scripts through env only
        assert "${{" not in step.get("run", ""), step.get("name")


def test_every_flag_the_action_passes_to_ecconf_lint_exists(action: dict[str, Any]) -> None:
    lines = [line for step in action["runs"]["steps"] for line in step.get("run", "").splitlines()]
    calls = [line for line in lines if line.strip().startswith("ecconf lint ")]
    assert len(calls) == 2
    flags = {flag for line in calls for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line)}
    assert flags == {"--format", "--output"} and flags <= _lint_options()


def _run_lint_step(action: dict[str, Any], tmp_path: Path, sarif: str) -> tuple[int, str, dict[str, str]]:
    step = next(step for step in action["runs"]["steps"] if step.get("id") == "lint")
    outputs = tmp_path / "github_output"
    outputs.write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(outputs),
        "ECCONF_PATHS": "conf  extra.conf",
        "ECCONF_ARGS": "--no-file-checks --strict",
        "ECCONF_SARIF": sarif,
        "ECCONF_SARIF_FILE": "out dir/ecconf.sarif",
    }
    (tmp_path / "out dir").mkdir(exist_ok=True)
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8"
    )
    assert done.returncode == 0, done.stderr  # the step records the status; a later step fails the job
    values = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines())
    return done.returncode, done.stdout, values


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.skipif(not shutil.which("ecconf", path=str(Path(sys.executable).parent)), reason="ecconf not installed")
def test_lint_step_writes_sarif_and_records_the_exit_status(action: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "bad.conf").write_text(BAD, encoding="utf-8")
    (tmp_path / "extra.conf").write_text('ESMTP_Listener {\n  Listen ":25" { }\n}\n', encoding="utf-8")
    _status, _out, values = _run_lint_step(action, tmp_path, "true")
    assert values == {"exit-code": "1"}
    report = json.loads((tmp_path / "out dir" / "ecconf.sarif").read_text(encoding="utf-8"))
    results = report["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["E201"]
    _status, out, values = _run_lint_step(action, tmp_path, "false")
    assert values == {"exit-code": "1"} and "::error file=conf/bad.conf,line=3" in out
    (tmp_path / "conf" / "bad.conf").write_text(BAD.replace("Enabel", "Enable"), encoding="utf-8")
    assert _run_lint_step(action, tmp_path, "true")[2] == {"exit-code": "0"}
