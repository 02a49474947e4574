"""`ecconf lint`'s machine outputs through the real entry point: JSON's ends, hints, notes and summary; SARIF's
rule help, links and invocation (checked by the SARIF multitool where it is installed); `--show-docs`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
