"""JSON input: invalid JSON and schema violations at their place in the file; config text through the normal
build; findings in the generated text moved back into the JSON file."""

from __future__ import annotations

import inspect
import json
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ecconf.compiler.build import build
from ecconf.compiler.checker import CheckOptions
from ecconf.compiler.diagnostics import Diagnostic, Related
from ecconf.compiler.from_json import (
    INVALID_JSON,
    SCHEMA_VIOLATION,
    lint_json,
    load_json,
    load_json_text,
    remap,
)
from ecconf.compiler.rules import json_invalid, json_schema
from ecconf.compiler.span import Span, whole_file


def write(tmp_path: Path, data: Any, name: str = "config.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return str(path)


def problems_of(text: str, path: str = "/cfg/c.json") -> list[Diagnostic]:
    loaded, problems, mapping = load_json_text(text, path)
    assert mapping is None and loaded.root is None and loaded.problems == problems
    return problems


def test_valid_json_becomes_parsed_config_text(tmp_path: Path) -> None:
    path = write(tmp_path, {"esmtp_listener": {"listens": [{"address": ":25", "enable": True}]}})
    loaded, problems, mapping = load_json(path)
    assert problems == [] and loaded is not None and mapping is not None and loaded.root is not None
    assert loaded.problems == []
    assert mapping.text == 'ESMTP_Listener {\n  Listen ":25" {\n    Enable = true\n  }\n}\n'
    assert build(loaded.root).config.esmtp_listener.listens[0].enable is True  # type: ignore[union-attr]
    # Excerpts are drawn from the JSON; relative file: URIs resolve beside it.
    assert loaded.texts == {path: Path(path).read_text(encoding="utf-8")}
    assert Path(loaded.root.path).parent == tmp_path


def test_unreadable_file_is_e101_and_no_loaded(tmp_path: Path) -> None:
    loaded, problems, mapping = load_json(str(tmp_path / "missing.json"))
    assert loaded is None and mapping is None
    assert [p.code for p in problems] == ["E101"]


def test_invalid_json_is_e110_at_line_and_column_with_the_path() -> None:
    [problem] = problems_of(
        '{\n  "esmtp_listener": {\n    "listens": [ {"address": ":25"} {"address": ":26"} ]\n  }\n}'
    )
    assert problem.code == INVALID_JSON
    assert problem.message == "$.esmtp_listener.listens: invalid JSON: Expecting ',' delimiter"
    assert (problem.span.line, problem.span.column) == (3, 37)


def test_duplicate_keys_are_e110_at_the_second_key() -> None:
    [problem] = problems_of('{"hostname": "a",\n "hostname": "b"}')
    assert problem.code == INVALID_JSON
    assert problem.message == "$.hostname: duplicate key 'hostname'"
    assert problem.span == Span("/cfg/c.json", 2, 2, 2, 12)


def test_a_byte_order_mark_is_accepted_and_nan_refused() -> None:
    loaded, problems, _ = load_json_text('\ufeff{"hostname": "a"}', "/cfg/c.json")
    assert problems == [] and loaded.root is not None
    [problem] = problems_of('{"esmtp_listener": {"idle_time": NaN}}')
    assert problem.code == SCHEMA_VIOLATION and "not a JSON number" in problem.message


def test_schema_violations_are_e111_each_at_its_place() -> None:
    text = (
        "{\n"
        '  "esmtp_listener": {\n'
        '    "listens": [\n'
        '      { "address": ":25", "enable": "yes", "smtp_extension": [] }\n'
        "    ]\n"
        "  },\n"
        '  "bogus": 1\n'
        "}\n"
    )
    found = {(p.message, p.span.line, p.span.column, p.hint) for p in problems_of(text)}
    assert found == {
        (
            "$.bogus: unknown key 'bogus'",
            7,
            3,
            "allowed keys: auth_penalty_exempt, auth_penalty_redis, ec_loggers, esmtp_listener, hostname,"
            " message_memory_budget, options, relay_hosts, scopes, spool_base",
        ),
        ("$.esmtp_listener.listens[0].enable: expected true or false, got a string", 4, 37, ""),
        (
            "$.esmtp_listener.listens[0].smtp_extension: unknown key 'smtp_extension'",
            4,
            44,
            "did you mean 'smtp_extensions'?",
        ),
    }


def test_entries_the_config_would_merge_are_e111() -> None:
    data = {
        "esmtp_listener": {
            "listens": [
                {"address": ":25"},
                {"address": ":25", "peers": [{"network": "10.0.0.0/8"}, {"network": "10.1.2.3/8"}]},
            ]
        },
        "ec_loggers": [{"instance": "a"}, {"instance": "a"}],
    }
    found = {p.message for p in problems_of(json.dumps(data))}
    assert found == {
        "$.ec_loggers[1]: ec_logger 'a' is already at $.ec_loggers[0]",
        "$.esmtp_listener.listens[1]: Listen ':25' is already at $.esmtp_listener.listens[0]",
        "$.esmtp_listener.listens[1].peers[1]: Peer '10.0.0.0/8' is already at $.esmtp_listener.listens[1].peers[0]",
    }


JSON_WITH_BAD_VALUES = """{
  "esmtp_listener": {
    "options": { "accept_queue_backlog": "many" },
    "listens": [
      { "address": ":2x5" },
      { "address": "[::1]:587", "relay_hosts": [ "10.0.0.0/8", "10.0.0.300/8" ] }
    ]
  }
}
"""


def test_findings_in_the_generated_text_move_to_the_json_path_that_wrote_them(tmp_path: Path) -> None:
    path = write(tmp_path, JSON_WITH_BAD_VALUES)
    loaded, problems, mapping = load_json(path)
    assert problems == [] and loaded is not None and loaded.root is not None
    found = {d.code: d for d in remap(build(loaded.root).facts.problems, mapping)}
    assert set(found) == {"E301", "E302", "E304"}
    assert all(d.span.path == path for d in found.values())
    assert found["E301"].message.startswith("$.esmtp_listener.options.accept_queue_backlog: ")
    assert (found["E301"].span.line, found["E301"].span.column) == (3, 42)  # the value "many"
    assert found["E302"].message.startswith("$.esmtp_listener.listens[0].address: listen address ':2x5'")
    assert (found["E302"].span.line, found["E302"].span.column) == (5, 20)
    assert found["E304"].message.startswith("$.esmtp_listener.listens[1].relay_hosts[1]: ")
    assert (found["E304"].span.line, found["E304"].span.column) == (6, 64)


def test_remap_moves_related_spans_and_keeps_other_files(tmp_path: Path) -> None:
    path = write(tmp_path, {"hostname": "mx", "spool_base": "/s"})
    _loaded, _problems, mapping = load_json(path)
    assert mapping is not None
    generated = mapping.text_path
    elsewhere = Diagnostic("W600", "x", Span("/other.conf", 1, 1, 1, 2))
    on_text = Diagnostic(
        "W600", "twice", Span(generated, 2, 1, 2, 11), related=(Related(Span(generated, 1, 1, 1, 9), "first"),)
    )
    whole = Diagnostic("W601", "file", whole_file(generated))
    out = {d.code + d.span.path: d for d in remap([elsewhere, on_text, whole], mapping)}
    assert out["W600/other.conf"] == elsewhere
    moved = out["W600" + path]
    assert moved.message == "$.spool_base: twice"
    assert (moved.span.line, moved.span.column) == (3, 3)
    assert moved.related[0].span.path == path and moved.related[0].span.line == 2
    assert out["W601" + path].message == "$: file" and out["W601" + path].span == whole_file(path)
    assert remap([on_text], None) == [on_text]
    assert remap([on_text], mapping, "shown.json")[0].span.path == "shown.json"


def test_lint_json_reports_json_problems_even_before_the_rules_are_registered(tmp_path: Path) -> None:
    loaded, built, found = lint_json(write(tmp_path, '{"hostname": }'))
    assert loaded is not None and built is None
    assert [d.code for d in found] == [INVALID_JSON]
    assert lint_json(str(tmp_path / "nope.json"))[0] is None


def test_lint_json_findings_point_into_the_json_file(tmp_path: Path) -> None:
    path = write(tmp_path, JSON_WITH_BAD_VALUES)
    loaded, built, found = lint_json(path, CheckOptions(check_files=False))
    assert loaded is not None and built is not None
    assert built.config.esmtp_listener is not None
    assert all(d.span.path == path and d.message.startswith("$") for d in found)


def example(module: ModuleType, label: str) -> str:
    doc = inspect.getdoc(module) or ""
    block = doc.split(f"\n{label}:\n", 1)[1].split("\n\n", 1)[0]
    return textwrap.dedent(block)


@pytest.mark.parametrize("rule", [json_invalid, json_schema], ids=lambda m: m.CODE)
def test_rule_examples_hold(rule: ModuleType) -> None:
    assert rule.CODE == {json_invalid: INVALID_JSON, json_schema: SCHEMA_VIOLATION}[rule]
    _loaded, bad, _mapping = load_json_text(example(rule, "Bad"), "/cfg/bad.json")
    assert bad and {p.code for p in bad} == {rule.CODE}
    _loaded, good, mapping = load_json_text(example(rule, "Good"), "/cfg/good.json")
    assert good == [] and mapping is not None
