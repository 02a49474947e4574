"""render.py: every format, from hand-made diagnostics (no rules involved)."""

from __future__ import annotations

import io
import json

import jsonschema
import pytest

from ecconf.compiler.diagnostics import Diagnostic, Related, Severity
from ecconf.compiler.render import (
    FORMATS,
    Invocation,
    RenderOptions,
    RuleInfo,
    artifact_uri,
    escape_data,
    escape_property,
    excerpt,
    render,
    render_github,
    render_json,
    render_sarif,
    render_text,
    summary,
    wants_color,
)
from ecconf.compiler.span import Span

SOURCE = 'ESMTP_Listener {\n  Listen ":25" {\n\tIdle_Time = soon\n  }\n}\n'
ERROR = Diagnostic(
    "E301",
    "Idle_Time needs a number of seconds, not 'soon'",
    Span("a.conf", 3, 14, 3, 18),
    Severity.ERROR,
    hint="write a number, like 300",
    related=(Related(Span("b.conf", 1, 1, 1, 9), "first set here"),),
)
WARNING = Diagnostic("W601", "odd, 100% odd", Span("a.conf", 2, 3, 2, 9), Severity.WARNING)
NOTE = Diagnostic("I700", "for your information", Span("a.conf", 1, 1, 1, 1), Severity.INFO)
RULES = [
    RuleInfo("E301", "value-type", "value of the wrong type", "E301 value-type: ...\n\nBad:\n  x\n", Severity.ERROR),
    RuleInfo("W601", "odd", "odd things", "W601 odd: ...", Severity.WARNING, "https://docs.invalid/W601.md"),
]


def test_text_head_excerpt_hint_note_and_summary() -> None:
    out = render_text([WARNING, ERROR], {"a.conf": SOURCE}, files_checked=2)
    lines = out.splitlines()
    assert lines[0] == "a.conf:2:3: warning: odd, 100% odd [W601]"
    assert lines[1] == '    2 |   Listen ":25" {'
    assert lines[2] == "      |   ^~~~~~"
    assert lines[3] == "a.conf:3:14: error: Idle_Time needs a number of seconds, not 'soon' [E301]"
    # The tab before Idle_Time stays a tab in the caret's padding so both lines expand alike.
    assert lines[4] == "    3 | \tIdle_Time = soon"
    assert lines[5] == "      | \t            ^~~~"
    assert lines[6] == "  hint: write a number, like 300"
    assert lines[7] == "  note: b.conf:1:1: first set here"
    assert lines[-1] == "1 error, 1 warning in 2 files"
    assert out.endswith("\n")


def test_caret_column_matches_span() -> None:
    _, caret = excerpt(Span("a.conf", 2, 10, 2, 15), SOURCE)
    assert caret.index("^") - caret.index("|") - 2 == 9
    assert caret.endswith("^~~~~")


def test_excerpt_multiline_span_runs_to_end_of_line_and_empty_span_gets_one_caret() -> None:
    _, caret = excerpt(Span("a.conf", 2, 3, 4, 2), SOURCE)
    assert caret.endswith("^" + "~" * (len('Listen ":25" {') - 1))
    _, caret = excerpt(Span("a.conf", 1, 1, 1, 1), SOURCE)
    assert caret.endswith("| ^")


def test_excerpt_at_end_of_file_and_without_source() -> None:
    assert excerpt(Span("a.conf", 6, 1, 6, 2), SOURCE)[1].endswith("| ^")  # the empty line after the last newline
    assert excerpt(Span("a.conf", 40, 1, 40, 2), SOURCE) == []
    assert excerpt(Span("a.conf", 1, 1, 1, 2), None) == []
    assert render_text([ERROR], {}, 1).splitlines()[1] == "  hint: write a number, like 300"


def test_excerpt_of_crlf_source_has_no_carriage_return() -> None:
    line, _ = excerpt(Span("w.conf", 1, 1, 1, 2), "a = 1\r\nb = 2\r\n")
    assert line.endswith("a = 1")


def test_summary_counts_and_plurals() -> None:
    assert summary([], 1) == "0 errors, 0 warnings in 1 file"
    assert summary([ERROR, ERROR, WARNING], 3) == "2 errors, 1 warning in 3 files"
    assert summary([NOTE], 0) == "0 errors, 0 warnings, 1 note in 0 files"


