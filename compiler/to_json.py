"""Models -> ecconf's JSON form: what `ecconf json` prints.

Rule of this room: the JSON is the models' own data, nothing added but `"$schema"` (where the schema that
describes it is, so the document says what it is and an editor can check it; see schema_ref()). A key that is
not set is left out; so are empty `options`, `scopes`, `listens`, `peers` and `ec_loggers`, which say nothing.
An empty list or dictionary that *was* written (`SMTP_Extensions = ( )` overrides what the listener would
otherwise inherit) is kept. Keys come in the models' declared order with the identifying key (name, instance,
address, network) first; keys of `options` keep the order of the config text. The output is deterministic:
same config, same bytes.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from .models import Config, Model, default_of, field_names
from .schema import SCHEMA_FILE, SCHEMA_ID

IDENTITY_KEYS = ("name", "instance", "address", "network")


def _dump(value: Any) -> Any:
    if isinstance(value, Model):
        return _dump_model(value)
    if isinstance(value, list):
        return [_dump(item) for item in value]
    return copy.deepcopy(value)  # options: plain JSON data, not ours to share


def _dump_model(model: Model) -> dict[str, Any]:
    fields = field_names(type(model))
    ordered = [f for f in IDENTITY_KEYS if f in fields] + [f for f in fields if f not in IDENTITY_KEYS]
    out: dict[str, Any] = {}
    for name in ordered:
        value = getattr(model, name)
        if value is None or (value in ([], {}) and value == default_of(type(model), name)):
            continue
        out[name] = _dump(value)
    return out


def schema_ref(output: str | None) -> str:
    """The default `"$schema"` of JSON written to `output` (None: standard output).

    Editors resolve a relative `$schema` against the document's folder, and VS Code lets a document's
    `$schema` win over its json.schemas settings, so the id alone (a urn, which no editor can fetch) would
    switch validation off. When a published copy of the schema (`ecconf schema -o ecconf.schema.json`) is in
    the output's folder or one above it, the reference is the relative path to the nearest one; otherwise,
    and on standard output, the schema's id."""
    if output is None or output == "-":
        return SCHEMA_ID
    folder = Path(os.path.abspath(output)).parent
    for candidate in (folder, *folder.parents):
        if (candidate / SCHEMA_FILE).is_file():
            return Path(os.path.relpath(candidate / SCHEMA_FILE, folder)).as_posix()
    return SCHEMA_ID


def to_json(config: Config, schema: str | None = SCHEMA_ID) -> dict[str, Any]:
    """The typed JSON form of a configuration (a new dict: the caller may change it); `schema` is the
    `"$schema"` it carries (None: none)."""
    head = {} if schema is None else {"$schema": schema}
    return {**head, **_dump_model(config)}


def dumps(config: Config, schema: str | None = SCHEMA_ID) -> str:
    """The JSON text: two-space indent, UTF-8 characters as they are, a final newline."""
    return json.dumps(to_json(config, schema), indent=2, ensure_ascii=False) + "\n"
