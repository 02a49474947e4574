"""The published schema in the tools people validate with: check-jsonschema and Ajv (draft 2020-12), each at
its default settings, agree with ecconf's own validator on sample documents and on the name patterns.

Each tool's tests are skipped, saying so, only when that tool is not installed: `bash .ci/run` installs
check-jsonschema with the dev extra and Ajv with npm into .ci/npm/ajv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from ecconf.cli import main
from ecconf.compiler.schema import schema

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "compiler" / "ecconf.schema.json"
AJV_SCRIPT = ROOT / "tests" / "tools" / "ajv_validate.js"
AJV_MODULES = Path(os.environ.get("ECCONF_AJV_MODULES", ROOT / ".ci" / "npm" / "ajv" / "node_modules"))

HAVE_CHECK_JSONSCHEMA = importlib.util.find_spec("check_jsonschema") is not None
HAVE_AJV = shutil.which("node") is not None and (AJV_MODULES / "ajv" / "package.json").is_file()
needs_check_jsonschema = pytest.mark.skipif(
    not HAVE_CHECK_JSONSCHEMA, reason="check-jsonschema is not installed (pip install -e '.[dev]')"
)
needs_ajv = pytest.mark.skipif(
    not HAVE_AJV, reason=f"node or Ajv is missing (bash .ci/run installs Ajv into {AJV_MODULES})"
)

# (name, valid as an option name, valid as a scope name). Option names are stored lower case; both refuse
# white space (Python's idea of it), the language's punctuation, the include keywords and a leading `/*`.
NAMES: list[tuple[str, bool, bool]] = [
    ("server_name", True, True),
    ("nas-ip-address", True, True),
    ("x.y", True, True),
    ("a/b", True, True),
    ("a/*b", True, True),
    ("foo*", True, True),
    ("123", True, True),
    ("a:b;c", True, True),
    ("ünïcödé", True, True),
    ("名前", True, True),
    ("emoji😀", True, True),
    ("includes", True, True),
    ("include_x", True, True),
    ("readonly_includes", True, True),
    ("ESMTP_Listener", False, True),
    ("Include_X", False, True),
    ("", False, False),
    ("a b", False, False),
    ("tab\tx", False, False),
    ("new\nline", False, False),
    ("trailing\n", False, False),
    ("cr\r", False, False),
    ("nbsp\u00a0x", False, False),
    ("nel\u0085x", False, False),
    ("ls\u2028x", False, False),
    ("ideographic\u3000x", False, False),
    ("fs\u001cx", False, False),
    ("include", False, False),
    ("Include", False, False),
    ("readonly_include", False, False),
    ("READONLY_INCLUDE", False, False),
    ("/*comment", False, False),
    ("a#b", False, False),
    ('a"b', False, False),
    ("a'b", False, False),
    ("a=b", False, False),
    ("a{b", False, False),
    ("a}b", False, False),
    ("a[b", False, False),
    ("a]b", False, False),
    ("a(b", False, False),
    ("a)b", False, False),
    ("a,b", False, False),
]


def _name_schema(definition: str) -> dict[str, Any]:
    """A schema for an array of names, each checked by one of the published schema's name definitions."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "array",
        "items": {"$ref": f"#/$defs/{definition}"},
        "$defs": {definition: schema()["$defs"][definition]},
    }


def _expected(column: int) -> list[bool]:
    return [row[column] for row in NAMES]


@pytest.mark.parametrize(("definition", "column"), [("OptionName", 1), ("ScopeName", 2)])
def test_python_validator_reads_the_name_patterns_as_meant(definition: str, column: int) -> None:
    validator = Draft202012Validator(_name_schema(definition)["$defs"][definition])
    assert [validator.is_valid(name) for name, *_ in NAMES] == _expected(column)


