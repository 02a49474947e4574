"""Deterministic fixes for findings: edits of a file's text, made on its lossless tree (grammar/cst.py).

Rule of this room: a fix changes the bytes of the finding it fixes and nothing else in the file, and it is
kept only when the config, checked again with the fix in place (nothing written yet), still parses and has
exactly the findings it had, less the fixed one (compared by code, file and message, which never hold a
position). Fixes whose edits do not overlap are checked together, and one at a time when together they change
more; the config is checked again after each step, as one fix can move what the next one edits. One fix may
settle several findings of its rule: those whose place lies in the text it rewrites (one array of straightened
quotes, compiler/fix_quotes.py). A fix that rewrites the model rather than a spelling (A409,
compiler/fix_legacy.py) is tried alone, must leave the server the config describes the same, and compares the
other findings by code and file, as those that name what it rewrote are reworded. The fixable rules and what
their fix does are FIXES; `ecconf rules` says which.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..grammar.cst import Tree
from .build import Built
from .checker import CheckOptions, check
from .diagnostics import Diagnostic
from .edits import Edit, apply, removal, statement_at, token_at
from .fix_legacy import legacy_extension, same_server
from .fix_quotes import typographic_quotes
from .includes import Loaded, load
from .option_table import SUGGEST_CUTOFF, table
from .source_trees import trees as trees_of
from .to_text import SCOPE_SPELLING, SPELLING
from .transform import unescape
from .values import to_cidr

MAX_FIXES = 5000  # per config: past this many, what remains is reported, unfixed


Fixer = Callable[[Diagnostic, Mapping[str, Tree], Built], list[Edit] | None]  # (finding, trees, built config)


def _cidr_host_bits(finding: Diagnostic, trees: Mapping[str, Tree], _built: Built | None = None) -> list[Edit] | None:
    """E305: `10.0.0.1/8` -> `10.0.0.0/8`, the network it is read as (quoted or bare, as written)."""
    found = token_at(trees, finding.span.path, finding.span.line, finding.span.column)
    if found is None or found[1].kind not in ("STRING", "WORD"):
        return None
    token = found[1]
    written = unescape(token.text) if token.kind == "STRING" else token.text
    try:
        cidr = to_cidr(written)
    except ValueError:
        return None
    if not cidr.had_host_bits or written != written.strip():
        return None
    network = str(cidr.network)
    return [Edit(finding.span.path, token.start, token.end, f'"{network}"' if token.kind == "STRING" else network)]


_SPELT = {name.lower(): name for name in (*SPELLING.values(), *SCOPE_SPELLING.values())}
_DID_YOU_MEAN = re.compile(r"did you mean '([^'\\]+)'\?\Z")


def _unknown_name(finding: Diagnostic, trees: Mapping[str, Tree], _built: Built | None = None) -> list[Edit] | None:
    """E201: a misspelt option or scope name is renamed to the documented one, when exactly one documented
    name valid there is close to it (the one the finding suggests)."""
    found = _DID_YOU_MEAN.search(finding.hint)
    place = token_at(trees, finding.span.path, finding.span.line, finding.span.column)
    if found is None or place is None or place[1].kind != "WORD":
        return None
    tree, token = place
    statement = statement_at(tree.root, token.start, ("option", "scope"))
    if statement is None or statement.first_token() is not token:
        return None
    suggestion = found.group(1)
    is_scope = statement.kind == "scope"
    info = table().scope(suggestion) if is_scope else table().option(suggestion)
    if info is None:
        return None
    query = token.text.lower().replace("_", "")
    for kind in info.scopes:
        if table().suggest(token.text, kind, scopes=is_scope) == suggestion:
            folded = [n.lower().replace("_", "") for n in table().names_in(kind, scopes=is_scope)]
            if len(difflib.get_close_matches(query, folded, n=2, cutoff=SUGGEST_CUTOFF)) == 1:
                spelt = _SPELT.get(suggestion.lower(), suggestion)  # Momentum's spelling, where ecconf has it
                return [Edit(finding.span.path, token.start, token.end, spelt)]
    return None


def _duplicate_option(finding: Diagnostic, trees: Mapping[str, Tree], _built: Built | None = None) -> list[Edit] | None:
    """E203: the earlier assignment, which the later one shadows, is removed with its line (and a comment on
    that line); the value in force does not change."""
    if not finding.related:
        return None
    earlier = finding.related[0].span
    tree = trees.get(earlier.path)
    if tree is None:
        return None
    node = statement_at(tree.root, tree.offset(earlier.line, earlier.column), ("option",))
    if node is None:
        return None
    return [removal(tree, earlier.path, node)]


FIXES: dict[str, tuple[str, Fixer]] = {
    "A409": ('the legacy extension pair becomes "AUTH X" items of the SMTP_Extensions in force', legacy_extension),
    "E201": ("renames a misspelt name to the one documented name close to it", _unknown_name),
    "E105": (
        "typographic quotes that delimit a string become straight ones (never those a string holds as text)",
        typographic_quotes,
    ),
    "E203": ("removes the earlier assignment, which the later one shadows, with its line", _duplicate_option),
    "E305": ("clears the host bits: writes the network the text is read as", _cidr_host_bits),
}


# Fixes that change the model, not only the text: kept only when the server described stays the same.
SAME_SERVER = frozenset({"A409"})


def _key(finding: Diagnostic) -> tuple[str, str, str]:
    return (finding.code, finding.span.path, finding.message)


def _place(finding: Diagnostic) -> tuple[str, str, str]:
    return (finding.code, finding.span.path, "")


@dataclass
class Fixed:
    texts: dict[str, str] = field(default_factory=dict)  # path -> its new text, for every file changed
    fixed: list[Diagnostic] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)  # of a fixable rule, not fixed (see above)


def fix_config(
    root: str, options: CheckOptions, texts: dict[str, str] | None = None, codes: frozenset[str] | None = None
) -> Fixed:
    """Fix what can be fixed in one config (its root file and includes). `texts`: files already changed by
    an earlier root, used in place of the files; `codes`: only these fixes (default: all).

    Each round takes every fixable finding whose edits overlap no other's and tries them all at once (one
    check, the common case); when that changes more than those findings, they are tried one at a time."""
    out = Fixed(texts=dict(texts or {}))
    wanted = codes if codes is not None else frozenset(FIXES)
    state = _State(root, options, *_check(root, out.texts, options), out.texts)
    passed_over: set[tuple[str, str, str, int, int]] = set()  # tried where they now are, and not fixed
    while len(out.fixed) < MAX_FIXES:
        trees = _trees(state.loaded)
        batch: list[tuple[Diagnostic, list[Edit]]] = []
        taken = _Taken()
        for finding in state.findings:
            place = (*_key(finding), finding.span.line, finding.span.column)
            if finding.code not in wanted or place in passed_over:
                continue
            tree = trees.get(finding.span.path)
            at = -1 if tree is None else tree.offset(finding.span.line, finding.span.column)
            if taken.holds(finding.span.path, at, finding.code):
                continue  # a fix in the batch rewrites its place: settled with it, or tried next round
            edits = FIXES[finding.code][1](finding, trees, state.built)
            if not edits:
                passed_over.add(place)
            elif not any(taken.overlaps(e) for e in edits):
                batch.append((finding, edits))
                for edit in edits:
                    taken.add(edit, finding.code)
        batch = batch[: MAX_FIXES - len(out.fixed)]
        if not batch:
            break
        done = state.attempt(batch, trees) if len(batch) > 1 else None
        if done is not None:
            out.fixed.extend(done)
        else:
            for finding, edits in batch:
                done = state.attempt([(finding, edits)], trees)
                if done is not None:
                    out.fixed.extend(done)
                    break
                passed_over.add((*_key(finding), finding.span.line, finding.span.column))
            else:
                continue  # none of them: the others left are tried in the next round
        passed_over.clear()  # places have moved: what failed before is tried again where it now is
    out.texts = state.texts
    out.remaining = [f for f in state.findings if f.code in wanted]
    return out


def _overlap(a: Edit, b: Edit) -> bool:
    return a.path == b.path and a.start < b.end and b.start < a.end


@dataclass
class _State:
    """The config as the fixes so far leave it (texts in memory, nothing written), and its findings."""

    root: str
    options: CheckOptions
    loaded: Loaded
    built: Built
    findings: list[Diagnostic]
    texts: dict[str, str]

    def attempt(self, batch: list[tuple[Diagnostic, list[Edit]]], trees: Mapping[str, Tree]) -> list[Diagnostic] | None:
        """Apply the batch's edits if the config then has exactly its findings less the fixed ones: those of
        the batch, and the findings of the same rule inside the text a fix rewrites (one straightened array
        settles every E105 in it). Returns what was fixed, or None (nothing applied)."""
        edits = [e for _, found in batch for e in found]
        candidate = dict(self.texts)
        for path in {e.path for e in edits}:
            text = self.loaded.texts[path]
            candidate[path] = apply(text, trees[path].bom, [e for e in edits if e.path == path])
        model_fix = any(f.code in SAME_SERVER for f, _ in batch)
        if model_fix and len(batch) > 1:
            return None  # tried alone, below
        loaded, built, findings = _check(self.root, candidate, self.options)
        # A fix of the model may reword the findings that name what it rewrote ("advertised by
        # extension_argument" becomes "by SMTP_Extensions"): those compare by code and file, and the server
        # the config describes must be the very same.
        key = _place if model_fix else _key
        fixed = [finding for finding, _ in batch] + _inside(self.findings, batch, trees)
        expected = Counter(map(key, self.findings)) - Counter(map(key, fixed))
        if Counter(map(key, findings)) != expected:
            return None
        if model_fix and not same_server(self.built.config, built.config):
            return None
        self.loaded, self.built, self.findings, self.texts = loaded, built, findings, candidate
        return fixed


def _inside(
    findings: list[Diagnostic], batch: list[tuple[Diagnostic, list[Edit]]], trees: Mapping[str, Tree]
) -> list[Diagnostic]:
    """The findings, not in the batch, of a batch fix's rule whose place lies in the text that fix rewrites."""
    batched = {id(finding) for finding, _ in batch}
    taken = _Taken()
    for finding, edits in batch:
        for edit in edits:
            taken.add(edit, finding.code)
    out = []
    for other in findings:
        tree = trees.get(other.span.path)
        if id(other) not in batched and tree is not None:
            if taken.holds(other.span.path, tree.offset(other.span.line, other.span.column), other.code):
                out.append(other)
    return out


