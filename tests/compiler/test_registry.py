"""The rule registry: every rule module is registered once, well coded, documented, and its examples hold.

Iterates whatever is registered, so a new rule is tested the moment it is added. A module of
compiler/rules/ that is not a rule (no CODE) is a helper shared by rules, `base`, or a sub-registry that
exports a RULES tuple; it must not look like half a rule (a check() without a CODE).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from ecconf.compiler import rules
from ecconf.compiler.checker import CheckOptions
from ecconf.compiler.diagnostics import Severity
from ecconf.pipeline import lint_paths

CODE = re.compile(r"^[A-Z]\d{3}$")
FIRST_LINE = re.compile(r"^(?P<code>[A-Z]\d{3}) (?P<name>[a-z0-9]+(?:-[a-z0-9]+)*): \S")
NEEDS_FILES = "Requires files."


def _modules() -> list[ModuleType]:
    names = sorted(info.name for info in pkgutil.iter_modules(rules.__path__))
    return [importlib.import_module(f"{rules.__name__}.{name}") for name in names]


def _rule_modules() -> list[ModuleType]:
    return [m for m in _modules() if hasattr(m, "CODE")]


def _id(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[1]


def example(doc: str, label: str) -> str | None:
    """The indented block that follows `Bad:` or `Good:` on a line of its own, dedented."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == f"{label}:":
            block: list[str] = []
            for following in lines[i + 1 :]:
                if following.strip() and not following[:1].isspace():
                    break
                block.append(following)
            text = textwrap.dedent("\n".join(block)).strip("\n")
            return text + "\n" if text else None
    return None


def test_every_rule_module_is_registered_once() -> None:
    registered = [m.__name__ for m in rules.ALL]
    assert len(registered) == len(set(registered)), "a rule is listed twice in rules.ALL"
    missing = [m.__name__ for m in _rule_modules() if m.__name__ not in registered]
    assert missing == [], f"rule modules not in rules.ALL: {missing}"


def test_non_rule_modules_are_not_half_rules() -> None:
    for module in _modules():
        if hasattr(module, "CODE"):
            continue
        name = _id(module)
        assert not hasattr(module, "check"), f"compiler/rules/{name}.py has check() but no CODE"
        sub = getattr(module, "RULES", None)
        if name != "__init__" and sub is not None:
            assert isinstance(sub, tuple) and all(hasattr(m, "CODE") for m in sub), f"{name}.RULES: rule modules"


def test_codes_are_unique_and_well_formed() -> None:
    codes = [m.CODE for m in rules.ALL]
    assert len(codes) == len(set(codes)), f"duplicate codes: {sorted(c for c in codes if codes.count(c) > 1)}"
    assert [c for c in codes if not CODE.match(c)] == []
    assert set(rules.RULES) == set(codes)
    assert all(rules.get(c.lower()) is rules.RULES[c] for c in codes)


@pytest.mark.parametrize("rule", rules.ALL, ids=_id)
def test_rule_is_documented(rule: ModuleType) -> None:
    doc = inspect.getdoc(rule) or ""
    first = FIRST_LINE.match(doc)
    assert first is not None, f"first docstring line must be `CODE name: summary`, got {doc[:60]!r}"
    assert first.group("code") == rule.CODE
    assert isinstance(rule.SUMMARY, str) and rule.SUMMARY.strip() and "\n" not in rule.SUMMARY
    assert isinstance(rule.DEFAULT_SEVERITY, Severity)
    assert callable(rule.check)
    assert example(doc, "Bad") is not None, "no indented `Bad:` block"
    assert example(doc, "Good") is not None, "no indented `Good:` block"


def _lint_codes(text: str, path: Path, code: str, check_files: bool) -> set[str]:
    if text.lstrip().startswith(("{", "[")) or text.strip() in ("", "null"):  # examples in ecconf's JSON form
        path = path.with_suffix(".json")
    path.write_text(text, encoding="utf-8")
    report = lint_paths([str(path)], CheckOptions(select=(code,), check_files=check_files))
    assert report.input_errors == []
    return {d.code for d in report.diagnostics}


@pytest.mark.parametrize("rule", rules.ALL, ids=_id)
def test_bad_example_yields_the_code_and_good_does_not(rule: ModuleType, tmp_path: Path) -> None:
    doc = inspect.getdoc(rule) or ""
    if NEEDS_FILES in doc:
        pytest.skip(f"{rule.CODE}: its examples need files on disk ({NEEDS_FILES!r})")
    bad, good = example(doc, "Bad"), example(doc, "Good")
    assert bad is not None and good is not None
    # The examples are linted without reading the files they name; a rule about those files (missing,
    # unreadable) may instead show its Bad example with file checks on, the files then being absent.
    found = _lint_codes(bad, tmp_path / "bad.conf", rule.CODE, check_files=False)
    if rule.CODE not in found:
        found = _lint_codes(bad, tmp_path / "bad.conf", rule.CODE, check_files=True)
    assert rule.CODE in found, (
        f"the Bad example of {rule.CODE} does not yield it (add {NEEDS_FILES!r} if it needs files)"
    )
    found = _lint_codes(good, tmp_path / "good.conf", rule.CODE, check_files=False)
    assert rule.CODE not in found, f"the Good example of {rule.CODE} yields it"


def test_example_extraction() -> None:
    doc = "X100 x: y.\n\nBad:\n    a {\n      b = 1\n\n    }\n\nGood:\n    a = 2\nAfter.\n"
    assert example(doc, "Bad") == "a {\n  b = 1\n\n}\n"
    assert example(doc, "Good") == "a = 2\n"
    assert example(doc, "Ugly") is None
