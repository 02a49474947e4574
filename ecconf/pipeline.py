"""The glue between the packages: paths or text in, checked configuration and diagnostics out.

Rule of this room: the only place that wires grammar -> compiler (-> runtime) for the CLI and the public API;
no domain logic of its own. Input `-` means standard input, shown as `<stdin>`; includes in it resolve
against the working directory.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from . import __version__
from .compiler import rules, suppress
from .compiler.checker import CheckOptions, check, failed
from .compiler.diagnostics import Diagnostic, sort_unique
from .compiler.includes import MAX_FILE_BYTES, UNREADABLE, Loaded, load, load_text, read_text
from .compiler.models import Config
from .compiler.redact import redact_text, redact_uris
from .compiler.render import RenderOptions, RuleInfo, render
from .compiler.render import render_statistics as render_stats
from .compiler.serve_coverage import Unserved, unserved
from .compiler.span import Span, whole_file
from .discover import entry_points

STDIN = "-"
STDIN_NAME = "<stdin>"


@dataclass
class LintReport:
    diagnostics: list[Diagnostic]
    files_checked: int
    strict: bool = False
    # The texts of every file read, by display path: render.py draws its excerpts from them.
    sources: dict[str, str] = field(default_factory=dict)
    # Inputs that could not be read at all (missing, a directory, not UTF-8): the run cannot be trusted.
    input_errors: list[str] = field(default_factory=list)
    # The files checked as roots, and {file given: the entry point it was checked under} for the others.
    entry_points: list[str] = field(default_factory=list)
    folded: dict[str, str] = field(default_factory=dict)
    # {entry point: the file of the project it was checked as part of}, and every text that check read.
    context: dict[str, str] = field(default_factory=dict)
    context_texts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every output draws its excerpts and messages from here: secrets (compiler/redact.py) never pass.
        quoted = {d.span.path for d in self.diagnostics} | {r.span.path for d in self.diagnostics for r in d.related}
        self.sources = {p: redact_text(t) if p in quoted else t for p, t in self.sources.items()}
        self.diagnostics = [_without_secrets(d) for d in self.diagnostics]

    @property
    def failed(self) -> bool:
        return failed(self.diagnostics, self.strict)

    @property
    def exit_status(self) -> int:
        """0 clean, 1 findings that fail the lint, 2 unreadable input."""
        if self.input_errors:
            return 2
        return 1 if self.failed else 0


def _without_secrets(d: Diagnostic) -> Diagnostic:
    related = tuple(replace(r, message=redact_uris(r.message)) for r in d.related)
    return replace(d, message=redact_uris(d.message), hint=redact_uris(d.hint), related=related)


def _read_stdin(stream: BinaryIO | None) -> tuple[str | None, str | None]:
    # Read no more than a file may hold: `ecconf lint - < /dev/zero` must end, not fill the memory.
    data = (stream or sys.stdin.buffer).read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return None, f"{STDIN_NAME}: the input is larger than {MAX_FILE_BYTES // 2**20} MiB"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"{STDIN_NAME}: the input is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"


def _input_error(path: str, loaded: Loaded) -> str | None:
    """Why the root file could not be read, if it could not (its text is then missing from the loader's texts)."""
    if path in loaded.texts:
        return None
    for problem in loaded.problems:
        if problem.code == UNREADABLE and problem.span.path == path:
            if path in problem.message:
                return problem.message
            return f"{path}:{problem.span.line}:{problem.span.column}: {problem.message}"
    return f"cannot read {path}"


def _load_input(path: str, stdin: BinaryIO | None) -> tuple[Loaded | None, str | None]:
    if path == STDIN:
        text, error = _read_stdin(stdin)
        return (None, error) if text is None else (load_text(text, STDIN_NAME), None)
    loaded = load(path)
    error = _input_error(path, loaded)
    return (None, error) if error else (loaded, None)


def sources_of(diagnostics: Iterable[Diagnostic]) -> dict[str, str]:
    """The texts to quote excerpts from, read the way the loader reads: only regular files of sane size (a
    diagnostic about /dev/zero or a FIFO must not make the excerpt wait for it forever), and never a file whose
    diagnostics must not quote it (a password file, a file that is not a config)."""
    texts: dict[str, str] = {}
    for path in {d.span.path for d in diagnostics if d.quote}:
        text, _problem = read_text(path)
        if text is not None:
            texts[path] = text
    return texts


def is_json(path: str) -> bool:
    """A `.json` path is a config in ecconf's JSON form (checked with the schema, then like any config)."""
    return path.lower().endswith(".json")


def lint_paths(
    paths: Iterable[str],
    options: CheckOptions | None = None,
    stdin: BinaryIO | None = None,
    includers: Callable[[str, set[str]], list[str]] | None = None,
) -> LintReport:
    """Lint each entry point with its includes: a file named twice, or included by a root, is checked once, as
    part of the file that includes it (see discover.entry_points); a file two roots include is reported once.

    `includers`: for an entry point (and the real paths of the files it includes), the files outside the run
    that may include it (ecconf/includers.py); the first that does is loaded and the entry point checked as
    part of it, the findings in it and in the files it includes reported."""
    options = options or CheckOptions()
    found: list[Diagnostic] = []
    sources: dict[str, str] = {}
    errors: list[str] = []
    roots = list(dict.fromkeys(paths))
    loaded_texts: dict[str, Loaded] = {}
    for path in roots:
        if is_json(path):
            continue
        loaded, error = _load_input(path, stdin)
        if loaded is None:
            errors.append(error or f"cannot read {path}")
            continue
        loaded_texts[path] = loaded
    points, folded = entry_points(
        [p for p in roots if p in loaded_texts and p != STDIN], {p: loaded.texts for p, loaded in loaded_texts.items()}
    )
    chosen = {*points, STDIN}
    entries: list[str] = []
    context: dict[str, str] = {}
    context_texts: dict[str, str] = {}
    for path in roots:
        if is_json(path):
            loaded, problems, error = _lint_json(path, options)
            if loaded is None:
                errors.append(error or f"cannot read {path}")
                continue
        elif path in chosen and path in loaded_texts:
            loaded = loaded_texts[path]
            found_in = _in_context(path, loaded, includers, options) if includers and path != STDIN else None
            if found_in is None:
                problems = check(loaded, options)[1]
            else:
                context[path], outer, problems = found_in
                context_texts.update(outer.texts)
                kept = {*loaded.texts, *(r.span.path for d in problems for r in d.related)}
                loaded = Loaded(None, texts={p: t for p, t in outer.texts.items() if p in kept})
        else:
            continue
        entries.append(path)
        found.extend(problems)
        sources.update(loaded.texts)
    report = LintReport(sort_unique(found), len(sources), options.strict, sources, errors, entries, folded)
    report.context, report.context_texts = context, context_texts
    return report


def own_files(loaded: Loaded) -> dict[str, str]:
    """{real path: name} of every file a root's loading read: the root and what it includes."""
    return {os.path.realpath(name): name for name in reversed(loaded.texts)}


def context_of(
    path: str, alone: Loaded, includers: Callable[[str, set[str]], list[str]]
) -> tuple[str, Loaded, dict[str, str]] | None:
    """(the includer, what loading it read, {its name of a file `path` reads: the name `alone` gives it}) for
    the first candidate whose loading really reads `path` (candidates come from a scan that may see a few too
    many); None if none does."""
    own = own_files(alone)
    real = os.path.realpath(path)
    for candidate in includers(path, set(own)):
        outer = load(candidate)
        if outer.root is None or not any(os.path.realpath(name) == real for name in outer.texts):
            continue
        names = {name: own[r] for name in outer.texts if (r := os.path.realpath(name)) in own}
        return candidate, outer, names
    return None


def _in_context(
    path: str, alone: Loaded, includers: Callable[[str, set[str]], list[str]], options: CheckOptions
) -> tuple[str, Loaded, list[Diagnostic]] | None:
    """(the includer, what loading it read, named as `alone` names them, the findings in the files `path` reads),
    or None."""
    found = context_of(path, alone, includers)
    if found is None:
        return None
    candidate, outer, names = found
    mine = [_renamed(d, names) for d in check(outer, options)[1] if d.span.path in names]
    texts = {names.get(name, name): text for name, text in outer.texts.items()}
    return candidate, Loaded(None, texts=texts), mine


def _renamed(d: Diagnostic, names: dict[str, str]) -> Diagnostic:
    """The finding with the fragment's files named as the run named them (the includer's load may spell them
    otherwise)."""

    def span(s: Span) -> Span:
        return replace(s, path=names[s.path]) if s.path in names else s

    return replace(d, span=span(d.span), related=tuple(replace(r, span=span(r.span)) for r in d.related))


def _lint_json(path: str, options: CheckOptions) -> tuple[Loaded | None, list[Diagnostic], str | None]:
    """A config in JSON form: (what was loaded, findings, why it could not be read)."""
    from .compiler.from_json import lint_json  # jsonschema is loaded only for JSON input

    loaded_json, _built, problems = lint_json(path, options)
    if loaded_json is None:
        return None, [], _input_error(path, Loaded(None, problems))
    return loaded_json, problems, None


def lint_text(text: str, path: str = STDIN_NAME, options: CheckOptions | None = None) -> LintReport:
    """Lint text held in memory as if it were the file `path` (includes resolve against its folder)."""
    options = options or CheckOptions()
    loaded = load_text(text, path)
    diagnostics = check(loaded, options)[1]
    return LintReport(diagnostics, len(loaded.texts), options.strict, dict(loaded.texts))


def load_config(
    path: str, options: CheckOptions | None = None, stdin: BinaryIO | None = None
) -> tuple[Config | None, list[Diagnostic]]:
    """The typed model of a config and every finding about it; None when the file cannot be read or parsed."""
    config, diagnostics, _loaded = _load_checked(path, options, stdin)
    return config, diagnostics


def load_serving(
    path: str, options: CheckOptions | None = None
) -> tuple[Config | None, list[Diagnostic], list[Unserved]]:
    """load_config, and the statements `ecconf serve` does not apply (serve_coverage), for it to name.
    A JSON config names them in the text form lint checked, so it gets none here (its S507s still count)."""
    config, diagnostics, loaded = _load_checked(path, options, None)
    return config, diagnostics, unserved(loaded) if loaded is not None and not is_json(path) else []


def _load_checked(
    path: str, options: CheckOptions | None, stdin: BinaryIO | None
) -> tuple[Config | None, list[Diagnostic], Loaded | None]:
    if path == STDIN:
        text, error = _read_stdin(stdin)
        if text is None:
            return None, [Diagnostic(UNREADABLE, error or "cannot read the input", whole_file(STDIN_NAME))], None
        loaded = load_text(text, STDIN_NAME)
    elif is_json(path):
        from .compiler.from_json import lint_json

        loaded_json, built_json, problems = lint_json(path, options)
        return (built_json.config if built_json is not None else None), problems, loaded_json
    else:
        loaded = load(path)
        if path not in loaded.texts:
            return None, [p for p in loaded.problems if p.code == UNREADABLE and p.span.path == path], None
    built, diagnostics = check(loaded, options)
    return (built.config if loaded.root is not None else None), diagnostics, loaded


def _name(doc: str, code: str) -> str:
    """The rule's name from its documentation's first line, `CODE name: summary`."""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    head, sep, _ = first.partition(":")
    words = head.split()
    return words[1] if sep and len(words) == 2 and words[0] == code else code


def rule_infos(links: bool = True, docs_url: str | None = None) -> list[RuleInfo]:
    """Every code ecconf can report, with its documentation (and, with `links`, its page's URI, under
    `docs_url` when given: docs_links.rule_doc_uri), in code order."""
    from .docs_links import rule_doc_uri

    found = [(rule.CODE, inspect.getdoc(rule) or "", rule.SUMMARY, rule.DEFAULT_SEVERITY) for rule in rules.ALL]
    for code, text, summary, severity in (
        (suppress.UNKNOWN_CODE, suppress.UNKNOWN_DOC, suppress.UNKNOWN_SUMMARY, suppress.UNKNOWN_SEVERITY),
        (suppress.UNUSED_CODE, suppress.UNUSED_DOC, suppress.UNUSED_SUMMARY, suppress.UNUSED_SEVERITY),
    ):
        found.append((code, inspect.cleandoc(text), summary, severity))
    from .compiler.fixes import FIXES

    infos = [
        RuleInfo(
            code,
            _name(doc, code),
            summary,
            doc,
            severity,
            rule_doc_uri(code, docs_url) if links else "",
            FIXES[code][0] if code in FIXES else "",
        )
        for code, doc, summary, severity in found
    ]
    return sorted(infos, key=lambda info: info.code)


def render_report(
    report: LintReport,
    fmt: str = "text",
    color: bool = False,
    quiet: bool = False,
    show_docs: bool = False,
    exit_code: int | None = None,
    docs_url: str | None = None,
) -> str:
    """The report in one of render.FORMATS, with this version's rule descriptions and links (under `docs_url`
    when given) for SARIF and --show-docs, and for SARIF the run's exit code (when known) and the inputs it
    could not read."""
    from .docs_links import information_uri

    wants_rules = fmt == "sarif" or (show_docs and fmt == "text")
    options = RenderOptions(
        fmt,
        color,
        report.files_checked,
        __version__,
        quiet,
        tuple(report.entry_points),
        show_docs,
        information_uri() if fmt == "sarif" else "",
        exit_code,
        tuple(report.input_errors),
    )
    return render(report.diagnostics, options, report.sources, rule_infos(docs_url=docs_url) if wants_rules else ())


def render_statistics(report: LintReport, fmt: str = "text") -> str:
    """How often each code was found (`--statistics`)."""
    return render_stats(report.diagnostics, fmt, rule_infos(links=False))
