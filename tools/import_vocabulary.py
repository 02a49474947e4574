"""Bring compiler/data/ up to date with the facts extracted from Momentum 4's documentation.

Rule of this room: a maintainer's tool, run by hand (`python tools/import_vocabulary.py [VOCABULARY_DIR]`,
default `../shared/momentum_vocabulary` beside the checkout); nothing of ecconf imports it. It only adds
facts — names, scopes, defaults, module forms, value spellings — and never removes or rewrites a row
written by hand: a description, or a fact the extraction does not hold (3.x and mobile pages, pages that are
not option pages), stays as it is. tests/compiler/test_vocabulary_coverage.py checks that the data holds
every fact of the vocabulary, so a new extraction that is not imported fails a test.

- momentum_options.tsv: an option the pages document but the table lacks gets a row (its description is
  left empty for a person to write); a documented scope missing from a row is added; a name the table
  holds only as a scope while its page documents an option becomes an option.
- momentum_modules.tsv: one row per module page (name, `named`/`singleton`/`unknown` form, page).
- momentum_value_forms.tsv: the spellings a synopsis shows that the type implied by the default would
  refuse (`Blackhole = "inline"` beside `true`/`false`).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "compiler" / "data"
DEFAULT_VOCABULARY = REPO.parent / "shared" / "momentum_vocabulary"
OPTION_COLUMNS = ("option", "is_scope", "type", "default", "version", "scopes", "description")
# The pages' word for "any listener scope": the rows already name the listener scopes one by one.
GENERIC_SCOPES = frozenset({"listener"})
BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "enable", "disable"})
SYNOPSIS_FORM = re.compile(r'\s*[A-Za-z0-9_]+\s*=\s*"?([^"]*)"?\s*\Z')


def read_tsv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(comment lines, rows) of a tab-separated file whose comment lines start with '#'."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    comments = [line for line in text.splitlines() if line.startswith("#")]
    body = "\n".join(line for line in text.splitlines() if line and not line.startswith("#"))
    return comments, list(csv.DictReader(io.StringIO(body), delimiter="\t", quoting=csv.QUOTE_NONE))


def write_tsv(path: Path, comments: list[str], columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    lines = [*comments, "\t".join(columns)]
    lines += ["\t".join(row.get(c, "") for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _scopes(text: str, sep: str = ",") -> list[str]:
    return [s.strip().lower() for s in text.split(sep) if s.strip()]


def import_options(vocabulary: list[dict[str, str]]) -> int:
    path = DATA / "momentum_options.tsv"
    comments, rows = read_tsv(path)
    by_name: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_name.setdefault(row["option"].lower(), []).append(row)
    changed = 0
    for fact in vocabulary:
        name = fact["name"].lower()
        is_scope = fact["is_scope"].strip().lower() == "true"
        documented = [s for s in _scopes(fact["scopes"]) if s not in GENERIC_SCOPES]
        ours = [r for r in by_name.get(name, []) if (r["is_scope"] == "True") == is_scope]
        if not ours and not is_scope and by_name.get(name):
            ours = by_name[name]  # held as a scope, documented as an option
            for row in ours:
                row["is_scope"] = "False"
                row["default"] = row["default"] or fact["default"]
            changed += 1
        if not ours:
            since = fact.get("since", "").strip()
            row = {
                "option": name,
                "is_scope": str(is_scope),
                "type": "na",
                "default": fact["default"],
                "version": since,
                "scopes": ", ".join(documented),
                "description": "",
            }
            rows.append(row)
            by_name[name] = [row]
            changed += 1
            continue
        held = {s for r in ours for s in _scopes(r["scopes"])}
        missing = [s for s in documented if s not in held]
        if missing:
            ours[0]["scopes"] = ", ".join(sorted({*_scopes(ours[0]["scopes"]), *missing}))
            changed += 1
    write_tsv(path, comments, OPTION_COLUMNS, rows)
    return changed


def import_modules(modules: list[dict[str, str]]) -> int:
    path = DATA / "momentum_modules.tsv"
    comments, rows = read_tsv(path)
    known = {row["module"].lower(): row for row in rows}
    changed = 0
    for fact in modules:
        name = fact["module"].strip().lower()
        row = known.get(name)
        if row is None:
            row = known[name] = {"module": name, "form": "", "source": ""}
            rows.append(row)
        update = {"form": fact["form"].strip(), "source": fact["source"].strip().removeprefix("content/momentum/")}
        if any(row[k] != v for k, v in update.items()):
            row.update(update)
            changed += 1
    write_tsv(path, comments, ("module", "form", "source"), rows)
    return changed


def _forms(synopsis: str) -> list[str]:
    """`Blackhole = "false" | Blackhole = "inline"` -> ["false", "inline"]; `x = "a|b"` -> ["a", "b"]."""
    out: list[str] = []
    for part in synopsis.split(" | "):
        found = SYNOPSIS_FORM.match(part)
        if found is not None:
            out += [w.strip() for w in found.group(1).split("|") if w.strip()]
    return out


def import_value_forms(vocabulary: list[dict[str, str]]) -> int:
    """Spellings beside true/false that a boolean option's synopsis shows (numbers need no entry here)."""
    path = DATA / "momentum_value_forms.tsv"
    comments, rows = read_tsv(path)
    known = {row["option"].lower(): row for row in rows}
    changed = 0
    for fact in vocabulary:
        if fact["default"].strip().lower() not in ("true", "false"):
            continue
        extra = [f.lower() for f in _forms(fact["synopsis"]) if f.lower() not in BOOLEAN_WORDS]
        if not extra:
            continue
        forms = "|".join(dict.fromkeys(["boolean", *extra]))
        name = fact["name"].lower()
        source = fact["source"].strip().removeprefix("content/momentum/") + " (synopsis)"
        row = known.get(name)
        if row is None:
            rows.append({"option": name, "forms": forms, "source": source})
            changed += 1
        elif row["forms"] != forms:
            row.update(forms=forms, source=source)
            changed += 1
    write_tsv(path, comments, ("option", "forms", "source"), rows)
    return changed


def main(argv: list[str]) -> int:
    vocabulary_dir = Path(argv[0]) if argv else DEFAULT_VOCABULARY
    options_path, modules_path = vocabulary_dir / "options.tsv", vocabulary_dir / "modules.tsv"
    if not options_path.is_file() or not modules_path.is_file():
        print(f"no vocabulary in {vocabulary_dir} (options.tsv and modules.tsv)", file=sys.stderr)
        return 2
    options = read_tsv(options_path)[1]
    print(f"momentum_options.tsv: {import_options(options)} changes")
    print(f"momentum_modules.tsv: {import_modules(read_tsv(modules_path)[1])} changes")
    print(f"momentum_value_forms.tsv: {import_value_forms(options)} changes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
