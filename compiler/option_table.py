"""Momentum's documented options, as data: name, default, the scopes each is valid in.

Rule of this room: the tables are data files beside this module (compiler/data/*.tsv); this module only
loads them and answers questions about names, case-insensitively. What an option *means* is models.py's and
the rules' business.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

DATA_FILES = ("momentum_options.tsv", "ecconf_options.tsv")

# Scopes whose contents ecconf knows completely enough to call an unknown name a mistake.
CHECKED_SCOPES = frozenset({"global", "esmtp_listener", "listen", "peer"})
# "Did you mean": how alike (difflib's ratio) a documented name must be. Answers are remembered, up to a
# bound: a config of 50 000 misspelled names asks the same few questions many times (and two rules ask each).
SUGGEST_CUTOFF = 0.75
SUGGEST_MEMORY = 65536


@dataclass(frozen=True, slots=True)
class OptionInfo:
    name: str  # as the documentation writes it
    is_scope: bool
    default: str
    scopes: frozenset[str]
    description: str

    @property
    def key(self) -> str:
        return self.name.lower()


class OptionTable:
    def __init__(self, rows: list[OptionInfo]) -> None:
        self._options: dict[str, OptionInfo] = {}
        self._scopes: dict[str, OptionInfo] = {}
        self._folded: dict[tuple[str, bool], dict[str, str]] = {}
        self._suggested: dict[tuple[str, str, bool], str | None] = {}
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

    def _folded_names(self, scope_kind: str, scopes: bool) -> dict[str, str]:
        key = (scope_kind, scopes)
        if key not in self._folded:
            candidates = self.names_in(scope_kind, scopes=scopes)
            self._folded[key] = {c.lower().replace("_", ""): c for c in candidates}
        return self._folded[key]


def _rows(text: str) -> list[OptionInfo]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE)
    out = []
    for row in reader:
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
        entry = data.joinpath(name)
        if entry.is_file():
            rows.extend(_rows(entry.read_text(encoding="utf-8")))
    return OptionTable(rows)