def _config_outputs(tmp_path: Path) -> list[Path]:
    """`ecconf json` of every sample config that has no errors, plus the committed JSON samples."""
    out: list[Path] = []
    for conf in sorted(ROOT.glob("samples/**/*.conf")):
        target = tmp_path / f"{conf.parent.name}-{conf.stem}.ecconf.json"
        if main(["json", str(conf), "-o", str(target), "--schema-ref", "none"]) == 0:
            out.append(target)
    assert len(out) >= 5, "the samples should give several JSON documents"
    return out + sorted(ROOT.glob("samples/json/*.json"))


BAD_DOCUMENT = {"esmtp_listener": {"listens": [{"address": ":25", "idle_time": "x", "options": {"A B": 1}}]}}


# --- check-jsonschema -----------------------------------------------------------------------------------


def _check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *args], capture_output=True, text=True, encoding="utf-8"
    )


@needs_check_jsonschema
def test_check_jsonschema_accepts_the_schema_against_its_metaschema() -> None:
    done = _check_jsonschema("--check-metaschema", str(COMMITTED))
    assert done.returncode == 0, done.stdout + done.stderr


@needs_check_jsonschema
def test_check_jsonschema_validates_the_samples_and_refuses_a_bad_document(tmp_path: Path) -> None:
    documents = _config_outputs(tmp_path)
    done = _check_jsonschema("--schemafile", str(COMMITTED), *map(str, documents))
    assert done.returncode == 0, done.stdout + done.stderr
    bad = tmp_path / "bad.ecconf.json"
    bad.write_text(json.dumps(BAD_DOCUMENT), encoding="utf-8")
    done = _check_jsonschema("--schemafile", str(COMMITTED), str(bad))
    assert done.returncode == 1 and "idle_time" in done.stdout, done.stdout + done.stderr


@needs_check_jsonschema
@pytest.mark.parametrize(("definition", "column"), [("OptionName", 1), ("ScopeName", 2)])
def test_check_jsonschema_reads_the_name_patterns_as_python_does(definition: str, column: int, tmp_path: Path) -> None:
    schema_file = tmp_path / "names.schema.json"
    schema_file.write_text(json.dumps(_name_schema(definition)), encoding="utf-8")
    doc = tmp_path / "names.json"
    doc.write_text(json.dumps([name for name, *_ in NAMES]), encoding="utf-8")
    done = _check_jsonschema("--output-format", "json", "--schemafile", str(schema_file), str(doc))
    assert done.returncode in (0, 1), done.stdout + done.stderr
    refused = {error["path"] for error in json.loads(done.stdout)["errors"]}
    assert [f"$[{i}]" not in refused for i in range(len(NAMES))] == _expected(column)


# --- Ajv ----------------------------------------------------------------------------------------------------


def _ajv(schema_file: Path, documents: list[Any], tmp_path: Path) -> list[bool]:
    docs = tmp_path / "documents.json"
    docs.write_text(json.dumps(documents), encoding="utf-8")
    env = {**os.environ, "NODE_PATH": str(AJV_MODULES)}
    done = subprocess.run(
        ["node", str(AJV_SCRIPT), str(schema_file), str(docs)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["warnings"] == [], "Ajv's strict mode warned about the schema"
    return [result["valid"] for result in report["results"]]


@needs_ajv
def test_ajv_compiles_the_schema_in_strict_mode_and_validates_the_samples(tmp_path: Path) -> None:
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in _config_outputs(tmp_path)]
    assert _ajv(COMMITTED, [*documents, BAD_DOCUMENT], tmp_path) == [True] * len(documents) + [False]


@needs_ajv
@pytest.mark.parametrize(("definition", "column"), [("OptionName", 1), ("ScopeName", 2)])
def test_ajv_reads_the_name_patterns_as_python_does(definition: str, column: int, tmp_path: Path) -> None:
    schema_file = tmp_path / "names.schema.json"
    schema_file.write_text(json.dumps(_name_schema(definition)), encoding="utf-8")
    assert _ajv(schema_file, [[name] for name, *_ in NAMES], tmp_path) == _expected(column)
