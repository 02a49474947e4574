"""The JSON Schema (draft 2020-12) of ecconf's JSON form, generated from the models, and validation with it.

Rule of this room: the models are the single source of the shape (json_models.py derives pydantic's from
them, and pydantic writes the schema); this module only sharpens what pydantic writes (no nulls: a key that
is not set is left out; JsonValue spelled out; names constrained to what the config language can write
back) and turns jsonschema's errors into messages at JSON paths. `compiler/ecconf.schema.json` is the
published copy; regenerate it with `python -m ecconf.compiler.schema`.
"""

from __future__ import annotations

import difflib
import json
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .build import AUTH_KEYS, ECCONF_NETWORK_LISTS, GLOBAL_CIDR_LISTS, GLOBAL_SCALARS, LISTENER_SCALARS
from .json_locate import Parts, json_path
from .models import AUTH_FIELDS
from .option_table import table

SCHEMA_ID = "urn:ecconf:schema:config:1"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "ecconf.schema.json"

# Every character Python's `\s` matches: the config lexer splits words on these, so names may not hold them.
_SPACES = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x10000)) if c.isspace())
# A bare word of the config language (grammar WORD), whole string, and not the include keyword. No `$`-only
# anchor: Python's `$` also matches before a final newline, so the first look-ahead refuses newlines.
# Written in the common ground of Python's `re` and ECMA-262 with the `u` flag (what Ajv, check-jsonschema
# and editors compile patterns as): there, escaping a character that is not syntax (`\"`, `\,`) is an error,
# so only `\uXXXX`, `\s`, `\S`, `\n` and the brackets, braces, parentheses and `*` are escaped.
_INCLUDE_WORD = "(?:[rR][eE][aA][dD][oO][nN][lL][yY]_)?[iI][nN][cC][lL][uU][dD][eE]"
_WORD = rf"""^(?![\s\S]*\n)(?!/\*)(?!{_INCLUDE_WORD}$)[^{_SPACES}#"'=\{{\}}\[\]\(\),]+$"""
# Option names are stored lower case (the language is case-insensitive).
_OPTION_NAME = _WORD.replace(r",]+$", r",A-Z]+$")

_LISTENER_TYPED = {
    **{name: name for name in LISTENER_SCALARS},
    "smtp_extensions": "smtp_extensions",
    "relay_hosts": "relay_hosts",
    **{name: name for name in ECCONF_NETWORK_LISTS},
    **{name: field for name, (field, _mech) in AUTH_FIELDS.items()},
}
# Option names that have a typed key of their own in each object: in `options` they would not read back there.
RESERVED_OPTIONS: dict[str, dict[str, str]] = {
    "Config": {**{n: n for n in (*GLOBAL_SCALARS, *GLOBAL_CIDR_LISTS)}, "relay_hosts": "relay_hosts"},
    "EsmtpListener": _LISTENER_TYPED,
    "Listen": _LISTENER_TYPED,
    "Peer": _LISTENER_TYPED,
    "EcLogger": {"acctlog": "acctlog"},
    "AuthParameters": {n: n for n in AUTH_KEYS},
}
# Scope names that have a key of their own in each object (compared case-insensitively).
RESERVED_SCOPES: dict[str, dict[str, str]] = {
    "Config": {"esmtp_listener": "esmtp_listener", "ec_logger": "ec_loggers"},
    "EsmtpListener": {"listen": "listens", "peer": "peers"},
    "Listen": {"peer": "peers"},
}
DEF_DESCRIPTIONS = {
    "EsmtpListener": "The ESMTP_Listener scope: listener-wide options, its Listen scopes and Peer scopes",
    "Listen": "One Listen scope (one socket) and the options that override the listener's for it",
    "Peer": "One Peer scope: options for clients whose address is in `network`",
}
JSON_VALUE = {
    "description": "A value as written: a string, a whole number, a boolean, an array or an object of values",
    "anyOf": [
        {"type": "string"},
        {"type": "integer"},
        {"type": "boolean"},
        {"type": "array", "items": {"$ref": "#/$defs/JsonValue"}},
        {"type": "object", "additionalProperties": {"$ref": "#/$defs/JsonValue"}},
    ],
}


