"""The grammar's tables are computed by Lark once, kept as JSON in a private folder of the user's, read back
unchanged, and an unsafe or unusable place (or a damaged file) means no cache — never an error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecconf.grammar.cache import cache_file, load_compiled, save_compiled
from ecconf.grammar.compiled import from_json, from_lark, to_json
from ecconf.grammar.lark_parser import get_lark
from ecconf.grammar.table_parser import TableParser
from ecconf.grammar.terms import COMMENT_TERMINALS, LIMITS, grammar_text

TEXT = 'ESMTP_Listener { Listen ":25" { AuthPlainParameters [ uri = "file:///p" ] } }  # note\n'


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ECCONF_CACHE_DIR", str(folder))
    monkeypatch.delenv("ECCONF_NO_CACHE", raising=False)
    return folder


def _echo_parse(compiled: object) -> object:
    names = {r.alias or r.origin for r in compiled.rules if not r.origin.startswith("_")}  # type: ignore[attr-defined]
    echo = {name: (lambda children, name=name: (name, children)) for name in names}
    return TableParser(compiled, echo, LIMITS, frozenset(COMMENT_TERMINALS)).parse(TEXT)  # type: ignore[arg-type]


def test_the_tables_survive_json_unchanged() -> None:
    compiled = from_lark(get_lark())
    assert from_json(to_json(compiled)) == compiled


def test_tables_are_kept_and_read_back(private_cache: Path) -> None:
    text = grammar_text()
    assert load_compiled(text) is None
    compiled = from_lark(get_lark())
    save_compiled(text, compiled)
    where = cache_file(text)
    assert where is not None and where.parent == private_cache and where.is_file()
    assert private_cache.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in private_cache.iterdir()] == [where.name]  # no temporary file left behind
    again = load_compiled(text)
    assert again == compiled
    assert _echo_parse(again) == _echo_parse(compiled) is not None


def test_a_new_grammar_gets_a_new_file(private_cache: Path) -> None:
    assert cache_file(grammar_text()) != cache_file(grammar_text() + "\n// changed\n")


@pytest.mark.parametrize("damage", [b"", b"{", b'{"format": 1}', b"\xff\xfe", b'{"format": 999}'])
def test_a_damaged_file_is_no_cache(private_cache: Path, damage: bytes) -> None:
    where = cache_file(grammar_text())
    assert where is not None
    where.write_bytes(damage)
    assert load_compiled(grammar_text()) is None


def test_a_table_that_points_nowhere_is_refused(private_cache: Path) -> None:
    data = json.loads(to_json(from_lark(get_lark())))
    # Lark numbers its states in an order that varies with the hash seed, and some state has no actions:
    # damage one that has some, or the test damages nothing (as it did in about one run in ten).
    index = next(i for i, row in enumerate(data["states"]) if row)
    data["states"][index] = {symbol: ["s", 10_000] for symbol in data["states"][index]}
    where = cache_file(grammar_text())
    assert where is not None
    where.write_text(json.dumps(data), encoding="utf-8")
    assert load_compiled(grammar_text()) is None


def test_a_folder_others_may_write_is_not_used(private_cache: Path) -> None:
    private_cache.mkdir()
    private_cache.chmod(0o777)
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
    save_compiled(grammar_text(), from_lark(get_lark()))  # nowhere to write: quietly nothing


def _lint_in_a_fresh_process(folder: Path, text: str) -> tuple[int, list[str]]:
    """Lint `text` in a new interpreter; returns its exit status and the lark modules it loaded."""
    script = (
        "import sys, json\n"
        "from ecconf.cli import main\n"
        "code = main(['lint', sys.argv[1]])\n"
        "print(json.dumps([m for m in sys.modules if m == 'lark' or m.startswith('lark.')]), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    config = folder / "x.conf"
    config.write_text(text, encoding="utf-8")
    env = {"ECCONF_CACHE_DIR": str(folder / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script, str(config)], capture_output=True, text=True, env=env)
    return done.returncode, json.loads(done.stderr.strip().splitlines()[-1])


def test_a_valid_config_is_linted_without_loading_lark_once_the_tables_are_kept(tmp_path: Path) -> None:
    valid = 'ESMTP_Listener { Listen ":2525" { } }\n'
    first_code, first_loaded = _lint_in_a_fresh_process(tmp_path, valid)
    assert first_code == 0 and "lark" in first_loaded  # the first run computes the tables with lark
    code, loaded = _lint_in_a_fresh_process(tmp_path, valid)
    assert code == 0 and loaded == []
    code, loaded = _lint_in_a_fresh_process(tmp_path, "ESMTP_Listener { = }\n")
    assert code == 1 and "lark" in loaded  # a syntax error: lark speaks
