"""Momentum's documented options, as data: name, default, the scopes each is valid in, its module stanzas, and
the value spellings the documentation shows beyond the type a default implies.

Rule of this room: the tables are data files beside this module (compiler/data/*.tsv), and for ecconf's own
options the descriptions of vocabulary.py; this module only loads them and answers questions about names,
case-insensitively. What an option *means* is models.py's and the rules' business.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

from .vocabulary import TERMS

DATA_FILES = ("momentum_options.tsv", "ecconf_options.tsv")
# Every module stanza the documentation configures; each is a scope of the global level.
MODULES_FILE = "momentum_modules.tsv"
# Documented spellings beyond the type the default implies (`Blackhole = "inline"`, `true` for a 0/1 flag).
VALUE_FORMS_FILE = "momentum_value_forms.tsv"

# Scopes whose contents ecconf knows completely enough to call an unknown name a mistake.
CHECKED_SCOPES = frozenset({"global", "esmtp_listener", "listen", "peer"})
# "Did you mean": how alike (difflib's ratio) a documented name must be. Answers are remembered, up to a
# bound: a config of 50 000 misspelled names asks the same few questions many times (and two rules ask each).
SUGGEST_CUTOFF = 0.75
SUGGEST_MEMORY = 65536
# "A typo of": a name this few edits (insert, delete, replace, swap two neighbours) away from a known one.
# Short names get one edit: at two, `as_logger` would be a typo of `ec_logger` and `smpp` of `SNMP`, both
# modules of their own. From TYPO_LONG characters on (underscores dropped), two.
TYPO_LONG = 10


@dataclass(frozen=True, slots=True)
class OptionInfo:
    name: str  # as the documentation writes it
    is_scope: bool
    default: str
    scopes: frozenset[str]
    description: str
    module_form: str = ""  # a module stanza: "named", "singleton" or "unknown" (the page shows none)
    forms: tuple[str, ...] = ()  # ("flag",) or ("boolean", "inline", ...): see momentum_value_forms.tsv

    @property
    def key(self) -> str:
        return self.name.lower()


class OptionTable:
    def __init__(self, rows: list[OptionInfo]) -> None:
        self._options: dict[str, OptionInfo] = {}
        self._scopes: dict[str, OptionInfo] = {}
        self._folded: dict[tuple[str, bool], dict[str, str]] = {}
        self._suggested: dict[tuple[str, str, bool], str | None] = {}
        self._typos: dict[tuple[str, str, bool, str], str | None] = {}
        for row in rows:
            target = self._scopes if row.is_scope else self._options
            known = target.get(row.key)
            if known is not None:  # a second row widens the scopes (the documentation splits some)
                row = OptionInfo(
                    known.name,
                    row.is_scope,
                    known.default or row.default,
                    known.scopes | row.scopes,
                    known.description or row.description,
                    known.module_form or row.module_form,
                    known.forms or row.forms,
                )
            target[row.key] = row

    def option(self, name: str) -> OptionInfo | None:
        return self._options.get(name.lower())

    def scope(self, name: str) -> OptionInfo | None:
        return self._scopes.get(name.lower())

    def names_in(self, scope_kind: str, *, scopes: bool) -> list[str]:
        table = self._scopes if scopes else self._options
        return [info.name for info in table.values() if scope_kind in info.scopes]

    def suggest(self, name: str, scope_kind: str, *, scopes: bool = False) -> str | None:
        """The closest documented name valid in `scope_kind`, for "did you mean".

        Compares lower-case names; underscores are dropped too, so `SMTPExtensions` finds `smtp_extensions`."""
        query = name.lower().replace("_", "")
        folded = self._folded_names(scope_kind, scopes)
        longest = max(map(len, folded), default=0)
        # difflib's ratio is at most 2*shorter/(sum of lengths): a name this long cannot reach the cut-off
        # (and a 10 MB name must not be compared character by character with every documented one).
        if len(query) * SUGGEST_CUTOFF > longest * (2 - SUGGEST_CUTOFF):
            return None
        key = (query, scope_kind, scopes)
        if key not in self._suggested:
            if len(self._suggested) >= SUGGEST_MEMORY:
                self._suggested.clear()
            close = difflib.get_close_matches(query, list(folded), n=1, cutoff=SUGGEST_CUTOFF)
            self._suggested[key] = folded[close[0]] if close else None
        return self._suggested[key]

    def typo_of(self, name: str, scope_kind: str, *, scopes: bool = False) -> str | None:
        """The documented name valid in `scope_kind` that `name` is a small misspelling of (not `name` itself
        in another case), or None. Closeness is a count of edits, not a similarity ratio (see TYPO_LONG)."""
        query = name.lower().replace("_", "")
        budget = 1 if len(query) < TYPO_LONG else 2
        key = (query, scope_kind, scopes, "typo")
        if key not in self._typos:
            if len(self._typos) >= SUGGEST_MEMORY:
                self._typos.clear()
            found = None
            for folded, documented in self._folded_names(scope_kind, scopes).items():
                if abs(len(folded) - len(query)) <= budget and _edits(query, folded, budget) <= budget:
                    found = documented
                    break
            self._typos[key] = found
        return self._typos[key]

    def _folded_names(self, scope_kind: str, scopes: bool) -> dict[str, str]:
        key = (scope_kind, scopes)
        if key not in self._folded:
            candidates = self.names_in(scope_kind, scopes=scopes)
            self._folded[key] = {c.lower().replace("_", ""): c for c in candidates}
        return self._folded[key]


def _edits(a: str, b: str, budget: int) -> int:
    """Edits from a to b (optimal string alignment: insert, delete, replace, swap neighbours), or budget + 1 as
    soon as every alignment needs more than `budget`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > budget:
            return budget + 1
        previous2, previous = previous, current
    return previous[-1]


