"""Diagnostics -> SARIF 2.1.0 (a log with one run): the rules with their help and links, the results, and
the invocation.

Rule of this room: part of render.py's room (the only formatter of diagnostics); it reads no files and knows
no rules: the caller hands over RuleInfo values. Positions are 1-based with an exclusive end column, as
spans count, and SARIF's unicodeCodePoints column kind counts the same way. URIs in it are absolute where
SARIF asks for absolute ones (helpUri, informationUri); the caller leaves a link out rather than pass a
relative one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from .diagnostics import Diagnostic, Severity
from .rule_docs import RuleInfo, body_markdown
from .span import Span

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """A URI reference for a path: absolute paths as file: URIs, relative ones as relative references."""
    pure = PurePath(path)
    if pure.is_absolute():
        return pure.as_uri()
    return quote(pure.as_posix(), safe="/")


def _location(span: Span, message: str | None = None, ident: int | None = None) -> dict[str, Any]:
    region = {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": max(span.end_column, span.column) if span.end_line == span.line else span.end_column,
    }
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": artifact_uri(span.path)}, "region": region}
    }
    if ident is not None:
        location["id"] = ident
    if message is not None:
        location["message"] = {"text": message}
    return location


def _sarif_rule(rule: RuleInfo) -> dict[str, Any]:
    described: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc},
        "help": {"text": rule.doc, "markdown": body_markdown(rule.doc)},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
    }
    if rule.help_uri:
        described["helpUri"] = rule.help_uri
    return described


@dataclass(frozen=True, slots=True)
class Invocation:
    """What SARIF's `invocations` says about the run: its exit code (None: unknown) and the inputs it could not
    read, which make it unsuccessful. Deliberately no command line, working directory or environment: a
    report is often published, and those can hold what must not be."""

    exit_code: int | None = None
    input_errors: tuple[str, ...] = ()

    def to_sarif(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"executionSuccessful": not self.input_errors}
        if self.exit_code is not None:
            entry["exitCode"] = self.exit_code
        if self.input_errors:
            entry["toolExecutionNotifications"] = [
                {"level": "error", "message": {"text": problem}} for problem in self.input_errors
            ]
        return entry


def _sarif_result(d: Diagnostic, index: Mapping[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": d.code,
        "level": _SARIF_LEVEL[d.severity],
        "message": {"text": d.message},
        "locations": [_location(d.span)],
    }
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    if d.related:
        result["relatedLocations"] = [_location(r.span, r.message, i) for i, r in enumerate(d.related)]
    if d.hint:
        result["properties"] = {"hint": d.hint}
    return result


def render_sarif(
    diagnostics: Sequence[Diagnostic],
    rules: Sequence[RuleInfo],
    tool_version: str,
    information_uri: str = "",
    invocation: Invocation | None = None,
) -> str:
    index = {rule.code: i for i, rule in enumerate(rules)}
    driver: dict[str, Any] = {"name": "ecconf"}
    if tool_version:
        driver["version"] = tool_version
    if information_uri:
        driver["informationUri"] = information_uri
    driver["rules"] = [_sarif_rule(rule) for rule in rules]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [(invocation or Invocation()).to_sarif()],
                "columnKind": "unicodeCodePoints",
                "results": [_sarif_result(d, index) for d in diagnostics],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