class _Taken:
    """The edits of a batch, which never overlap, sorted per file: what overlaps an edit, what lies in one."""

    def __init__(self) -> None:
        self._starts: dict[str, list[int]] = {}
        self._edits: dict[str, list[tuple[Edit, str]]] = {}

    def add(self, edit: Edit, code: str) -> None:
        starts = self._starts.setdefault(edit.path, [])
        at = bisect.bisect_left(starts, edit.start)
        starts.insert(at, edit.start)
        self._edits.setdefault(edit.path, []).insert(at, (edit, code))

    def _near(self, path: str, offset: int) -> list[tuple[Edit, str]]:
        """The edits that start at or before `offset`, and the one after it: the only ones that may touch it."""
        starts, edits = self._starts.get(path, []), self._edits.get(path, [])
        at = bisect.bisect_right(starts, offset)
        return edits[max(0, at - 1) : at + 1]

    def overlaps(self, edit: Edit) -> bool:
        return any(_overlap(edit, other) for other, _ in self._near(edit.path, edit.start)) or any(
            _overlap(edit, other) for other, _ in self._near(edit.path, edit.end - 1)
        )

    def holds(self, path: str, offset: int, code: str) -> bool:
        return any(c == code and e.start <= offset < e.end for e, c in self._near(path, offset))


def _check(root: str, texts: Mapping[str, str], options: CheckOptions) -> tuple[Loaded, Built, list[Diagnostic]]:
    loaded = load(root, texts)
    built, findings = check(loaded, options)
    return loaded, built, findings


def _trees(loaded: Loaded) -> dict[str, Tree]:
    return trees_of(loaded)
