"""The rule pages in docs/rules/: generated from the docstrings by `ecconf rules --write-docs`, kept fresh, and
linked from the text format's `--show-docs` (SARIF's helpUri: tests/test_lint_outputs.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rule_docs import RuleInfo, body_markdown, index, page

CHECKOUT = Path(__file__).resolve().parent.parent
DOCS = CHECKOUT / "docs" / "rules"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-m", "ecconf", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def test_the_committed_pages_are_what_the_docstrings_generate(tmp_path: Path) -> None:
    done = run("rules", "--write-docs", str(tmp_path / "rules"))
    assert done.returncode == 0, done.stderr
    fresh = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "rules").iterdir()}
    committed = {p.name: p.read_text(encoding="utf-8") for p in DOCS.iterdir()}
    stale = sorted(name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name))
    assert stale == [], f"docs/rules is stale ({', '.join(stale)}): run `ecconf rules --write-docs docs/rules`"
    assert "A413.md" in fresh and "README.md" in fresh


def test_a_page_has_code_name_severity_summary_and_the_examples() -> None:
    text = (DOCS / "A413.md").read_text(encoding="utf-8")
    assert text.startswith("# A413 auth-cleartext-without-tls\n\nLOGIN or PLAIN is offered on a Listen before any TLS.")
    for fact in ("- **Code:** `A413`", "- **Default severity:** warning", "- **Summary:** LOGIN or PLAIN offered"):
        assert fact in text
    assert "**Bad**\n```text\nESMTP_Listener {\n" in text and "**Good**\n```text\n" in text
    assert "| [A413](A413.md) | `auth-cleartext-without-tls` | warning |" in (DOCS / "README.md").read_text()


def test_every_fixable_rule_s_page_says_what_its_fix_does() -> None:
    from ecconf.compiler.fixes import FIXES

    listing = (DOCS / "README.md").read_text(encoding="utf-8")
    for page_file in sorted(DOCS.glob("[A-Z][0-9][0-9][0-9].md")):
        code = page_file.stem
        text = page_file.read_text(encoding="utf-8")
        row = next(line for line in listing.splitlines() if line.startswith(f"| [{code}]"))
        if code in FIXES:
            assert f"- **Fix:** {FIXES[code][0]} (`ecconf lint --fix`; `--diff` shows it)" in text, code
            assert row.endswith(" (fixable) |"), row
        else:
            assert "**Fix:**" not in text and "(fixable)" not in row, code
    assert run("rules", "--format", "json", "E305").stdout.count('"fix": "clears the host bits') == 1


def test_markdown_keeps_angle_brackets_stars_and_code_literal() -> None:
    doc = (
        "X100 x: a thing.\n\nAuth<Mech>Parameters and Auth*Parameters, `a<b*c`.\n\nBad:\n    a = ```\n\n    b\nGood:\n"
    )
    body = body_markdown(doc)
    assert "Auth&lt;Mech>Parameters and Auth\\*Parameters, `a<b*c`." in body
    assert "**Bad**\n````text\na = ```\n\nb\n````\n\n**Good**\n" in body  # a longer fence, blank line kept
    info = RuleInfo("X100", "x", "a | b", doc, Severity.INFO)
    assert "| [X100](X100.md) | `x` | info | a \\| b |" in index([info])
    assert page(info).startswith("# X100 x\n\na thing.\n")


def test_write_docs_removes_pages_of_gone_codes_and_keeps_other_files(tmp_path: Path) -> None:
    (tmp_path / "Z999.md").write_text("old", encoding="utf-8")
    (tmp_path / "notes.md").write_text("mine", encoding="utf-8")
    done = run("rules", "--write-docs", str(tmp_path))
    assert done.returncode == 0 and "wrote" in done.stdout
    assert not (tmp_path / "Z999.md").exists() and (tmp_path / "notes.md").read_text() == "mine"
    assert run("rules", "E203", "--write-docs", str(tmp_path)).returncode == 2


def test_show_docs_links_each_finding_to_its_page(tmp_path: Path) -> None:
    (tmp_path / "d.conf").write_text('Hostname = "x"\nHostname = "y"\n', encoding="utf-8")
    done = run("lint", "--isolated", "--show-docs", "d.conf", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    links = [line for line in done.stdout.splitlines() if line.startswith("  docs: ")]
    assert links == [f"  docs: {(DOCS / 'E203.md').as_uri()}"]
    assert "docs:" not in run("lint", "--isolated", "d.conf", cwd=tmp_path).stdout
