"""Momentum's own documentation examples lint as the documentation means them (shared/momentum_docs_corpus/).

The corpus's score.py (standard library only) says how an example is read: its test form blanks out the
elisions of a fragment and wraps it in the scope its page puts it in. This test takes that form from
score.py itself, lints every example in-process as `ecconf lint --no-file-checks` does, and asserts:

- no example has a parse or name error (the codes score.py gates) that expected_errors.tsv does not list;
- every example expected_errors.tsv lists still gets its listed finding;
- no example has any other error-level finding beyond CORRECT_FINDINGS below.

The examples are read from ../shared; nothing of them is copied here (see the corpus README's licence note).
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest
from shared_paths import DOCS_CORPUS

from ecconf.compiler.checker import CheckOptions
from ecconf.compiler.diagnostics import Severity
from ecconf.pipeline import lint_paths

SCORER = DOCS_CORPUS / "score.py"
pytestmark = pytest.mark.skipif(
    not SCORER.is_file(), reason=f"the documentation corpus is not on this machine ({DOCS_CORPUS})"
)

# Error-level findings outside the codes score.py gates that are right about the example (each example, as
# written, is not a working config), with why; expected_errors.tsv does not list them yet.
CORRECT_FINDINGS = {
    # `Peer "10.0.0.1" { SMTP_Extensions = ( ... "AUTH LOGIN" ) }` and nothing else: the example shows where
    # Peer options go, and no AuthLoginParameters applies to that client anywhere along the fallback.
    ("0080.conf", "A401"): "AUTH LOGIN advertised, no AuthLoginParameters on the fallback path",
    ("0283.conf", "A401"): "the same example (3.x page)",
    ("0419.conf", "A401"): "the same example (open relay page)",
    ("0488.conf", "A401"): "the same example (4.x listeners page)",
    # The RADIUS example offers STARTTLS with no TLS_Certificate or TLS_Key: STARTTLS cannot succeed.
    ("0133.conf", "S501"): "STARTTLS without a certificate (3.x auth_radius page)",
    ("0516.conf", "S501"): "STARTTLS without a certificate (4.x auth_radius page)",
    # A list of equivalent spellings ("equivalent to the previous entry"), not a config: both bind [::]:25.
    ("0277.conf", "E303"): "[0:0:0:0:0:0:0:0]:25 and [::]:25 are one socket (3.x page)",
    ("0492.conf", "E303"): "[0:0:0:0:0:0:0:0]:25 and [::]:25 are one socket (4.x listeners page)",
    # auth_ds examples that show a Scheme alone: the `cache` it names is a Datasource the example does not
    # define, so as written the Scheme has no database to ask.
    ("0128.conf", "A417"): "an Authenticate with `...` for its query and cache (3.x auth_ds page)",
    ("0511.conf", "A417"): "the same example (4.x auth_ds page)",
    ("0129.conf", "A417"): "cache = auth, no Datasource auth (3.x auth_ds page)",
    ("0131.conf", "A417"): "cache = openwave_directory, not defined (3.x auth_ds page)",
    ("0132.conf", "A417"): "cache = ldapauth, not defined (3.x auth_ds page)",
    ("0262.conf", "A417"): "cache = activedirectory_auth, not defined (3.x LDAPS page)",
    ("0263.conf", "A417"): "the same, second example (3.x LDAPS page)",
    ("0512.conf", "A417"): "cache = auth, no Datasource auth (4.x auth_ds page)",
    ("0514.conf", "A417"): "cache = openwave_directory, not defined (4.x auth_ds page)",
    ("0515.conf", "A417"): "cache = ldapauth, not defined (4.x auth_ds page)",
}


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_corpus_score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, dict[str, set[tuple[str, str]]]]:
    """The scorer module, and {example: {(code, severity)}} for the test form of every example."""
    score = _scorer()
    folder = tmp_path_factory.mktemp("docs-corpus")
    paths = []
    for row in score.read_tsv(DOCS_CORPUS / "INDEX.tsv"):
        text = (DOCS_CORPUS / "snippets" / row["file"]).read_text(encoding="utf-8")
        body, _origin = score.test_form(text, row.get("kind", ""), (row.get("wrap") or "").strip())
        path = folder / row["file"]
        path.write_text(body, encoding="utf-8")
        paths.append(str(path))
    report = lint_paths(paths, CheckOptions(check_files=False))
    assert report.input_errors == []
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for diagnostic in report.diagnostics:
        found[Path(diagnostic.span.path).name].add((diagnostic.code, diagnostic.severity.name.lower()))
    return score, {Path(p).name: found.get(Path(p).name, set()) for p in paths}


def _errors(score: ModuleType, found: dict[str, set[tuple[str, str]]]) -> set[tuple[str, str]]:
    return {
        (name, code)
        for name, codes in found.items()
        for code, severity in codes
        if severity == Severity.ERROR.name.lower() and code not in score.ENVIRONMENT
    }


def _expected(score: ModuleType) -> set[tuple[str, str]]:
    return {(r["file"], r["code"]) for r in score.read_tsv(DOCS_CORPUS / "expected_errors.tsv")}


def test_every_example_is_linted(results: tuple[ModuleType, dict[str, set[tuple[str, str]]]]) -> None:
    score, found = results
    assert len(found) == len(score.read_tsv(DOCS_CORPUS / "INDEX.tsv")) > 600


def test_no_unexpected_parse_or_name_error(results: tuple[ModuleType, dict[str, set[tuple[str, str]]]]) -> None:
    score, found = results
    gated = score.PARSE | score.NAMES
    unexpected = {e for e in _errors(score, found) if e[1] in gated} - _expected(score)
    assert sorted(unexpected) == []


def test_every_listed_documentation_error_is_still_found(
    results: tuple[ModuleType, dict[str, set[tuple[str, str]]]],
) -> None:
    score, found = results
    assert sorted(_expected(score) - _errors(score, found)) == []


def test_no_other_error_level_finding(results: tuple[ModuleType, dict[str, set[tuple[str, str]]]]) -> None:
    score, found = results
    gated = score.PARSE | score.NAMES
    other = {e for e in _errors(score, found) if e[1] not in gated} - _expected(score)
    assert sorted(other - CORRECT_FINDINGS.keys()) == []
    assert sorted(CORRECT_FINDINGS.keys() - other) == []  # a finding that went away is taken off the list
