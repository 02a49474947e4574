"""JSON input: a JSON file -> checked against the schema -> models -> config text, parsed like any config.

Rule of this room: JSON input gets every check a config file gets. The JSON is read, checked with the schema
(each violation a diagnostic at its place in the JSON file), turned into config text by to_text, and that
text is parsed with includes.load_text so all the normal rules run on it. `remap` then moves what the rules
found in the generated text back to the JSON file: the line and column of the JSON path that wrote that part
of the text, with the path at the head of the message. Nothing here prints or decides severity.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ..grammar import MAX_DEPTH
from . import rules
from .build import Built
from .checker import CheckOptions, check
from .diagnostics import Diagnostic, Related, sort_unique
from .includes import Loaded, load_text, read_text
from .json_locate import Located, Parts, first_excess, json_path, locate, path_at
from .models import Config, EsmtpListener, Listen
from .schema import Violation, violations
from .span import Span, whole_file
from .to_text import Rendered, to_text
from .values import to_cidr

INVALID_JSON = "E110"
SCHEMA_VIOLATION = "E111"
TEXT_SUFFIX = "#config"  # the generated text's path: beside the JSON file, so relative file: URIs resolve there


@dataclass(frozen=True)
class JsonMapping:
    """How the generated config text relates to the JSON file it came from."""

    json_file: str
    text_path: str
    rendered: Rendered
    located: Located

    @property
    def text(self) -> str:
        return self.rendered.text


def _non_json_constant(name: str) -> float:
    return float(name)  # NaN / Infinity are not JSON: let them through for the schema to refuse by name


def _number(text: str) -> int | float:
    """A JSON number written with a fraction or an exponent. A whole one (`2.0`, `1e3`) is an integer, as JSON
    Schema counts integers (so every validator of the published schema accepts it); the others stay floats
    for the schema to refuse. Exact: `1e23` is 10**23, not the float nearest to it."""
    number = Decimal(text)
    if number.adjusted() < MAX_DIGITS and number == number.to_integral_value():
        return int(number)
    return float(text)


# ecconf's JSON nests a few levels. A scope of the config text is two levels of JSON (an object in an array),
# so anything the text may nest (grammar.MAX_DEPTH) fits in this; the schema check and the model after it
# walk the data recursively, and must never meet more.
MAX_JSON_DEPTH = 2 * MAX_DEPTH + 8
# Python refuses to read longer integers (and reading one is quadratic without that limit).
MAX_DIGITS = sys.get_int_max_str_digits() or 4300


def _excess(text: str, path: str) -> Diagnostic | None:
    found = first_excess(text, MAX_JSON_DEPTH, MAX_DIGITS)
    if found is None:
        return None
    offset, kind = found
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    span = Span(path, line, column, line, column + 1)
    where = json_path(path_at(text, offset))
    if kind == "depth":
        hint = f"ecconf's JSON form nests a few levels; {MAX_JSON_DEPTH} is far beyond any configuration"
        return Diagnostic(INVALID_JSON, f"{where}: nesting deeper than {MAX_JSON_DEPTH} levels", span, hint=hint)
    return Diagnostic(INVALID_JSON, f"{where}: a number of more than {MAX_DIGITS} digits", span)


def _lone_surrogate(data: Any) -> tuple[Parts, str] | None:
    """The first key or string holding half a UTF-16 surrogate pair (`"\\ud800"` alone): JSON lets it
    through, but it is not a character and cannot be written as UTF-8. Returns (path, "key" or "value")."""
    pending: list[tuple[Parts, Any]] = [((), data)]
    while pending:
        parts, value = pending.pop()
        if isinstance(value, str) and not value.isascii() and not _encodes(value):
            return parts, "value"
        if isinstance(value, dict):
            for key, item in value.items():
                if not key.isascii() and not _encodes(key):
                    return (*parts, key), "key"
                pending.append(((*parts, key), item))
        elif isinstance(value, list):
            pending.extend(((*parts, i), item) for i, item in enumerate(value))
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_json(text: str, path: str) -> tuple[Any, Located, list[Diagnostic]]:
    """The JSON data and where each part of it is written, or E110 diagnostics (syntax errors with line and
    column, nesting or numbers past the limits, lone surrogates, duplicate keys)."""
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # same length: columns stay right
    nothing = Located({}, [])
    try:
        data = json.loads(text, parse_constant=_non_json_constant, parse_float=_number)
    except json.JSONDecodeError as exc:
        where = json_path(path_at(text, exc.pos))
        span = Span(path, exc.lineno, exc.colno, exc.lineno, exc.colno + 1)
        return None, nothing, [Diagnostic(INVALID_JSON, f"{where}: invalid JSON: {exc.msg}", span)]
    except (RecursionError, ValueError) as exc:  # too deep for the reader, or a number too long for int()
        problem = _excess(text, path)
        if problem is None:
            problem = Diagnostic(INVALID_JSON, f"$: the JSON cannot be read: {exc}", whole_file(path))
        return None, nothing, [problem]
    problem = _excess(text, path)
    if problem is not None:
        return None, nothing, [problem]
    located = locate(text, path)
    lone = _lone_surrogate(data)
    if lone is not None:
        parts, role = lone
        message = f"{json_path(parts)}: a lone UTF-16 surrogate (\\ud800-\\udfff) is not a character"
        span = _place_span(located, parts, role, path)
        return None, nothing, [Diagnostic(INVALID_JSON, message, span, hint="write the character itself")]
    twice = [
        Diagnostic(
            INVALID_JSON,
            f"{json_path(parts)}: duplicate key {parts[-1]!r}",
            span,
            hint="JSON readers disagree on which value wins: keep one",
        )
        for parts, span in located.duplicates
    ]
    return data, located, twice


def _place_span(located: Located, parts: Parts, role: str, path: str) -> Span:
    place = located.place(parts)
    if place is None:
        return whole_file(path)
    span = place.start() if role == "key" else place.opening()
    return replace(span, path=path)


def _schema_problems(violations_: Iterable[Violation], located: Located, path: str) -> list[Diagnostic]:
    return [
        Diagnostic(SCHEMA_VIOLATION, f"{v.path}: {v.message}", _place_span(located, v.parts, v.role, path), hint=v.hint)
        for v in violations_
    ]


def _network_key(network: str) -> str:
    try:
        return str(to_cidr(network).network)
    except ValueError:
        return network


def _merged_twice(config: Config) -> Iterator[Violation]:
    """Entries the config language would merge into one (same Listen address, Peer network, logger)."""

    def twice(items: list[tuple[Parts, str]], what: str) -> Iterator[Violation]:
        first: dict[str, Parts] = {}
        for parts, key in items:
            if key in first:
                yield Violation(
                    parts,
                    f"{what} {key!r} is already at {json_path(first[key])}",
                    "the config text merges entries with the same name: write them as one",
                    "key",
                )
            first.setdefault(key, parts)

    listener = config.esmtp_listener
    if listener is not None:
        yield from twice(
            [(("esmtp_listener", "listens", i), ls.address) for i, ls in enumerate(listener.listens)], "Listen"
        )
        owners: list[tuple[Parts, EsmtpListener | Listen]] = [(("esmtp_listener",), listener)]
        owners += [(("esmtp_listener", "listens", i), ls) for i, ls in enumerate(listener.listens)]
        for parts, owner in owners:
            peers: list[tuple[Parts, str]] = [
                ((*parts, "peers", i), _network_key(p.network)) for i, p in enumerate(owner.peers)
            ]
            yield from twice(peers, "Peer")
    loggers: list[tuple[Parts, str]] = [
        (("ec_loggers", i), lg.instance or "") for i, lg in enumerate(config.ec_loggers)
    ]
    yield from twice(loggers, "ec_logger")


def to_model(data: Any, located: Located, path: str) -> tuple[Config | None, list[Diagnostic]]:
    """Schema-check JSON data and build the model; problems are E111 diagnostics at their JSON place."""
    found = violations(data)
    if found:
        return None, _schema_problems(found, located, path)
    body = {k: v for k, v in data.items() if k != "$schema"}
    from pydantic import ValidationError  # JSON input only: `ecconf lint` of config text never imports it

    from .json_models import validate

    try:
        config = validate(body)
    except ValidationError as exc:  # the schema should have said it; kept so nothing slips through unreported
        found = [Violation(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        return None, _schema_problems(found, located, path)
    twice = list(_merged_twice(config))
    if twice:
        return None, _schema_problems(twice, located, path)
    return config, []


def load_json_text(text: str, path: str) -> tuple[Loaded, list[Diagnostic], JsonMapping | None]:
    """Like load_json() for JSON text already in memory; `path` names it (and places relative file: URIs)."""
    data, located, problems = parse_json(text, path)
    config: Config | None = None
    if not problems:
        config, problems = to_model(data, located, path)
    if config is None:
        # Like a syntax error in a config file: nothing to build, the problems are the findings.
        return Loaded(None, problems=list(problems), texts={path: text}), problems, None
    rendered = to_text(config)
    text_path = path + TEXT_SUFFIX
    loaded = load_text(rendered.text, text_path)
    # Findings are moved into the JSON file by remap(), so the JSON is the text to quote them from; the
    # generated text stays in the mapping.
    loaded.texts = {path: text}
    return loaded, [], JsonMapping(path, text_path, rendered, located)


def load_json(path: str) -> tuple[Loaded | None, list[Diagnostic], JsonMapping | None]:
    """Read a JSON config and turn it into config text, parsed and ready for the checker.

    Loaded is None only when the file cannot be read (the E101 diagnostic says why). Invalid JSON (E110) or
    a schema violation (E111) gives a Loaded without a root whose problems are those diagnostics, like a
    config file with a syntax error; the mapping is then None. Otherwise the mapping lets remap() move the
    checker's findings from the generated text back into the JSON file."""
    text, problem = read_text(path)
    if text is None:
        return None, [problem] if problem is not None else [], None
    return load_json_text(text, path)


