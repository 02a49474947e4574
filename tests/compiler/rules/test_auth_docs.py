"""The A4xx rules' documentation: every Bad example raises its code, every Good example does not.

Also home of `lint()`, the small helper the other test_auth_* modules import: it runs one rule over config
text as if the text were the file at `path` (so relative file: URIs resolve next to it).
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from ecconf.compiler import rules as registry
from ecconf.compiler.build import build
from ecconf.compiler.context import CheckContext
from ecconf.compiler.diagnostics import Diagnostic
from ecconf.compiler.includes import load_text
from ecconf.compiler.option_table import table

AUTH_RULES = tuple(rule for rule in registry.ALL if rule.CODE.startswith("A4"))

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "auth"


def lint(rule: ModuleType, text: str, path: Path | str, *, check_files: bool = True) -> list[Diagnostic]:
    loaded = load_text(textwrap.dedent(text).lstrip("\n"), str(path))
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), list(loaded.problems), check_files)
    return list(rule.check(ctx))


def places(diagnostics: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.span.line, d.span.column) for d in diagnostics]


def doc_blocks(rule: ModuleType) -> tuple[str, str]:
    doc = rule.__doc__ or ""
    bad = re.search(r"^Bad:\n(.*?)(?=^\S)", doc, re.S | re.M)
    good = re.search(r"^Good:\n(.*)", doc, re.S | re.M)
    assert bad and good, f"{rule.CODE} documents no Bad/Good example"
    return textwrap.dedent(bad.group(1)), textwrap.dedent(good.group(1))


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A private copy of samples/auth, with the modes the examples assume (git keeps no permission bits)."""
    target = tmp_path / "auth"
    shutil.copytree(SAMPLES, target)
    for password_file in (target / "passwords").iterdir():
        password_file.chmod(0o600)
    (target / "passwords" / "world-readable.txt").chmod(0o644)
    return target


@pytest.mark.parametrize("rule", AUTH_RULES, ids=lambda r: r.CODE)
def test_bad_example_raises_the_code_and_good_does_not(rule: ModuleType, samples: Path) -> None:
    bad, good = doc_blocks(rule)
    (samples / "example.conf").write_text(bad, encoding="utf-8")  # A420 judges the mode of the file itself
    (samples / "example.conf").chmod(0o644)
    assert lint(rule, bad, samples / "example.conf"), f"{rule.CODE}: Bad example is clean"
    assert lint(rule, good, samples / "example.conf") == [], f"{rule.CODE}: Good example is not clean"


@pytest.mark.parametrize("rule", AUTH_RULES, ids=lambda r: r.CODE)
def test_docstring_first_line_names_code_and_summary(rule: ModuleType) -> None:
    first = (rule.__doc__ or "").splitlines()[0]
    assert first.startswith(f"{rule.CODE} auth-"), first
    assert rule.SUMMARY and "\n" not in rule.SUMMARY


def test_codes_are_unique_and_every_auth_rule_module_is_registered() -> None:
    codes = [rule.CODE for rule in AUTH_RULES]
    assert len(codes) == len(set(codes))
    folder = Path(registry.__file__).parent
    modules = {p.stem for p in folder.glob("auth_*.py")} - {"auth_offers"}
    assert modules == {rule.__name__.rsplit(".", 1)[1] for rule in AUTH_RULES}


@pytest.mark.parametrize("rule", AUTH_RULES, ids=lambda r: r.CODE)
def test_examples_work_in_place_in_samples_auth(rule: ModuleType) -> None:
    """As the project's generic docstring test sees them: linted as a file in samples/auth, no copying."""
    bad, good = doc_blocks(rule)
    world_readable = (SAMPLES / "passwords" / "world-readable.txt").stat().st_mode & 0o004
    if rule.CODE != "A420" and (rule.CODE != "A412" or world_readable):  # A420's Bad example: a file of its own
        assert lint(rule, bad, SAMPLES / "example.conf")
    assert lint(rule, good, SAMPLES / "example.conf") == []


@pytest.mark.parametrize("rule", AUTH_RULES, ids=lambda r: r.CODE)
def test_submission_sample_is_clean(rule: ModuleType, samples: Path) -> None:
    text = (samples / "submission.conf").read_text()
    assert lint(rule, text, samples / "submission.conf") == []
