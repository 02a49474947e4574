"""Every sample lints exactly as the `# expect:` line at its top says.

`# expect: clean` means no finding at all; otherwise a comma-separated list of `CODE line:col` (in the sample
itself) or `CODE file:line:col` (in a file it includes). Samples are copied to a temporary folder first and
their clear-text password files made private (git does not keep file modes), except the one that exists to be
world-readable.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from ecconf.compiler.checker import CheckOptions
from ecconf.pipeline import lint_paths

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
EMBEDDED = Path(__file__).resolve().parents[1] / "ecconf" / "samples"
EXPECT = re.compile(r"^# expect: (.+)$", re.M)
ITEM = re.compile(r"^([A-Z]\d{3}) (?:([\w.-]+):)?(\d+):(\d+)$")


def expected(text: str, name: str) -> set[tuple[str, str, int, int]]:
    match = EXPECT.search(text)
    assert match, f"{name} has no '# expect:' line"
    if match.group(1).strip() == "clean":
        return set()
    out = set()
    for item in match.group(1).split(","):
        parsed = ITEM.match(item.strip())
        assert parsed, f"{name}: cannot read expectation {item!r}"
        code, file, line, column = parsed.groups()
        out.add((code, file or name, int(line), int(column)))
    return out


def private_copy(tmp_path: Path) -> Path:
    root = tmp_path / "samples"
    shutil.copytree(SAMPLES, root)
    for path in root.rglob("*"):
        if path.is_file() and path.parent.name in ("passwords", "tls") and "world-readable" not in path.name:
            os.chmod(path, 0o600)
    return root


SAMPLE_FILES = sorted(p.relative_to(SAMPLES) for p in SAMPLES.rglob("*.conf"))


@pytest.mark.parametrize("relative", SAMPLE_FILES, ids=str)
def test_sample_lints_as_it_says(relative: Path, tmp_path: Path) -> None:
    path = private_copy(tmp_path) / relative
    report = lint_paths([str(path)], CheckOptions())
    assert report.input_errors == []
    found = {(d.code, Path(d.span.path).name, d.span.line, d.span.column) for d in report.diagnostics}
    assert found == expected(path.read_text(), path.name)


def test_there_are_samples_for_every_mechanism_and_broken_ones() -> None:
    names = {p.name for p in SAMPLE_FILES}
    assert {"plain.conf", "login.conf", "cram-md5.conf", "digest-md5.conf", "relay-tls.conf"} <= names
    assert len([p for p in SAMPLE_FILES if p.parts[0] == "broken"]) >= 5


@pytest.mark.parametrize("name", ["submission.json", "relay.json"])
def test_json_samples_lint_clean(name: str, tmp_path: Path) -> None:
    path = private_copy(tmp_path) / "json" / name
    report = lint_paths([str(path)], CheckOptions())
    assert report.input_errors == [] and report.diagnostics == []


def test_the_embedded_quick_start_lints_clean(tmp_path: Path) -> None:
    copy = tmp_path / "quickstart"
    shutil.copytree(EMBEDDED, copy)
    for name in ("passwd", "htdigest"):
        os.chmod(copy / name, 0o600)
    report = lint_paths([str(copy / "quickstart.conf")], CheckOptions())
    assert report.diagnostics == []
