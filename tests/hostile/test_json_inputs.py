"""Hostile JSON configs: every one is refused with an E110/E111 at its place in the JSON file, never a traceback.

Wrong shapes (a top-level array, nesting 10 000 deep), numbers JSON allows but Python or the schema does not
(a 5 000-digit integer, 1e999, NaN), text JSON allows but UTF-8 does not (a lone surrogate), keys written
twice, and a wrong type at every place of a full configuration. Finally, any JSON value at all, anywhere.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from config_strategies import FULL_JSON, json_places, json_values, set_at
from hostile_cli import COMMANDS, DEEP, Ecconf, Run, assert_refused, write_input
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecconf import pipeline
from ecconf.compiler.checker import CheckOptions
from ecconf.compiler.from_json import MAX_DIGITS, MAX_JSON_DEPTH, parse_json
from ecconf.compiler.json_locate import json_path


def test_the_full_configuration_is_valid(ecconf: Ecconf, tmp_path: Path) -> None:
    """The baseline of the wrong-type table below: as written, FULL_JSON has no schema problem."""
    path = write_input(tmp_path, "full.json", json.dumps(FULL_JSON, indent=2))
    run = ecconf("lint", "--no-file-checks", "--select", "E1", path)
    assert run.status == 0, run.both


# --- shapes -------------------------------------------------------------------------------------------

SHAPES = {
    "top-level array": ("[1, 2, 3]", (1, 1)),
    "top-level string": ('"hello"', (1, 1)),
    "top-level number": ("42", (1, 1)),
    "top-level null": ("null", (1, 1)),
    "empty file": ("", (1, 1)),
    "only white space": ("  \n  ", (2, 3)),
    "truncated": ('{"hostname": "a', (1, 14)),
    "trailing garbage": ('{"hostname": "a"} x', (1, 19)),
    "trailing comma": ('{"hostname": "a",}', (1, 18)),
    "raw NUL in a string": ('{"hostname": "a\x00b"}', (1, 16)),
    "raw control character": ('{"hostname": "a\x1bb"}', (1, 16)),
    "a comment": ('{"hostname": "a"} // no', (1, 19)),
    "single quotes": ("{'hostname': 'a'}", (1, 2)),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_wrong_shapes(ecconf: Ecconf, tmp_path: Path, shape: str, command: str) -> None:
    text, where = SHAPES[shape]
    path = write_input(tmp_path, "shape.json", text)
    assert assert_refused(ecconf(command, path), path) == [where]


NESTED = {
    "arrays": "[" * DEEP + "]" * DEEP,
    "objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "in an option": '{"options": {"x": ' + "[" * DEEP + "]" * DEEP + "}}",
    "in scopes": '{"scopes": [' + '{"name": "a", "scopes": [' * DEEP + "]}" * DEEP + "]}",
    "unclosed": '{"options": {"x": ' + "[" * DEEP,
    "just past the limit": '{"options": {"x": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}}",
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("shape", sorted(NESTED))
def test_deep_nesting_is_refused_at_the_bracket_that_goes_too_deep(
    ecconf: Ecconf, tmp_path: Path, shape: str, command: str
) -> None:
    text = NESTED[shape]
    path = write_input(tmp_path, "deep.json", text)
    run = ecconf(command, path)
    assert f"nesting deeper than {MAX_JSON_DEPTH} levels" in run.both
    opened = [i for i, char in enumerate(text) if char in "[{"]
    assert assert_refused(run, path) == [(1, opened[MAX_JSON_DEPTH] + 1)]


def test_serve_refuses_a_json_config_nested_10_000_deep(ecconf_subprocess: Callable[..., Run], tmp_path: Path) -> None:
    text = NESTED["in scopes"]
    path = write_input(tmp_path, "deep.json", text)
    run = ecconf_subprocess("serve", path)
    opened = [i for i, char in enumerate(text) if char in "[{"]
    assert assert_refused(run, path, statuses=(1,)) == [(1, opened[MAX_JSON_DEPTH] + 1)]
    assert "not starting" in run.err


def test_nesting_that_the_config_text_allows_reads_back_from_json(ecconf: Ecconf, tmp_path: Path) -> None:
    """`ecconf json` of a config nested as deep as the text may be is JSON that `ecconf lint` accepts."""
    from ecconf.grammar import MAX_DEPTH

    text = "ESMTP_Listener { " + "x { " * (MAX_DEPTH - 2) + "y = [ k = v ] " + "} " * (MAX_DEPTH - 1) + "\n"
    conf = write_input(tmp_path, "deep.conf", "# ecconf: disable-file=E2\n" + text)
    run = ecconf("json", conf)
    assert run.status == 0, run.both
    path = write_input(tmp_path, "deep.json", run.out)
    run = ecconf("lint", "--select", "E1", path)
    assert run.status == 0, run.both


# --- numbers ------------------------------------------------------------------------------------------

NUMBERS = {
    "an integer too long to read": ('{"options": {"x": ' + "9" * (MAX_DIGITS + 1) + "}}", "$.options.x", "E110"),
    "a 10 MB integer": ('{"esmtp_listener": {"idle_time": -' + "1" * 10 * 2**20 + "}}", "$.esmtp_listener", "E110"),
    "an exponent past the digit limit": ('{"options": {"x": 1e5000}}', "$.options.x", "E111"),
    "NaN": ('{"options": {"x": NaN}}', "$.options.x", "E111"),
    "-Infinity": ('{"esmtp_listener": {"idle_time": -Infinity}}', "$.esmtp_listener.idle_time", "E111"),
    "a fraction": ('{"esmtp_listener": {"idle_time": 1.5}}', "$.esmtp_listener.idle_time", "E111"),
    "negative": ('{"esmtp_listener": {"idle_time": -1}}', "$.esmtp_listener.idle_time", "E111"),
}


@pytest.mark.parametrize("case", sorted(NUMBERS))
def test_numbers_json_writes_but_a_config_cannot_hold(ecconf: Ecconf, tmp_path: Path, case: str) -> None:
    text, where, code = NUMBERS[case]
    path = write_input(tmp_path, "number.json", text)
    run = ecconf("lint", path)
    number = re.search(r"-?[0-9N]|-?Inf", text)
    assert number is not None
    assert set(assert_refused(run, path)) == {(1, number.start() + 1)}  # at the number itself
    assert f"{where}" in run.both and f"[{code}]" in run.both


def test_whole_numbers_written_with_a_fraction_or_exponent_are_integers(ecconf: Ecconf, tmp_path: Path) -> None:
    """JSON Schema counts 2.0 as an integer, so must we: in typed keys and in options alike (exactly)."""
    text = '{"esmtp_listener": {"idle_time": 2.0, "options": {"a": 1.0, "b": [1e3, -0.0], "c": 1e23, "d": 1e999}}}'
    path = write_input(tmp_path, "whole.json", text)
    for command in ("lint", "text"):
        run = ecconf(command, "--no-file-checks", path)
        assert "internal error" not in run.both and "E11" not in run.both, run.both
    data, _located, problems = parse_json(text, path)
    assert not problems
    assert data["esmtp_listener"]["idle_time"] == 2
    assert data["esmtp_listener"]["options"] == {"a": 1, "b": [1000, 0], "c": 10**23, "d": 10**999}
    assert all(type(v) is int for v in data["esmtp_listener"]["options"]["b"])


def test_forty_digit_integers_are_whole_numbers(ecconf: Ecconf, tmp_path: Path) -> None:
    path = write_input(tmp_path, "big.json", '{"esmtp_listener": {"idle_time": ' + "9" * 40 + "}}")
    run = ecconf("json", path)
    assert run.status == 0 and "9" * 40 in run.out


# --- text UTF-8 cannot carry, keys twice --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"hostname": "\\ud800"}',
        '{"options": {"\\udfff": "x"}}',
        '{"scopes": [{"name": "a", "options": {"k": ["ok", "\\udc00x"]}}]}',
    ],
    ids=["value", "key", "deep"],
)
@pytest.mark.parametrize("command", ["lint", "json", "text"])
def test_a_lone_surrogate_is_refused_where_it_is_written(
    ecconf: Ecconf, tmp_path: Path, text: str, command: str
) -> None:
    path = write_input(tmp_path, "surrogate.json", text)
    run = ecconf(command, path)
    assert assert_refused(run, path) == [(1, text.index('"\\ud') + 1)]  # the string (or key) that holds it
    assert "surrogate" in run.both


def test_a_surrogate_pair_is_one_character(ecconf: Ecconf, tmp_path: Path) -> None:
    path = write_input(tmp_path, "pair.json", '{"hostname": "mail-\\ud83d\\udce7.example"}')
    run = ecconf("json", path)
    assert run.status == 0 and "mail-\U0001f4e7.example" in run.out


def test_not_utf8_and_keys_written_twice(ecconf: Ecconf, tmp_path: Path) -> None:
    path = write_input(tmp_path, "latin1.json", '{"hostname": "caf\xe9"}'.encode("latin-1"))
    assert assert_refused(ecconf("json", path), path) == [(1, 18)]
    text = '{"esmtp_listener": {"idle_time": 1,\n "idle_time": 2}}'
    path = write_input(tmp_path, "twice.json", text)
    run = ecconf("lint", path)
    assert assert_refused(run, path) == [(2, 2)]
    assert "duplicate key" in run.both


def test_a_10_mb_string_value(ecconf: Ecconf, tmp_path: Path) -> None:
    path = write_input(tmp_path, "long.json", '{"hostname": "' + "h" * 10 * 2**20 + '", "x": 1}')
    assert assert_refused(ecconf("lint", "--select", "E1", path), path) == [(1, 10 * 2**20 + 18)]


# --- a wrong type at every place ----------------------------------------------------------------------


def _wrong(parts: tuple[str | int, ...], value: Any) -> list[Any]:
    """Values of a type the schema refuses at this place (null is refused everywhere: no nulls)."""
    if "options" in parts[:-1]:  # an option's value may be any JSON but a fraction or null
        return [None, 0.5]
    if isinstance(value, bool):
        return [None, "yes"]
    if isinstance(value, int):
        return [None, "many"]
    if isinstance(value, str):
        return [None, 7]
    if isinstance(value, list):
        return [None, {"a": 1}]
    return [None, ["a"]]


def _cases() -> Iterator[tuple[tuple[str | int, ...], Any]]:
    for parts, value in json_places(FULL_JSON):
        for wrong in _wrong(parts, value):
            yield parts, wrong


WRONG = list(_cases())


def test_every_place_of_the_full_configuration_is_tried() -> None:
    assert len(WRONG) > 120


@pytest.mark.parametrize(("parts", "wrong"), WRONG, ids=[f"{json_path(p)}={w!r}" for p, w in WRONG])
def test_a_wrong_type_anywhere_is_an_e111_at_that_place(
    tmp_path: Path, parts: tuple[str | int, ...], wrong: Any
) -> None:
    document = copy.deepcopy(FULL_JSON)
    set_at(document, parts, "@SENTINEL@")
    text = json.dumps(document, separators=(",", ":"))  # one line: the place is a column range
    at = text.index('"@SENTINEL@"')
    start = at if isinstance(parts[-1], int) else text.rindex(json.dumps(parts[-1]), 0, at)
    text = text.replace('"@SENTINEL@"', json.dumps(wrong))
    end = at + len(json.dumps(wrong))
    path = write_input(tmp_path, "wrong.json", text)
    report = pipeline.lint_paths([path])
    assert report.exit_status == 1, report.input_errors
    found = [d for d in report.diagnostics if d.code in ("E110", "E111")]
    assert found, report.diagnostics
    # The path is named, the caret is within the key and value that were changed. A value inside an option
    # is one JSON value to the schema: it names the option, and points at the option's key.
    named = parts[: parts.index("options") + 2] if "options" in parts[:-1] else parts
    if named != parts:
        start = text.rindex(json.dumps(named[-1]), 0, at)
    here = json_path(named)
    assert any(d.message.startswith(here) and start < d.span.column <= end + 1 for d in found), [
        (d.span.column, d.message) for d in found
    ] + [(start, end)]


# --- any JSON at all ----------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    """JSON text as a careless writer makes it: NaN and Infinity as Python writes them, surrogates escaped."""
    return json.dumps(value, allow_nan=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values, place=st.sampled_from([parts for parts, _ in json_places(FULL_JSON)] + [()]))
def test_any_json_value_anywhere_is_accepted_or_refused_with_a_place(
    tmp_path: Path, value: Any, place: tuple[str | int, ...]
) -> None:
    document: Any = copy.deepcopy(FULL_JSON)
    if place:
        set_at(document, place, value)
    else:
        document = value
    text = _dumps(document)
    path = write_input(tmp_path, "any.json", text)
    report = pipeline.lint_paths([path], CheckOptions(select=("E1",), check_files=False))
    assert not report.input_errors
    lines = text.count("\n") + 1
    for d in report.diagnostics:
        assert d.span.path == path and 1 <= d.span.line <= lines and d.span.column >= 1
    # No float is a config value, unless it is a whole number: the schema must say so.
    if any(isinstance(v, float) and not (math.isfinite(v) and v.is_integer()) for v in _leaves(value)):
        assert report.exit_status == 1


def _leaves(value: Any) -> Iterator[Any]:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        else:
            yield item
