"""`ecconf lint --baseline FILE [--write-baseline]` through the real entry point: today's findings recorded,
matched after lines move, new ones reported and failing, fixed ones noted without failing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# E203 (a warning with a note), E201 and E301 (errors).
CONFIG = (
    'Hostname = "x"\nHostname = "y"\nFrobnicate = 1\nESMTP_Listener {\n  Listen ":25" {\n    Idle_Time = soon\n  }\n}\n'
)


def run(*args: str, cwd: Path, isolated: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    command = [sys.executable, "-m", "ecconf", "lint", *(["--isolated"] if isolated else []), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=60)


def reported(done: subprocess.CompletedProcess[str]) -> list[tuple[str, int]]:
    return [(d["code"], d["line"]) for d in json.loads(done.stdout)["diagnostics"]]


def recorded(tmp_path: Path, text: str = CONFIG) -> Path:
    (tmp_path / "m.conf").write_text(text, encoding="utf-8")
    done = run("--baseline", "base.json", "--write-baseline", "m.conf", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert "recorded 3 findings in the baseline base.json" in done.stderr
    return tmp_path / "base.json"


def test_the_baseline_file_is_versioned_sorted_and_holds_no_line_text(tmp_path: Path) -> None:
    base = recorded(tmp_path)
    data = json.loads(base.read_text())
    assert data["version"] == 1
    keys = [(f["path"], f["code"], f["message"]) for f in data["findings"]]
    assert keys == sorted(keys) and [k[1] for k in keys] == ["E201", "E203", "E301"]
    assert all(set(f) == {"code", "path", "message", "line_hash", "count"} for f in data["findings"])
    assert "soon" not in json.dumps([f["line_hash"] for f in data["findings"]])
    again = run("--baseline", "base.json", "--write-baseline", "m.conf", cwd=tmp_path)
    assert again.returncode == 0 and base.read_text() == json.dumps(data, indent=2) + "\n"  # stable


def test_recorded_findings_still_match_after_lines_move(tmp_path: Path) -> None:
    recorded(tmp_path)
    clean = run("--baseline", "base.json", "m.conf", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout
    assert clean.stdout == "0 errors, 0 warnings in 1 file\n"
    assert "3 findings recorded in the baseline base.json not shown" in clean.stderr
    (tmp_path / "m.conf").write_text("\n# a comment above everything\n" + CONFIG, encoding="utf-8")
    moved = run("--baseline", "base.json", "--format", "json", "m.conf", cwd=tmp_path)
    assert (moved.returncode, reported(moved)) == (0, [])
    # From another folder, with the path written differently, the same baseline still applies.
    elsewhere = run("--baseline", str(tmp_path / "base.json"), str(tmp_path / "m.conf"), cwd=tmp_path.parent)
    assert elsewhere.returncode == 0, elsewhere.stdout


def test_only_a_new_finding_is_reported_and_fails(tmp_path: Path) -> None:
    recorded(tmp_path)
    (tmp_path / "m.conf").write_text("\n" + CONFIG + "Frobnicated = 1\n", encoding="utf-8")
    done = run("--baseline", "base.json", "--format", "json", "m.conf", cwd=tmp_path)
    assert (done.returncode, reported(done)) == (1, [("E201", 10)])
    assert "3 findings recorded in the baseline base.json not shown" in done.stderr
    # A third Hostname: the same code and message as the recorded E203, but on a line of other text.
    (tmp_path / "m.conf").write_text("\n" + CONFIG + 'Hostname = "z"\n', encoding="utf-8")
    done = run("--baseline", "base.json", "--format", "json", "--strict", "m.conf", cwd=tmp_path)
    assert (done.returncode, reported(done)) == (1, [("E203", 10)])


def test_a_fixed_finding_is_noted_without_failing(tmp_path: Path) -> None:
    recorded(tmp_path)
    (tmp_path / "m.conf").write_text(CONFIG.replace("Frobnicate = 1\n", ""), encoding="utf-8")
    done = run("--baseline", "base.json", "m.conf", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "1 finding recorded in the baseline base.json is fixed; the baseline can be updated" in done.stderr
    assert "  fixed: m.conf: E201 'Frobnicate' is not a valid option name in the global scope\n" in done.stderr


def test_duplicates_are_counted(tmp_path: Path) -> None:
    twice = "Frobnicate = 1\nFrobnicate = 1\n"
    (tmp_path / "m.conf").write_text(twice, encoding="utf-8")
    done = run("--baseline", "base.json", "--write-baseline", "m.conf", cwd=tmp_path)
    assert done.returncode == 0
    counts = {f["code"]: f["count"] for f in json.loads((tmp_path / "base.json").read_text())["findings"]}
    assert counts == {"E201": 2, "E203": 1}
    (tmp_path / "m.conf").write_text(twice + "Frobnicate = 1\n", encoding="utf-8")
    third = run("--baseline", "base.json", "--format", "json", "m.conf", cwd=tmp_path)
    assert (third.returncode, sorted(reported(third))) == (1, [("E201", 3), ("E203", 3)])


def test_fixed_is_said_only_of_files_this_run_checked(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text("Frobnicate = 1\n", encoding="utf-8")
    (tmp_path / "b.conf").write_text("Frobnicate = 1\n", encoding="utf-8")
    assert run("--baseline", "base.json", "--write-baseline", "a.conf", "b.conf", cwd=tmp_path).returncode == 0
    done = run("--baseline", "base.json", "a.conf", cwd=tmp_path)
    assert done.returncode == 0 and "fixed" not in done.stderr


def test_baseline_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "m.conf").write_text(CONFIG, encoding="utf-8")
    done = run("--write-baseline", "m.conf", cwd=tmp_path)
    assert done.returncode == 2 and "--write-baseline needs --baseline FILE" in done.stderr
    done = run("--baseline", "missing.json", "m.conf", cwd=tmp_path)
    assert done.returncode == 2 and "cannot read the baseline missing.json" in done.stderr
    (tmp_path / "bad.json").write_text('{"version": 9, "findings": []}', encoding="utf-8")
    done = run("--baseline", "bad.json", "m.conf", cwd=tmp_path)
    assert done.returncode == 2 and "bad.json: not a baseline file of version 1" in done.stderr
    (tmp_path / "bad.json").write_text('{"version": 1, "findings": [{"code": 1}]}', encoding="utf-8")
    done = run("--baseline", "bad.json", "m.conf", cwd=tmp_path)
    assert done.returncode == 2 and "findings[0] needs code" in done.stderr
    assert "Traceback" not in done.stderr
    done = run("--baseline", "base.json", "--write-baseline", "m.conf", "nope.conf", cwd=tmp_path)
    assert done.returncode == 2 and not (tmp_path / "base.json").exists()


def test_a_message_that_names_a_line_still_matches_when_that_line_moves(tmp_path: Path) -> None:
    unclosed = 'ESMTP_Listener {\n  Listen ":25" {\n    Idle_Time = 30\n}\n'  # "the scope opened at line 2 ..."
    (tmp_path / "u.conf").write_text(unclosed, encoding="utf-8")
    assert run("--baseline", "base.json", "--write-baseline", "u.conf", cwd=tmp_path).returncode == 0
    assert "line N" in (tmp_path / "base.json").read_text()
    (tmp_path / "u.conf").write_text("# moved\n\n" + unclosed, encoding="utf-8")
    done = run("--baseline", "base.json", "u.conf", cwd=tmp_path)
    assert done.returncode == 0, done.stdout


def test_the_settings_file_can_name_the_baseline(tmp_path: Path) -> None:
    (tmp_path / ".ecconf.toml").write_text('baseline = "ci/ecconf-baseline.json"\n', encoding="utf-8")
    (tmp_path / "ci").mkdir()
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "m.conf").write_text(CONFIG, encoding="utf-8")
    done = run("--write-baseline", "m.conf", cwd=tmp_path / "conf", isolated=False)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "ci" / "ecconf-baseline.json").read_text())["findings"][0]["path"] == "../conf/m.conf"
    assert run("m.conf", cwd=tmp_path / "conf", isolated=False).returncode == 0
    assert run("m.conf", cwd=tmp_path / "conf").returncode == 1  # --isolated: no settings, no baseline
    (tmp_path / ".ecconf.toml").write_text("baseline = 3\n", encoding="utf-8")
    done = run("m.conf", cwd=tmp_path / "conf", isolated=False)
    assert done.returncode == 2 and "baseline must be a file name" in done.stderr
