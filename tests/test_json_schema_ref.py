"""`ecconf json --schema-ref`: the `"$schema"` an editor can resolve, and every spelling of it read back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecconf.compiler.schema import SCHEMA_ID, schema_text

CONFIG = 'ESMTP_Listener {\n  Listen ":2525" {\n    Enable = true\n  }\n}\n'


def _ecconf(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecconf", *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mta.conf").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def _schema_of(path: Path) -> str | None:
    return json.loads(path.read_text(encoding="utf-8")).get("$schema")


def test_stdout_carries_the_schema_id(project: Path) -> None:
    done = _ecconf("json", "conf/mta.conf", cwd=project)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["$schema"] == SCHEMA_ID


def test_a_file_refers_to_the_nearest_published_schema_by_relative_path(project: Path) -> None:
    out = project / "conf" / "mta.ecconf.json"
    assert _ecconf("json", "conf/mta.conf", "-o", str(out), cwd=project).returncode == 0
    assert _schema_of(out) == SCHEMA_ID  # no copy of the schema anywhere above: the id
    assert _ecconf("schema", "-o", "ecconf.schema.json", cwd=project).returncode == 0
    assert (project / "ecconf.schema.json").read_text(encoding="utf-8") == schema_text()
    assert _ecconf("json", "conf/mta.conf", "-o", str(out), cwd=project).returncode == 0
    assert _schema_of(out) == "../ecconf.schema.json"
    # Resolved as editors do, against the document's folder: the published copy.
    assert (out.parent / "../ecconf.schema.json").resolve() == (project / "ecconf.schema.json").resolve()
    (project / "conf" / "ecconf.schema.json").write_text(schema_text(), encoding="utf-8")
    assert _ecconf("json", "conf/mta.conf", "-o", "conf/mta.ecconf.json", cwd=project).returncode == 0
    assert _schema_of(out) == "ecconf.schema.json"


@pytest.mark.parametrize(
    ("ref", "written"),
    [
        ("https://example.org/schemas/ecconf.schema.json", "https://example.org/schemas/ecconf.schema.json"),
        ("../schemas/ecconf.schema.json", "../schemas/ecconf.schema.json"),
        (SCHEMA_ID, SCHEMA_ID),
        ("none", None),
        ("NONE", None),
    ],
)
def test_schema_ref_is_written_as_given_or_left_out_and_read_back(project: Path, ref: str, written: str | None) -> None:
    out = project / "conf" / "mta.ecconf.json"
    done = _ecconf("json", "conf/mta.conf", "-o", str(out), "--schema-ref", ref, cwd=project)
    assert done.returncode == 0, done.stderr
    assert _schema_of(out) == written
    assert next(iter(json.loads(out.read_text(encoding="utf-8")))) == ("$schema" if written else "esmtp_listener")
    # Whatever it says, the JSON is read back by lint, json and text.
    lint = _ecconf("lint", str(out), cwd=project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    again = _ecconf("json", str(out), "--schema-ref", "none", cwd=project)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {k: v for k, v in json.loads(out.read_text()).items() if k != "$schema"}
    assert _ecconf("text", str(out), cwd=project).stdout.startswith("ESMTP_Listener")