def test_colour_only_when_asked() -> None:
    plain = render_text([ERROR], {"a.conf": SOURCE}, 1, color=False)
    painted = render_text([ERROR], {"a.conf": SOURCE}, 1, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31merror\x1b[0m" in painted
    assert "\x1b[1;32m^~~~\x1b[0m" in painted


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_wants_color_needs_a_tty_and_no_NO_COLOR() -> None:
    assert wants_color(_Tty(), {}) is True
    assert wants_color(_Tty(), {"NO_COLOR": "1"}) is False
    assert wants_color(io.StringIO(), {}) is False


def test_json_has_exactly_the_documented_keys() -> None:
    data = json.loads(render_json([ERROR, NOTE], 2, ["a.conf"]))
    assert list(data) == ["diagnostics", "summary"]
    first = data["diagnostics"][0]
    assert first == {
        "path": "a.conf",
        "line": 3,
        "column": 14,
        "severity": "error",
        "code": "E301",
        "message": "Idle_Time needs a number of seconds, not 'soon'",
        "end_line": 3,
        "end_column": 18,
        "hint": "write a number, like 300",
        "notes": [
            {"path": "b.conf", "line": 1, "column": 1, "end_line": 1, "end_column": 9, "message": "first set here"}
        ],
    }
    second = data["diagnostics"][1]
    assert (second["severity"], second["hint"], second["notes"]) == ("info", None, [])
    assert (second["end_line"], second["end_column"]) == (1, 1)  # a point ends where it starts
    assert data["summary"] == {"errors": 1, "warnings": 0, "notes": 1, "files_checked": 2, "entry_points": ["a.conf"]}
    empty = {"errors": 0, "warnings": 0, "notes": 0, "files_checked": 0, "entry_points": []}
    assert json.loads(render_json([])) == {"diagnostics": [], "summary": empty}


def test_json_end_before_start_is_shown_as_a_point() -> None:
    backwards = Diagnostic("E100", "odd", Span("a.conf", 4, 5, 3, 1))
    item = json.loads(render_json([backwards]))["diagnostics"][0]
    assert (item["line"], item["column"], item["end_line"], item["end_column"]) == (4, 5, 4, 5)


# The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that a consumer relies on: required
# properties, enums and minimums of sarifLog, run, tool, toolComponent, reportingDescriptor, result, location,
# physicalLocation, artifactLocation and region.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_LOCATION = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "minimum": -1},
        "message": _MESSAGE,
        "physicalLocation": {
            "type": "object",
            "required": ["artifactLocation", "region"],
            "properties": {
                "artifactLocation": {
                    "type": "object",
                    "required": ["uri"],
                    "properties": {"uri": {"type": "string", "minLength": 1}},
                },
                "region": {
                    "type": "object",
                    "required": ["startLine"],
                    "properties": {
                        k: {"type": "integer", "minimum": 1}
                        for k in ("startLine", "startColumn", "endLine", "endColumn")
                    },
                },
            },
        },
    },
}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"enum": ["2.1.0"]},
        "$schema": {"type": "string"},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": _MESSAGE,
                                                "fullDescription": _MESSAGE,
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {
                                                        "level": {"enum": ["none", "note", "warning", "error"]}
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": _MESSAGE,
                                "locations": {"type": "array", "items": _LOCATION},
                                "relatedLocations": {"type": "array", "items": _LOCATION},
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_sarif_validates_and_carries_rules_levels_and_regions() -> None:
    log = json.loads(render_sarif([ERROR, WARNING, NOTE], RULES, "9.9.9"))
    jsonschema.validate(log, SARIF_SUBSET)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("ecconf", "9.9.9")
    assert [r["id"] for r in driver["rules"]] == ["E301", "W601"]
    assert driver["rules"][0]["fullDescription"]["text"].startswith("E301 value-type:")
    assert driver["rules"][1]["defaultConfiguration"]["level"] == "warning"
    first, second, third = run["results"]
    assert (first["ruleId"], first["ruleIndex"], first["level"]) == ("E301", 0, "error")
    assert first["message"]["text"] == ERROR.message
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 14, "endLine": 3, "endColumn": 18}
    assert first["relatedLocations"][0]["message"]["text"] == "first set here"
    assert first["properties"]["hint"] == ERROR.hint
    assert (second["level"], third["level"]) == ("warning", "note")
    assert "ruleIndex" not in third  # I700 is not among the rules handed over
    assert driver["rules"][0]["help"] == {"text": RULES[0].doc, "markdown": "**Bad**\n```text\nx\n```\n"}
    assert "helpUri" not in driver["rules"][0]  # no link rather than a relative one
    assert driver["rules"][1]["helpUri"] == "https://docs.invalid/W601.md"
    assert "informationUri" not in driver
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_sarif_invocation_and_information_uri() -> None:
    invocation = Invocation(2, ("cannot read x.conf",))
    log = json.loads(render_sarif([], RULES, "1", "https://docs.invalid/", invocation))
    run = log["runs"][0]
    assert run["tool"]["driver"]["informationUri"] == "https://docs.invalid/"
    assert run["invocations"] == [
        {
            "executionSuccessful": False,
            "exitCode": 2,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": "cannot read x.conf"}}],
        }
    ]


def test_sarif_with_no_results_is_still_a_valid_log() -> None:
    log = json.loads(render_sarif([], [], ""))
    jsonschema.validate(log, SARIF_SUBSET)
    assert log["runs"][0]["results"] == []


def test_artifact_uri() -> None:
    assert artifact_uri("conf/a b.conf") == "conf/a%20b.conf"
    assert artifact_uri("/etc/ecelerity/ecelerity.conf") == "file:///etc/ecelerity/ecelerity.conf"
    assert artifact_uri("<stdin>") == "%3Cstdin%3E"


def test_github_commands_and_escaping() -> None:
    weird = Diagnostic("W601", "50% done\nnext line", Span("dir,x/a:b.conf", 2, 3, 4, 1), Severity.WARNING, hint="h")
    out = render_github([ERROR, weird, NOTE]).splitlines()
    assert out[0] == (
        "::error file=a.conf,line=3,col=14,endColumn=18,title=E301::"
        "Idle_Time needs a number of seconds, not 'soon'%0Ahint: write a number, like 300"
    )
    assert (
        out[1]
        == "::warning file=dir%2Cx/a%3Ab.conf,line=2,col=3,endLine=4,title=W601::50%25 done%0Anext line%0Ahint: h"
    )
    assert out[2].startswith("::notice file=a.conf,line=1,col=1,title=I700::")
    assert render_github([]) == ""


def test_escapes() -> None:
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_dispatches_every_format(fmt: str) -> None:
    out = render([ERROR], RenderOptions(fmt, files_checked=1, tool_version="1"), {"a.conf": SOURCE}, RULES)
    assert "E301" in out


def test_render_rejects_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render([], RenderOptions("xml"))
