"""`ecconf lint`'s machine outputs through the real entry point: JSON's ends, hints, notes and summary; SARIF's
rule help, links and invocation (checked by the SARIF multitool where it is installed); `--show-docs`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Three findings of three rules: a warning with a related place, an error with a hint, an error without one.
MANY = (
    'Hostname = "x"\nHostname = "y"\nFrobnicate = 1\nESMTP_Listener {\n  Listen ":25" {\n    Idle_Time = soon\n  }\n}\n'
)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-m", "ecconf", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def test_json_adds_ends_hints_notes_and_a_summary(tmp_path: Path) -> None:
    (tmp_path / "m.conf").write_text(MANY, encoding="utf-8")
    done = run("lint", "--isolated", "--format", "json", "m.conf", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    first, second, third = data["diagnostics"]
    assert first == {
        "path": "m.conf",
        "line": 2,
        "column": 1,
        "severity": "warning",
        "code": "E203",
        "message": first["message"],
        "end_line": 2,
        "end_column": 9,
        "hint": "remove one of the two assignments",
        "notes": [
            {"path": "m.conf", "line": 1, "column": 1, "end_line": 1, "end_column": 15, "message": "first set here"}
        ],
    }
    assert (second["code"], second["end_column"], second["notes"]) == ("E201", 11, [])
    assert (third["code"], third["line"], third["column"], third["end_column"]) == ("E301", 6, 17, 21)
    assert third["hint"] is None
    assert data["summary"] == {"errors": 2, "warnings": 1, "notes": 0, "files_checked": 1, "entry_points": ["m.conf"]}


# --- SARIF, and the Microsoft SARIF multitool -----------------------------------------------------------

CHECKOUT = Path(__file__).resolve().parent.parent
UNCLOSED = 'ESMTP_Listener {\n  Listen ":25" {\n    Idle_Time = 30\n}\n'


def multitool() -> tuple[Path | None, str]:
    """The multitool's own executable (npm's `bin` wrapper re-joins the arguments through a shell), or why not.

    Looked for where .ci/run installs it (.ci/npm/sarif-multitool), then in npm's global folder."""
    node = shutil.which("node")
    if node is None:
        return None, "node/npm is not installed, so the SARIF multitool (npm @microsoft/sarif-multitool) cannot be"
    roots = [CHECKOUT / ".ci" / "npm" / "sarif-multitool" / "node_modules"]
    npm = shutil.which("npm")
    if npm is not None:
        done = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=60)
        if done.returncode == 0 and done.stdout.strip():
            roots.append(Path(done.stdout.strip()))
    for root in roots:
        package = root / "@microsoft" / "sarif-multitool"
        if not package.is_dir():
            continue
        where = "process.stdout.write(require(process.argv[1]))"
        done = subprocess.run([node, "-e", where, str(package)], capture_output=True, text=True, timeout=60)
        if done.returncode == 0 and Path(done.stdout).is_file():
            return Path(done.stdout), ""
    return None, "the SARIF multitool is not installed (.ci/run installs npm @microsoft/sarif-multitool into .ci/npm/)"


def test_sarif_rules_have_help_links_and_the_run_an_invocation(tmp_path: Path) -> None:
    (tmp_path / "m.conf").write_text(MANY, encoding="utf-8")
    done = run("lint", "--isolated", "--format", "sarif", "m.conf", "nope.conf", cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # nope.conf is missing: the run did not succeed
    sarif_run = json.loads(done.stdout)["runs"][0]
    driver = sarif_run["tool"]["driver"]
    assert driver["informationUri"] == (CHECKOUT / "README.md").as_uri()
    a413 = next(rule for rule in driver["rules"] if rule["id"] == "A413")
    assert a413["help"]["text"].startswith("A413 auth-cleartext-without-tls: ")
    assert "**Bad**\n```text\nESMTP_Listener {" in a413["help"]["markdown"]
    assert a413["helpUri"] == (CHECKOUT / "docs" / "rules" / "A413.md").as_uri()
    assert sarif_run["invocations"] == [
        {
            "executionSuccessful": False,
            "exitCode": 2,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": "cannot read nope.conf: No such file or directory"}}
            ],
        }
    ]
    assert [r["ruleId"] for r in sarif_run["results"]] == ["E203", "E201", "E301"]


def test_sarif_passes_the_microsoft_multitool_without_warnings(tmp_path: Path) -> None:
    tool, why = multitool()
    if tool is None:
        pytest.skip(why)
    (tmp_path / "m.conf").write_text(MANY, encoding="utf-8")
    (tmp_path / "unclosed.conf").write_text(UNCLOSED, encoding="utf-8")
    logs = []
    mirror = ["--docs-url", "https://docs.example/ecconf/rules/{code}.html"]  # a user's own mirror of the pages
    for name, args in (
        ("findings", ["m.conf", "unclosed.conf"]),
        ("unreadable", ["m.conf", "nope.conf"]),
        ("mirror", [*mirror, "m.conf"]),
    ):
        out = tmp_path / f"{name}.sarif"
        done = run("lint", "--isolated", "--format", "sarif", "--output", str(out), *args, cwd=tmp_path)
        assert done.returncode in (1, 2), done.stderr
        logs.append(out)
    first = json.loads(logs[0].read_text())["runs"][0]
    assert len(first["results"]) == 4 and first["invocations"][0]["exitCode"] == 1
    verdict = tmp_path / "verdict.sarif"
    checked = subprocess.run(
        [str(tool), "validate", "--log", "ForceOverwrite", "--output", str(verdict), *map(str, logs)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The validator's own SARIF log: at its default levels (error and warning), nothing at all.
    found = [
        f"{r['ruleId']}: {r['message'].get('arguments')}"
        for validation in json.loads(verdict.read_text())["runs"]
        for r in validation.get("results", [])
    ]
    assert found == [], checked.stdout
    assert " error " not in checked.stdout and " warning " not in checked.stdout
