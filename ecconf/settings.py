"""Project settings for `ecconf lint`: `.ecconf.toml`, or `[tool.ecconf]` in `pyproject.toml`.

Rule of this room: read and validate one settings file, nothing else. A settings file is found by searching
upward from the first linted path (a file's folder, a directory itself, the working directory for `-`); in
each folder `.ecconf.toml` wins over `pyproject.toml`, and a `pyproject.toml` without `[tool.ecconf]` is passed
over, as ruff does. Every mistake (TOML syntax, an unknown key, a wrong type, a code that matches no rule) is a
SettingsError naming the file, and the command exits 2: a settings file that is half-understood must never
lint more leniently than its author meant.

Patterns (`exclude`, `extend-exclude`, `per-file-ignores`) and the `baseline` file are relative to the folder
of the settings file.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAMES = (".ecconf.toml", "pyproject.toml")


class SettingsError(Exception):
    """A settings file that cannot be used; the message names the file (and the key)."""


@dataclass(frozen=True)
class Settings:
    path: str | None = None  # the file these came from; None: no settings file
    select: tuple[str, ...] | None = None  # None: not set
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Any], ...] = ()  # (code prefix, Severity)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (absolute glob, code prefixes)
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    check_files: bool | None = None
    strict: bool | None = None
    output_format: str | None = None
    baseline: str | None = None  # the --baseline file, relative to the settings file's folder
    docs_url: str | None = None  # where the rule pages are (an absolute URL; docs_links.rule_doc_uri)


def find(start: str) -> Path | None:
    """The settings file that governs `start`, searching upward; None when there is none."""
    here = Path(os.path.abspath(start if start != "-" else "."))
    folder = here if here.is_dir() else here.parent
    for candidate in (folder, *folder.parents):
        for name in FILE_NAMES:
            path = candidate / name
            if path.is_file() and (name != "pyproject.toml" or _has_tool_table(path)):
                return path
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # someone else's broken pyproject: not ours to judge unless it names [tool.ecconf]
    return isinstance(data.get("tool"), dict) and "ecconf" in data["tool"]


def _table(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not valid UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("ecconf", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise SettingsError(f"{path}: [tool.ecconf] must be a table")
    return data


def _strings(path: Path, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingsError(f"{path}: {key} must be a list of strings")
    return tuple(value)


def _flag(path: Path, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{path}: {key} must be true or false")
    return value


def load(
    path: Path,
    known_prefix: Callable[[str], str],
    parse_level: Callable[[str], Any],
    formats: tuple[str, ...],
) -> Settings:
    """The settings in `path`, validated. `known_prefix` checks a code (ValueError with a did-you-mean),
    `parse_level` turns error/warning/info into a level (ValueError): the checker's own, passed in so that
    this room holds no knowledge of the rules."""
    data = _table(path)
    base = path.parent

    def codes(key: str, value: object) -> tuple[str, ...]:
        try:
            return tuple(known_prefix(code) for code in _strings(path, key, value))
        except ValueError as exc:
            raise SettingsError(f"{path}: {key}: {exc}") from None

    values: dict[str, Any] = {"path": str(path)}
    readers: dict[str, Callable[[str, object], None]] = {
        "select": lambda k, v: values.__setitem__("select", codes(k, v)),
        "ignore": lambda k, v: values.__setitem__("ignore", codes(k, v)),
        "severity": lambda k, v: values.__setitem__("severity", _severity(path, k, v, codes, parse_level)),
        "per-file-ignores": lambda k, v: values.__setitem__("per_file_ignores", _per_file(path, base, k, v, codes)),
        "exclude": lambda k, v: values.__setitem__("exclude", _patterns(base, _strings(path, k, v))),
        "extend-exclude": lambda k, v: values.__setitem__("extend_exclude", _patterns(base, _strings(path, k, v))),
        "check-files": lambda k, v: values.__setitem__("check_files", _flag(path, k, v)),
        "strict": lambda k, v: values.__setitem__("strict", _flag(path, k, v)),
        "output-format": lambda k, v: values.__setitem__("output_format", _format(path, k, v, formats)),
        "baseline": lambda k, v: values.__setitem__("baseline", _file(path, base, k, v)),
        "docs-url": lambda k, v: values.__setitem__("docs_url", _url(path, k, v)),
    }
    for key, value in data.items():
        reader = readers.get(key) or readers.get(key.replace("_", "-"))
        if reader is None:
            close = difflib.get_close_matches(key, list(readers), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(readers)}"
            raise SettingsError(f"{path}: unknown key {key!r}{hint}")
        reader(key, value)
    return Settings(**values)


def _severity(
    path: Path, key: str, value: object, codes: Callable[[str, object], tuple[str, ...]], level: Callable[[str], Any]
) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, dict):
        raise SettingsError(f'{path}: {key} must be a table of CODE = "error" | "warning" | "info"')
    out = []
    for code, word in value.items():
        try:
            out.append((codes(key, [code])[0], level(word if isinstance(word, str) else "")))
        except ValueError:
            raise SettingsError(f"{path}: {key}.{code} must be one of error, warning, info") from None
    return tuple(out)


def _per_file(
    path: Path, base: Path, key: str, value: object, codes: Callable[[str, object], tuple[str, ...]]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise SettingsError(f'{path}: {key} must be a table of "GLOB" = ["CODE", ...]')
    return tuple((_anchored(base, pattern), codes(f"{key}.{pattern}", item)) for pattern, item in value.items())


def _patterns(base: Path, patterns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_anchored(base, p) for p in patterns)


def _anchored(base: Path, pattern: str) -> str:
    """A pattern with no `/` matches a file name anywhere below (`fragments.conf`); others are relative."""
    if "/" not in pattern:
        return pattern
    return str(base / pattern)


def _file(path: Path, base: Path, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{path}: {key} must be a file name (relative to {base})")
    return str(base / value)


def _url(path: Path, key: str, value: object) -> str:
    from .docs_links import docs_url_problem

    if not isinstance(value, str):
        raise SettingsError(f"{path}: {key} must be a URL")
    problem = docs_url_problem(value)
    if problem is not None:
        raise SettingsError(f"{path}: {key}: {problem}")
    return value


def _format(path: Path, key: str, value: object, formats: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in formats:
        raise SettingsError(f"{path}: {key} must be one of {', '.join(formats)}")
    return value