def remap(
    diagnostics: Iterable[Diagnostic], mapping: JsonMapping | None, json_file: str | None = None
) -> list[Diagnostic]:
    """Diagnostics on the generated text -> the same diagnostics at their place in the JSON file, the JSON
    path at the head of the message. Others (and all of them, without a mapping) pass unchanged."""
    if mapping is None:
        return sort_unique(diagnostics)
    target = json_file or mapping.json_file

    def move(span: Span) -> tuple[Span, Parts]:
        if span.path != mapping.text_path:
            return span, ()
        if span == whole_file(mapping.text_path):
            return whole_file(target), ()
        parts, role = mapping.rendered.map.find(span.line, span.column)
        return _place_span(mapping.located, parts, role, target), parts

    out = []
    for d in diagnostics:
        if d.span.path != mapping.text_path:
            out.append(d)
            continue
        span, parts = move(d.span)
        related = tuple(Related(move(r.span)[0], r.message) for r in d.related)
        out.append(replace(d, message=f"{json_path(parts)}: {d.message}", span=span, related=related))
    return sort_unique(out)


def lint_json(path: str, options: CheckOptions | None = None) -> tuple[Loaded | None, Built | None, list[Diagnostic]]:
    """Everything `ecconf lint FILE.json` reports, at places in the JSON file.

    Returns the Loaded (None: unreadable; its texts hold the JSON for excerpts), the build (None unless the
    JSON became a config) and the findings, severity and selection applied by the checker."""
    loaded, problems, mapping = load_json(path)
    if loaded is None:
        return None, None, problems
    built, found = check(loaded, options)
    # E110/E111 reach the operator even where no rule is registered for them (they come from loading).
    found += [p for p in loaded.problems if p.code in (INVALID_JSON, SCHEMA_VIOLATION) and p.code not in rules.RULES]
    return loaded, (built if mapping is not None else None), remap(found, mapping)
