"""The JSON Schema: published copy current, well formed, documented; validation messages at JSON paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from shared_paths import MOMENTUM_SAMPLES

from ecconf.compiler import schema as schema_module
from ecconf.compiler.build import build
from ecconf.compiler.includes import load
from ecconf.compiler.schema import SCHEMA_ID, schema, schema_text, validate, violations
from ecconf.compiler.to_json import to_json

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "compiler" / "ecconf.schema.json"
SHARED_SAMPLES = MOMENTUM_SAMPLES


def sample_configs() -> list[Path]:
    found = sorted(ROOT.glob("samples/**/*.conf")) + sorted(ROOT.glob("tests/fixtures/**/*.conf"))
    return found + (sorted(SHARED_SAMPLES.iterdir()) if SHARED_SAMPLES.is_dir() else [])


def test_committed_schema_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "compiler/ecconf.schema.json is stale: python -m ecconf.compiler.schema > compiler/ecconf.schema.json"
    )


def test_schema_is_draft_2020_12_with_id_title_and_description() -> None:
    data = schema()
    Draft202012Validator.check_schema(data)
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert data["$id"] == SCHEMA_ID
    assert data["title"] and data["description"]


def _properties(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = [(f"$.{name}", prop) for name, prop in data["properties"].items()]
    for def_name, definition in data["$defs"].items():
        out += [(f"{def_name}.{name}", prop) for name, prop in definition.get("properties", {}).items()]
    return out


def test_every_definition_and_property_is_described() -> None:
    data = schema()
    assert [name for name, d in data["$defs"].items() if not d.get("description")] == []
    assert [name for name, prop in _properties(data) if not prop.get("description")] == []


def test_no_nulls_and_json_values_spelled_out_recursively() -> None:
    text = schema_text()
    assert '"null"' not in text and '"default": null' not in text
    value = schema()["$defs"]["JsonValue"]
    kinds = {branch["type"] for branch in value["anyOf"]}
    assert kinds == {"string", "integer", "boolean", "array", "object"}
    assert {"$ref": "#/$defs/JsonValue"} in (value["anyOf"][3]["items"], value["anyOf"][4]["additionalProperties"])


def test_schema_returns_a_fresh_copy() -> None:
    schema()["title"] = "changed"
    assert schema()["title"] != "changed"


def test_regenerate_command_prints_the_schema() -> None:
    out = subprocess.run(
        [sys.executable, "-m", schema_module.__name__], capture_output=True, text=True, check=True, encoding="utf-8"
    ).stdout
    assert out == COMMITTED.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sample_configs(), ids=lambda p: p.name)
def test_json_of_every_sample_validates(path: Path) -> None:
    loaded = load(str(path))
    assert validate(to_json(build(loaded.root).config)) == []


def listener(**listen: Any) -> dict[str, Any]:
    return {"esmtp_listener": {"listens": [{"address": ":25", **listen}]}}


L0 = "$.esmtp_listener.listens[0]"


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (listener(enable="yes"), f"{L0}.enable", "expected true or false, got a string"),
        (listener(idle_time="30"), f"{L0}.idle_time", "expected a whole number, got a string"),
        (listener(idle_time=-1), f"{L0}.idle_time", "must be 0 or more, got -1"),
        (listener(smtp_extensions="AUTH PLAIN"), f"{L0}.smtp_extensions", "expected an array, got a string"),
        (listener(smtp_extension=[]), f"{L0}.smtp_extension", "unknown key 'smtp_extension'"),
        (listener(realm=None), f"{L0}.realm", "unknown key 'realm'"),
        (listener(banner_hostname=None), f"{L0}.banner_hostname", "expected a string, got null"),
        (
            listener(options={"ratio": 0.5}),
            f"{L0}.options.ratio",
            "expected a string, whole number, boolean, array or object, got a number with a fraction",
        ),
        (listener(options={"Foo": 1}), f"{L0}.options.Foo", "'Foo' cannot be written as an option name"),
        (listener(options={"a b": 1}), f'{L0}.options["a b"]', "'a b' cannot be written as an option name"),
        (listener(options={"include": "x"}), f"{L0}.options.include", "'include' cannot be written as an option name"),
        (listener(options={"x\n": "x"}), f'{L0}.options["x\\n"]', "'x\\n' cannot be written as an option name"),
        (listener(options={"enable": True}), f"{L0}.options.enable", "'enable' has a key of its own here"),
        (
            listener(auth_plain_parameters={"options": {"uri": "x"}}),
            f"{L0}.auth_plain_parameters.options.uri",
            "'uri' has a key of its own here",
        ),
        (
            {"esmtp_listener": {"listens": [{"enable": True}]}},
            L0,
            "missing key 'address'",
        ),
        (
            {"esmtp_listener": {"scopes": [{"name": "LISTEN"}]}},
            "$.esmtp_listener.scopes[0]",
            "a scope named 'LISTEN' does not belong in scopes here",
        ),
        (
            {"scopes": [{"name": "Esmtp_Listener"}]},
            "$.scopes[0]",
            "a scope named 'Esmtp_Listener' does not belong in scopes here",
        ),
        ({"scopes": [{"name": "a{b"}]}, "$.scopes[0].name", "'a{b' cannot be written as a scope name"),
        ({"scopes": [{"name": "Include"}]}, "$.scopes[0].name", "'Include' cannot be written as a scope name"),
        ([], "$", "expected an object, got an array"),
    ],
)
def test_violations_name_the_json_path(data: Any, path: str, message: str) -> None:
    assert (path, message) in validate(data)


def test_valid_documents_have_no_violations() -> None:
    ok = {
        "$schema": SCHEMA_ID,
        "esmtp_listener": {"listens": [{"address": ":25", "options": {"nas-ip-address": "1", "x.y": ["a", 1]}}]},
        "scopes": [{"name": "Domain", "instance": "example.com", "scopes": [{"name": "Listen"}]}],
        "options": {"keep_message_dicts_in_memory": True},
    }
    assert validate(ok) == []


def test_hints_suggest_the_right_key() -> None:
    by_path = {v.path: v for v in violations(listener(smtp_extension=[], relay_host=[], file_mode="0660"))}
    assert by_path[f"{L0}.smtp_extension"].hint == "did you mean 'smtp_extensions'?"
    assert by_path[f"{L0}.relay_host"].hint == "did you mean 'relay_hosts'?"
    assert "put it under 'options'" in by_path[f"{L0}.file_mode"].hint
    null = violations(listener(banner_hostname=None))[0]
    assert null.hint == "leave the key out to leave it unset"


def test_every_violation_is_reported_once_in_path_order() -> None:
    found = validate(listener(enable=1, idle_time="x", zzz=1, aaa=2))
    assert len(found) == len(set(found)) == 4
    assert found == sorted(found)


@pytest.mark.parametrize("path", sorted(ROOT.glob("samples/json/*.json")), ids=lambda p: p.name)
def test_sample_json_files_validate(path: Path) -> None:
    assert validate(json.loads(path.read_text(encoding="utf-8"))) == []
