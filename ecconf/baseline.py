"""`ecconf lint --baseline FILE`: the findings accepted as they are today, so that CI fails only on new ones.

Rule of this room: fingerprints, the file's format and the comparison; no checking and no printing (lint_cli.py
reports what this finds). A finding is known by its code, its file (relative to the baseline's folder, so the
run may start anywhere), its message with positions blanked (`line 3` -> `line N`), and a hash of the text of
the line it starts on (whitespace squeezed): never by its line number, so it still matches after unrelated
lines move. Equal fingerprints are counted, so a third copy of a finding recorded twice is new. The line text
itself is never stored (only its hash), and a line whose text must not be shown (a password file's) is not
read at all.

The file is JSON, `{"version": 1, "findings": [{code, path, message, line_hash, count}, ...]}`, sorted, with
one key per line, so that its diffs are readable and stable.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .compiler.diagnostics import Diagnostic

VERSION = 1
_POSITION = re.compile(r"\b(line|column|offset) \d+")
_FIELDS = ("code", "path", "message", "line_hash")


class BaselineError(Exception):
    """The baseline file cannot be read or is not one: a usage error (exit 2)."""


@dataclass(frozen=True, order=True, slots=True)
class Fingerprint:
    path: str
    code: str
    message: str
    line_hash: str


def _relative(path: str, folder: Path) -> str:
    if path.startswith("<"):  # <stdin>: not a file
        return path
    try:
        return Path(os.path.relpath(os.path.abspath(path), folder)).as_posix()
    except ValueError:  # another drive (Windows): keep the path as it is
        return Path(path).as_posix()


def _line_hash(d: Diagnostic, sources: Mapping[str, str]) -> str:
    text = sources.get(d.span.path) if d.quote else None
    if text is None:
        return ""
    lines = text.split("\n")
    line = lines[d.span.line - 1] if 1 <= d.span.line <= len(lines) else ""
    return hashlib.sha256(" ".join(line.split()).encode("utf-8")).hexdigest()[:16]


def fingerprint(d: Diagnostic, sources: Mapping[str, str], folder: Path) -> Fingerprint:
    message = _POSITION.sub(lambda m: f"{m.group(1)} N", d.message)
    return Fingerprint(_relative(d.span.path, folder), d.code, message, _line_hash(d, sources))


def record(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str], folder: Path) -> str:
    """The baseline file's text for these findings."""
    counts = Counter(fingerprint(d, sources, folder) for d in diagnostics)
    findings = [
        {"code": f.code, "path": f.path, "message": f.message, "line_hash": f.line_hash, "count": n}
        for f, n in sorted(counts.items())
    ]
    return json.dumps({"version": VERSION, "findings": findings}, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Counter[Fingerprint]:
    """The fingerprints a baseline file holds, with their counts."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: not a baseline file (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f'{path}: not a baseline file of version {VERSION} ({{"version": 1, "findings": [...]}})')
    counts: Counter[Fingerprint] = Counter()
    for i, entry in enumerate(data["findings"]):
        fields = [entry.get(name) for name in _FIELDS] if isinstance(entry, dict) else []
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        strings = [v for v in fields if isinstance(v, str)]
        if len(strings) != len(_FIELDS) or type(count) is not int or count < 1:
            raise BaselineError(f"{path}: findings[{i}] needs code, path, message, line_hash and a count >= 1")
        code, where, message, line_hash = strings
        counts[Fingerprint(where, code, message, line_hash)] += count
    return counts


@dataclass(frozen=True, slots=True)
class Comparison:
    new: list[Diagnostic]  # not in the baseline: reported, and they decide the exit status
    known: int  # matched an entry of the baseline: not reported
    fixed: list[tuple[Fingerprint, int]]  # recorded but no longer found: the baseline can be updated


def compare(
    diagnostics: Iterable[Diagnostic], sources: Mapping[str, str], baseline: Counter[Fingerprint], folder: Path
) -> Comparison:
    """Which findings are new. An entry is "fixed" only when its file was checked in this run (`sources` holds
    every file read): a run over some files, as pre-commit makes, says nothing about the others."""
    checked = {_relative(path, folder) for path in sources}
    left = Counter(baseline)
    new: list[Diagnostic] = []
    known = 0
    for d in diagnostics:
        key = fingerprint(d, sources, folder)
        if left[key] > 0:
            left[key] -= 1
            known += 1
        else:
            new.append(d)
    fixed = sorted((key, n) for key, n in left.items() if n > 0 and key.path in checked)
    return Comparison(new, known, fixed)
