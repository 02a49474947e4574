"""The interpreted options' table (compiler/vocabulary.py) against everything that reads or repeats it: the
models' fields and bounds, the runtime's fields and defaults, lint's fallback defaults, the option table's
rows, the text writer's spellings, and a bound that holds for text and JSON input alike."""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any

import pytest

import ecconf
from ecconf.compiler import build, fallback, json_models, to_runtime
from ecconf.compiler.models import AuthParameters, Config, ListenerOptions, Model, field_names, fields_of
from ecconf.compiler.option_table import table
from ecconf.compiler.to_text import SPELLING
from ecconf.compiler.vocabulary import LISTENER_SCOPES, TERMS, Term, terms
from ecconf.runtime.config import ServerConfig, SessionPolicy

MODELS: dict[str, type[Model]] = {"global": Config, "listener": ListenerOptions, "auth": AuthParameters}
# Fields that structure a model rather than hold an option.
STRUCTURE = {"options", "scopes", "esmtp_listener", "ec_loggers"}
PYTHON_TYPES: dict[str, object] = {
    "bool": bool,
    "int": int,
    "seconds": float,
    "text": str,
    "path": str,
    "redis_url": str,
    "networks": list[str],
    "words": list[str],
    "auth": AuthParameters,
}


def _annotation(model: type[Model], field: str) -> object:
    hint = typing.get_type_hints(model)[field]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    assert isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union, f"{field}: not optional"
    [inner] = args
    return inner


@pytest.mark.parametrize("where", sorted(MODELS))
def test_each_model_holds_exactly_the_rows_of_its_scope_typed_by_their_kind(where: str) -> None:
    model = MODELS[where]
    assert set(field_names(model)) - STRUCTURE == {t.field for t in terms(where)}  # type: ignore[arg-type]
    fields = {f.name: f for f in fields_of(model)}
    derived = json_models.derived().get(model)  # the pydantic model JSON input is validated with
    for t in terms(where):  # type: ignore[arg-type]
        inner = _annotation(model, t.field)
        if t.kind == "choice":
            assert typing.get_args(inner) == t.choices, t.field
        else:
            assert inner == PYTHON_TYPES[t.kind], t.field
        field = fields[t.field]
        assert field.metadata["ge"] == t.minimum, t.field
        assert field.default is None and field.metadata["description"].endswith(t.description)
        if derived is not None:
            info = derived.model_fields[t.field]
            bounds = [m.ge for m in info.metadata if hasattr(m, "ge")]
            assert bounds == ([] if t.minimum is None else [t.minimum]), t.field
            assert info.default is None and info.description == field.metadata["description"]


def test_names_are_unique_and_spelt_by_the_text_writer() -> None:
    keys = [(t.where, t.field) for t in TERMS]
    assert len(keys) == len(set(keys))
    for t in TERMS:
        assert SPELLING[t.field] == t.spelling
        assert t.spelling.lower().replace("_", "") == t.field.replace("_", "") or t.kind == "auth"


def test_the_runtime_has_a_field_for_every_option_serve_applies() -> None:
    policy = {f.name for f in dataclasses.fields(SessionPolicy)}
    server = {f.name for f in dataclasses.fields(ServerConfig)}
    for t in TERMS:
        if t.where == "listener" and t.kind != "auth":
            assert t.field in policy, t.field
        elif t.where == "global":  # server-wide, or applied to every client's policy
            assert t.field in server | policy, t.field
    assert set(to_runtime.PLAIN_FIELDS) <= {t.field for t in terms("listener")}


def _runtime_default(t: Term) -> Any:
    owners = (SessionPolicy,) if t.where == "listener" else (ServerConfig, SessionPolicy)
    [found, *_] = [f for owner in owners for f in dataclasses.fields(owner) if f.name == t.field]
    return found.default


def test_lint_falls_back_to_the_defaults_serve_applies() -> None:
    for field, value in fallback.DEFAULTS.items():
        assert _runtime_default(next(t for t in terms("listener") if t.field == field)) == value, field