ANY_MARK = {"x-ecconf": "JsonValue"}  # what json_models.py writes for Any, replaced here


def _replace_marks(node: Any) -> Any:
    if node == ANY_MARK:
        return {"$ref": "#/$defs/JsonValue"}
    if isinstance(node, dict):
        return {k: _replace_marks(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_marks(v) for v in node]
    return node


def _insensitive(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


def _sharpen(defs: dict[str, Any]) -> None:
    for name, definition in defs.items():
        definition.setdefault("description", DEF_DESCRIPTIONS.get(name, ""))
        props = definition.get("properties", {})
        for prop in props.values():
            if prop.get("default", ...) is None:
                del prop["default"]
        if "options" in props:
            names: dict[str, Any] = (
                {"$ref": "#/$defs/OptionName"} if name != "AuthParameters" else {"pattern": "^[^A-Z]*$"}
            )
            if name in RESERVED_OPTIONS:
                names["not"] = {"enum": sorted(RESERVED_OPTIONS[name])}
            props["options"]["propertyNames"] = names
        if name in RESERVED_SCOPES:
            words = "|".join(_insensitive(w) for w in sorted(RESERVED_SCOPES[name]))
            keys = ", ".join(sorted(set(RESERVED_SCOPES[name].values())))
            props["scopes"]["items"] = {
                "$ref": "#/$defs/GenericScope",
                # The types are said again so that Ajv's strict mode (strictTypes) has nothing to warn about.
                "not": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string", "pattern": f"^(?:{words})$"}},
                },
                "description": f"A scope with a key of its own ({keys}) is written there, not in scopes",
            }
    defs["GenericScope"]["properties"]["name"]["$ref"] = "#/$defs/ScopeName"
    defs["JsonValue"] = JSON_VALUE
    defs["OptionName"] = {
        "description": "An option name the config language can write: lower case, a bare word, not include",
        "type": "string",
        "pattern": _OPTION_NAME,
    }
    defs["ScopeName"] = {
        "description": "A scope name the config language can write: a bare word, not include",
        "type": "string",
        "pattern": _WORD,
    }


@lru_cache(maxsize=1)
def _generated() -> str:
    from .json_models import json_schema  # pydantic, only when the schema is asked for

    raw = _replace_marks(json_schema())
    defs = raw.pop("$defs")
    defs["Config"] = raw
    _sharpen(defs)
    root = defs.pop("Config")
    root.pop("title", None)
    out = {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "ecconf configuration",
        "description": (
            "A Momentum (ecelerity) configuration in ecconf's JSON form. Keys are lower-case snake_case option "
            "names; a key that is not set is left out. Options ecconf interprets are typed; every other option "
            "is kept under `options` (typed when Momentum documents a boolean or numeric default, else as "
            "written), every other scope under `scopes`. " + str(root.pop("description", ""))
        ),
        "type": root.pop("type"),
        "additionalProperties": root.pop("additionalProperties"),
        "properties": {
            "$schema": {
                "type": "string",
                "description": f"Where this document's schema is: its id ({SCHEMA_ID}), a path or a URL",
            },
            **root.pop("properties"),
        },
        **root,
        "$defs": dict(sorted(defs.items())),
    }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema (a fresh copy: callers may change it)."""
    return json.loads(_generated())


def schema_text() -> str:
    """The schema as published: what `ecconf schema` prints and compiler/ecconf.schema.json holds."""
    return _generated()


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


@dataclass(frozen=True, slots=True)
class Violation:
    parts: Parts
    message: str
    hint: str = ""
    role: str = "value"  # "key": show it at the key (a name is wrong); "value": at the value

    @property
    def path(self) -> str:
        return json_path(self.parts)


_TYPE_WORDS = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number with a fraction" if math.isfinite(value) else f"{value} (not a JSON number)"
    kinds: dict[type, str] = {str: "a string", list: "an array", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)


def _unknown_key(parts: Parts, key: str, allowed: Iterable[str]) -> Violation:
    folded = {a.replace("_", ""): a for a in allowed if a != "$schema"}
    close = difflib.get_close_matches(key.lower().replace("_", ""), list(folded), n=1, cutoff=0.75)
    if close:
        hint = f"did you mean {folded[close[0]]!r}?"
    elif "options" in folded and table().option(key) is not None:
        hint = f"{key!r} is a Momentum option ecconf does not interpret: put it under 'options'"
    else:
        hint = "allowed keys: " + ", ".join(sorted(folded.values()))
    return Violation((*parts, key), f"unknown key {key!r}", hint, "key")


def _explain(error: ValidationError) -> list[Violation]:
    parts: Parts = tuple(error.absolute_path)
    kind = error.validator
    # jsonschema types these as unions with its own sentinel; an error it yields always carries them.
    value: Any = error.validator_value
    instance: Any = error.instance
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if "propertyNames" in error.absolute_schema_path:
        key = str(instance)
        if kind == "not":
            typed = {k: v for names in RESERVED_OPTIONS.values() for k, v in names.items()}.get(key, key)
            hint = f"write it as {typed!r} beside 'options'"
            return [Violation((*parts, key), f"{key!r} has a key of its own here", hint, "key")]
        return [
            Violation(
                (*parts, key),
                f"{key!r} cannot be written as an option name",
                "names are lower case, not include, without white space or any of # \" ' = { } [ ] ( ) ,",
                "key",
            )
        ]
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        return [_unknown_key(parts, k, allowed) for k in instance if k not in allowed]
    if kind == "required":
        return [Violation(parts, f"missing key {k!r}", "", "key") for k in value if k not in instance]
    if kind == "type":
        wanted = " or ".join(_TYPE_WORDS.get(t, t) for t in ([value] if isinstance(value, str) else value))
        hint = "leave the key out to leave it unset" if instance is None else ""
        return [Violation(parts, f"expected {wanted}, got {_kind(instance)}", hint)]
    if kind == "anyOf" and schema.get("description") == JSON_VALUE["description"]:
        hint = "write fractions as strings" if isinstance(instance, float) else ""
        return [
            Violation(parts, f"expected a string, whole number, boolean, array or object, got {_kind(instance)}", hint)
        ]
    if kind == "minimum":
        return [Violation(parts, f"must be {value} or more, got {instance}")]
    if kind == "not":
        name = instance.get("name") if isinstance(instance, dict) else instance
        hint = str(schema.get("description", ""))
        return [Violation(parts, f"a scope named {name!r} does not belong in scopes here", hint, "key")]
    if kind == "pattern":
        return [
            Violation(
                parts,
                f"{instance!r} cannot be written as a scope name",
                "a name has no white space, is not include, and none of # \" ' = { } [ ] ( ) ,",
            )
        ]
    return [Violation(parts, error.message)]


def violations(data: Any) -> list[Violation]:
    """Every way `data` departs from the schema, in document-path order, each once."""
    out: dict[tuple[Parts, str], Violation] = {}
    for error in _validator().iter_errors(data):
        for violation in _explain(error):
            out.setdefault((violation.parts, violation.message), violation)
    return sorted(out.values(), key=lambda v: ([str(p) for p in v.parts], v.message))


def validate(data: Any) -> list[tuple[str, str]]:
    """(JSON path, message) for every schema violation; empty when `data` is valid."""
    return [(v.path, v.message) for v in violations(data)]


if __name__ == "__main__":
    sys.stdout.write(schema_text())