def _rows(text: str) -> list[OptionInfo]:
    out = []
    for row in _records(text):
        scopes = frozenset(s.strip().lower() for s in (row.get("scopes") or "").split(",") if s.strip())
        out.append(
            OptionInfo(
                name=row["option"].strip(),
                is_scope=(row.get("is_scope") or "").strip().lower() == "true",
                default=(row.get("default") or "").strip(),
                scopes=scopes,
                description=(row.get("description") or "").strip(),
            )
        )
    return out


@lru_cache(maxsize=1)
def table() -> OptionTable:
    rows: list[OptionInfo] = []
    data = resources.files(__package__).joinpath("data")
    for name in DATA_FILES:
        rows.extend(_rows(_read(data, name)))
    rows.extend(_module_rows(_read(data, MODULES_FILE)))
    forms = _value_forms(_read(data, VALUE_FORMS_FILE))
    rows = [replace(row, forms=forms[row.key]) if not row.is_scope and row.key in forms else row for row in rows]
    # ecconf's own options say what they do in vocabulary.py, written once there.
    ours = {t.spelling.lower(): t.description for t in TERMS if t.origin == "ecconf"}
    rows = [replace(row, description=ours[row.key]) if not row.is_scope and row.key in ours else row for row in rows]
    return OptionTable(rows)


def _read(data: Traversable, name: str) -> str:
    entry = data.joinpath(name)
    return entry.read_text(encoding="utf-8") if entry.is_file() else ""


def _records(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE))


def _module_rows(text: str) -> list[OptionInfo]:
    out = []
    for row in _records(text):
        name = row["module"].strip()
        form = (row.get("form") or "").strip() or "unknown"
        description = f"Momentum's {name} module ({(row.get('source') or '').strip()})"
        out.append(OptionInfo(name, True, "", frozenset({"global"}), description, module_form=form))
    return out


def _value_forms(text: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for row in _records(text):
        words = tuple(w.strip().lower() for w in (row.get("forms") or "").split("|") if w.strip())
        if words:
            out[row["option"].strip().lower()] = words
    return out
