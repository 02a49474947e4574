"""A420: a datasource password in a config file others can read; the file's mode, on disk, decides."""

import inspect
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import doc_blocks

from ecconf.compiler.checker import CheckOptions
from ecconf.compiler.rules import auth_ds_password_readable as rule
from ecconf.pipeline import lint_paths

PG = 'Datasource "authdb" {{ uri = ( "pgsql:host=db;dbname=mail;user=ecauth{secret}" ) }}\n'


def _lint(path: Path, check_files: bool = True) -> list[tuple[int, int, str]]:
    report = lint_paths([str(path)], CheckOptions(select=(rule.CODE,), check_files=check_files))
    assert report.input_errors == []
    return [(d.span.line, d.span.column, d.message) for d in report.diagnostics]


def _write(path: Path, text: str, mode: int) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.parametrize(("mode", "reported"), [(0o644, True), (0o604, True), (0o640, False), (0o600, False)])
def test_the_mode_of_the_file_holding_the_password_decides(tmp_path: Path, mode: int, reported: bool) -> None:
    found = _lint(_write(tmp_path / "a.conf", PG.format(secret=";password=s3cret"), mode))
    assert bool(found) is reported
    if reported:
        [(line, column, message)] = found
        assert (line, column) == (1, 23) and f"mode {mode:04o}" in message and "s3cret" not in message


@pytest.mark.parametrize(
    "uri",
    [
        "ldap://dir.example.com/dc=example,dc=com????bindname=cn=admin,x-bindpw=s3cret",
        "ldap://admin:s3cret@dir.example.com/dc=example,dc=com",
    ],
)
def test_an_ldap_bind_password_counts(tmp_path: Path, uri: str) -> None:
    assert _lint(_write(tmp_path / "a.conf", f'Datasource "dir" {{ uri = ( "{uri}" ) }}\n', 0o644))


def test_no_password_or_no_file_check_is_not_reported(tmp_path: Path) -> None:
    assert _lint(_write(tmp_path / "a.conf", PG.format(secret=""), 0o644)) == []
    assert _lint(_write(tmp_path / "b.conf", 'Datasource "d" { uri = ( "sqlite:/var/db/auth.db" ) }\n', 0o644)) == []
    assert _lint(_write(tmp_path / "c.conf", PG.format(secret=";password=x"), 0o644), check_files=False) == []


def test_the_include_that_holds_the_password_is_the_one_checked(tmp_path: Path) -> None:
    _write(tmp_path / "datasources.conf", PG.format(secret=";password=s3cret"), 0o600)
    main = _write(tmp_path / "main.conf", 'include "datasources.conf"\n', 0o644)
    assert _lint(main) == []
    (tmp_path / "datasources.conf").chmod(0o644)
    [(line, _column, message)] = _lint(main)
    assert line == 1 and "datasources.conf" in message


def test_one_finding_per_file_with_the_others_related(tmp_path: Path) -> None:
    text = PG.format(secret=";password=a") + PG.replace("authdb", "other").format(secret=";password=b")
    report = lint_paths([str(_write(tmp_path / "a.conf", text, 0o644))], CheckOptions(select=(rule.CODE,)))
    [found] = report.diagnostics
    assert [r.span.line for r in found.related] == [2]


def test_the_documented_examples(tmp_path: Path) -> None:
    bad, good = doc_blocks(rule)
    assert "Requires files." in inspect.getdoc(rule)  # type: ignore[operator]
    assert _lint(_write(tmp_path / "bad.conf", bad, 0o644))
    assert _lint(_write(tmp_path / "good.conf", good, 0o644)) == []
