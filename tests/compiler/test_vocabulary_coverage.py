"""The option table holds every fact of the documentation's vocabulary (shared/momentum_vocabulary/): every
module page's stanza is a known scope, every option page's option is known in each scope it documents.

A new extraction that tools/import_vocabulary.py has not brought into compiler/data/ fails here.
"""

from __future__ import annotations

import csv

import pytest
from shared_paths import MOMENTUM_VOCABULARY

from ecconf.compiler.option_table import table

pytestmark = pytest.mark.skipif(
    not MOMENTUM_VOCABULARY.is_dir(), reason=f"no documentation vocabulary at {MOMENTUM_VOCABULARY}"
)
# The pages' word for any listener scope; the table names each listener scope instead.
LISTENER = "listener"


def _rows(name: str) -> list[dict[str, str]]:
    if not MOMENTUM_VOCABULARY.is_dir():
        return []
    with open(MOMENTUM_VOCABULARY / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_every_documented_module_is_a_scope_of_the_global_level() -> None:
    modules = _rows("modules.tsv")
    assert len(modules) > 50  # the extraction is there, not an empty file
    missing = [
        m["module"] for m in modules if (info := table().scope(m["module"])) is None or "global" not in info.scopes
    ]
    assert missing == []


def test_every_documented_option_is_known_in_its_documented_scopes() -> None:
    options = _rows("options.tsv")
    assert len(options) > 200
    wrong: list[str] = []
    for fact in options:
        is_scope = fact["is_scope"].strip().lower() == "true"
        info = table().scope(fact["name"]) if is_scope else table().option(fact["name"])
        if info is None:
            wrong.append(f"{fact['name']}: not known as {'a scope' if is_scope else 'an option'}")
            continue
        for scope in filter(None, (s.strip().lower() for s in fact["scopes"].split(","))):
            if scope == LISTENER:
                held = any(s.endswith("_listener") for s in info.scopes)
            else:
                held = scope in info.scopes
            if not held:
                wrong.append(f"{fact['name']}: not valid in {scope}")
    assert wrong == []


def test_no_documented_option_is_held_as_a_scope() -> None:
    # binding_auto_replumb(_interval) are options (`= "enabled"`), whatever a summary table once said. A name
    # may be both where a module page has it too (`domainkeys = "enabled"` switches what the module does).
    modules = {m["module"].lower() for m in _rows("modules.tsv")}
    held = [
        f["name"]
        for f in _rows("options.tsv")
        if f["is_scope"] == "false" and f["name"].lower() not in modules and table().scope(f["name"])
    ]
    assert held == []