def _tsv_rows() -> dict[str, dict[str, str]]:
    data = Path(build.__file__).parent / "data" / "ecconf_options.tsv"
    lines = [line for line in data.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return {r["option"]: r for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)}


def _as_default(text: str, value: Any) -> Any:
    if value is None or value == ():
        return text == ""
    if isinstance(value, bool):
        return text == str(value).lower()
    if isinstance(value, (int, float)):
        return float(text) == value
    return text == value


@pytest.mark.parametrize("t", [t for t in TERMS if t.origin == "ecconf" and t.kind != "auth"], ids=lambda t: t.field)
def test_each_ecconf_option_is_in_the_option_table_with_the_runtimes_default(t: Term) -> None:
    row = _tsv_rows()[t.field]
    assert row["version"] == "ecconf"
    wanted = set(LISTENER_SCOPES) if t.where == "listener" else {"global"}
    assert {s.strip() for s in row["scopes"].split(",")} == wanted
    assert _as_default(row["default"], _runtime_default(t)), (row["default"], _runtime_default(t))
    info = table().option(t.spelling)
    assert info is not None and info.description == t.description


def test_momentum_options_are_documented_and_ecconf_ones_are_not() -> None:
    ours = set(_tsv_rows())
    for t in TERMS:
        if t.field in build.GLOBAL_SYNONYMS.values():
            continue  # Momentum's `spoolbase` as SPEC spells it, a row of ecconf's table for that spelling
        if t.where != "auth":
            assert table().option(t.spelling) is not None, t.spelling
            assert (t.spelling.lower() in ours) == (t.origin == "ecconf"), t.spelling


@pytest.mark.parametrize("t", [t for t in TERMS if t.minimum], ids=lambda t: t.field)
def test_a_bound_holds_for_text_and_json_input_alike(t: Term, tmp_path: Path) -> None:
    low = t.minimum - 1  # type: ignore[operator]
    text = tmp_path / "low.conf"
    json_file = tmp_path / "low.json"
    if t.where == "global":
        text.write_text(f'{t.spelling} = {low}\nESMTP_Listener {{ Listen ":25" {{ }} }}\n')
        json_file.write_text(json.dumps({t.field: low, "esmtp_listener": {"listens": [{"address": ":25"}]}}))
    else:
        text.write_text(f'ESMTP_Listener {{ {t.spelling} = {low}\n Listen ":25" {{ }} }}\n')
        json_file.write_text(json.dumps({"esmtp_listener": {t.field: low, "listens": [{"address": ":25"}]}}))
    for path in (text, json_file):
        report = ecconf.lint(str(path))
        found = [d for d in report.diagnostics if d.severity.name == "ERROR"]
        assert found and all(d.span.line >= 1 for d in found), (path.suffix, report.diagnostics)
        assert any(str(t.minimum) in d.message for d in found), [d.message for d in found]


def test_models_are_made_and_read_through_pydantics_public_api() -> None:
    private = ("__pydantic_private__", "__pydantic_fields_set__", "__pydantic_extra__", ".__dict__")
    compiler = Path(build.__file__).parent
    found = [
        f"{path.relative_to(compiler)}: {word}"
        for path in sorted(compiler.rglob("*.py"))
        for word in private
        if word in path.read_text(encoding="utf-8")
    ]
    assert found == []


def test_linting_a_config_file_never_imports_pydantic(tmp_path: Path) -> None:
    """The models are plain dataclasses; pydantic's twins are derived only for JSON input and the schema."""
    config = tmp_path / "ecelerity.conf"
    config.write_text('ESMTP_Listener { Listen ":25" { SMTP_Extensions = ( "AUTH PLAIN" ) } }\n')
    code = (
        "import sys, ecconf; ecconf.lint(sys.argv[1]); "
        "print(sorted(m for m in ('pydantic', 'pydantic_core') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(config)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    json_file = tmp_path / "c.json"
    json_file.write_text(json.dumps({"esmtp_listener": {"listens": [{"address": ":25"}]}}))
    out = subprocess.run([sys.executable, "-c", code, str(json_file)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['pydantic', 'pydantic_core']"  # JSON input is validated by pydantic
