"""The grammar's tables are kept in a private folder of the user's and read back; an unsafe or unusable
place means no cache (and no error)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecconf.grammar.cache import cache_file
from ecconf.grammar.parser import COMMENT_TERMINALS, LIMITS, build_lark, grammar_text
from ecconf.grammar.table_parser import TableParser

TEXT = 'ESMTP_Listener { Listen ":25" { AuthPlainParameters [ uri = "file:///p" ] } }  # note\n'


def _parse_with(lark_cache: str | None) -> object:
    lark = build_lark(grammar_text(), lark_cache)
    return lark.parse(TEXT)


def test_tables_are_kept_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCONF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ECCONF_NO_CACHE", raising=False)
    where = cache_file(grammar_text())
    assert where is not None and where.startswith(str(tmp_path / "cache"))
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    fresh = _parse_with(where)
    assert Path(where).is_file()
    assert _parse_with(where) == fresh == _parse_with(None)


def test_a_new_grammar_gets_a_new_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCONF_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ECCONF_NO_CACHE", raising=False)
    assert cache_file(grammar_text()) != cache_file(grammar_text() + "\n// changed\n")


def test_a_folder_others_may_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("ECCONF_CACHE_DIR", str(shared))
    monkeypatch.delenv("ECCONF_NO_CACHE", raising=False)
    assert cache_file(grammar_text()) is None


def test_a_symlinked_folder_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv("ECCONF_CACHE_DIR", str(tmp_path / "link"))
    monkeypatch.delenv("ECCONF_NO_CACHE", raising=False)
    assert cache_file(grammar_text()) is None


def test_no_cache_when_asked_or_when_the_place_is_unusable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCONF_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("ECCONF_NO_CACHE", "1")
    assert cache_file(grammar_text()) is None
    monkeypatch.delenv("ECCONF_NO_CACHE")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ECCONF_CACHE_DIR", str(blocker / "cache"))
    assert cache_file(grammar_text()) is None


def test_a_damaged_cache_file_is_rebuilt_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCONF_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ECCONF_NO_CACHE", raising=False)
    where = cache_file(grammar_text())
    assert where is not None
    Path(where).write_bytes(b"garbage\n" + os.urandom(64))
    assert _parse_with(where) == _parse_with(None)


def test_the_fast_parser_runs_on_tables_read_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECCONF_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ECCONF_NO_CACHE", raising=False)
    where = cache_file(grammar_text())
    build_lark(grammar_text(), where)  # writes the file
    cached = build_lark(grammar_text(), where)  # reads it
    names = {r.alias or str(r.origin.name) for r in cached.rules if not r.origin.name.startswith("_")}
    echo = {name: (lambda children, name=name: (name, children)) for name in names}
    comments = frozenset(COMMENT_TERMINALS)
    from_cache = TableParser(cached, echo, LIMITS, comments).parse(TEXT)
    assert from_cache is not None
    assert from_cache == TableParser(build_lark(grammar_text(), None), echo, LIMITS, comments).parse(TEXT)
