"""Secrets never printed: `ecconf json`, `ecconf text` and every lint format hide the values of options that
hold one and the passwords inside datasource URIs, unless `--show-secrets` is given (json, text)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_paths import SHARED, docs_corpus_files, momentum_sample_files

from ecconf.compiler.option_table import table
from ecconf.compiler.redact import (
    _PAIR,
    _PAIR_KEYS,
    _PAIR_WORDS,
    _USERINFO,
    REDACTED,
    is_secret,
    redact_line,
    redact_text,
    redact_uris,
    secret_options,
)
from ecconf.compiler.schema import validate

ROOT = Path(__file__).resolve().parents[1]

SECRETS = ("hunter2-outbound", "hunter2-key", "hunter2-authds", "hunter2-pg", "hunter2-ldap", "hunter2-user")
CLEAN = f"""outbound_smtp_auth {{
  outbound_smtp_auth_user = "relayuser"
  outbound_smtp_auth_pass = "{SECRETS[0]}"
}}
securecreds {{
  Key = "{SECRETS[1]}"
}}
auth_ds {{
  returns_password = true
  password = "{SECRETS[2]}"
}}
Datasource "pg" {{
  uri = ( "pgsql:host=db;dbname=ec;user=ec;password={SECRETS[3]}" )
}}
Datasource "ld" {{
  uri = ( "ldap://ldap.example.com/?x-binddn=cn%3Dadmin&x-bindpw={SECRETS[4]}" )
}}
Datasource "my" {{
  uri = ( "mysql://ec:{SECRETS[5]}@db.example.com/ec" )
}}
ESMTP_Listener {{
  Listen ":2525" {{
    Enable = true
  }}
}}
"""
# Findings on the lines that hold secrets: an option in the wrong scope, set twice, and an unknown option whose
# value is a URI with a password.
BROKEN = f"""outbound_smtp_auth_pass = "{SECRETS[0]}"
outbound_smtp_auth_pass = "{SECRETS[2]}"
ESMTP_Listener {{
  Listen ":2525" {{
    relay_uri = "smtp://bob:{SECRETS[5]}@relay.example.com"
  }}
}}
"""


def _ecconf(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecconf", *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd
    )


def _leaks(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [s for s in SECRETS if s in done.stdout or s in done.stderr]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "clean.conf").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "broken.conf").write_text(BROKEN, encoding="utf-8")
    return tmp_path


def test_json_redacts_secret_options_and_uri_passwords(folder: Path) -> None:
    done = _ecconf("json", "clean.conf", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert _leaks(done) == []
    data = json.loads(done.stdout)
    scopes = {(s["name"], s.get("instance")): s["options"] for s in data["scopes"]}
    assert scopes[("outbound_smtp_auth", None)] == {
        "outbound_smtp_auth_user": "relayuser",
        "outbound_smtp_auth_pass": REDACTED,
    }
    assert scopes[("securecreds", None)] == {"key": REDACTED}
    assert scopes[("auth_ds", None)] == {"returns_password": "true", "password": REDACTED}  # a switch stays
    assert scopes[("Datasource", "pg")]["uri"] == [f"pgsql:host=db;dbname=ec;user=ec;password={REDACTED}"]
    assert scopes[("Datasource", "ld")]["uri"] == [f"ldap://ldap.example.com/?x-binddn=cn%3Dadmin&x-bindpw={REDACTED}"]
    assert scopes[("Datasource", "my")]["uri"] == [f"mysql://ec:{REDACTED}@db.example.com/ec"]
    assert validate(data) == []  # still a valid document, which lint reads back
    (folder / "redacted.ecconf.json").write_text(done.stdout, encoding="utf-8")
    assert _ecconf("lint", "redacted.ecconf.json", cwd=folder).returncode == 0


def test_show_secrets_prints_them_as_written(folder: Path) -> None:
    shown = _ecconf("json", "clean.conf", "--show-secrets", cwd=folder)
    assert shown.returncode == 0 and sorted(_leaks(shown)) == sorted(SECRETS)
    text = _ecconf("text", "clean.conf", "--show-secrets", cwd=folder)
    assert text.returncode == 0 and sorted(_leaks(text)) == sorted(SECRETS)


def test_text_redacts_and_still_reads_back(folder: Path) -> None:
    done = _ecconf("text", "clean.conf", "-o", "redacted.conf", cwd=folder)
    assert done.returncode == 0, done.stderr
    written = (folder / "redacted.conf").read_text(encoding="utf-8")
    assert [s for s in SECRETS if s in written] == [] and f'password = "{REDACTED}"' in written
    assert _ecconf("lint", "redacted.conf", cwd=folder).returncode == 0


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_lint_findings_never_quote_a_secret(folder: Path, fmt: str) -> None:
    done = _ecconf("lint", "broken.conf", "--format", fmt, cwd=folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "outbound_smtp_auth_pass" in done.stdout and "relay_uri" in done.stdout
    assert _leaks(done) == []


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_eval_never_prints_a_secret(folder: Path, fmt: str) -> None:
    done = _ecconf("eval", "--format", fmt, "--no-file-checks", "clean.conf", cwd=folder)
    assert done.returncode in (0, 1), done.stderr
    assert _leaks(done) == [] and done.stdout


def test_json_and_text_refusing_a_config_do_not_quote_its_secrets(folder: Path) -> None:
    for command in ("json", "text"):
        done = _ecconf(command, "broken.conf", cwd=folder)
        assert done.returncode == 1 and "outbound_smtp_auth_pass" in done.stderr
        assert _leaks(done) == []


def test_lint_of_json_input_does_not_quote_its_secrets(folder: Path) -> None:
    document = {
        "options": {"outbound_smtp_auth_pass": SECRETS[0], "http_basic_auth": f"web:{SECRETS[2]}"},
        "scopes": [{"name": "Datasource", "options": {"uri": f"pgsql:password={SECRETS[3]}", "Bad Name": 1}}],
    }
    (folder / "bad.ecconf.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    done = _ecconf("lint", "bad.ecconf.json", cwd=folder)
    assert done.returncode == 1 and "Bad Name" in done.stdout, done.stdout + done.stderr
    assert _leaks(done) == []
    # All on the line the finding quotes.
    (folder / "one.ecconf.json").write_text(json.dumps(document), encoding="utf-8")
    done = _ecconf("lint", "one.ecconf.json", cwd=folder)
    assert done.returncode == 1 and "Bad Name" in done.stdout and "1 | " in done.stdout, done.stdout + done.stderr
    assert _leaks(done) == []


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("pgsql:host=db;password=s3cr;user=x", f"pgsql:host=db;password={REDACTED};user=x"),
        ("odbc:DSN=x;PWD=s3cr", f"odbc:DSN=x;PWD={REDACTED}"),
        ("ldap://h/?x-bindpw=s3cr&x-binddn=cn", f"ldap://h/?x-bindpw={REDACTED}&x-binddn=cn"),
        ("smtp://user:s3cr@host:25/", f"smtp://user:{REDACTED}@host:25/"),
        ("ldap://host:389/dc=example", "ldap://host:389/dc=example"),
        ("file:/etc/passwd", "file:/etc/passwd"),
        ("pgsql:password=s3cr", f"pgsql:password={REDACTED}"),
        ("mysql:db_password=s3cr", f"mysql:db_password={REDACTED}"),
        ("compass=north", "compass=north"),
    ],
)
def test_uri_passwords(text: str, redacted: str) -> None:
    assert redact_uris(text) == redacted


@pytest.mark.parametrize(
    "line",
    [
        '"pass":' * 250_000,
        "_" * 1_000_000 + "=x",
        "a" * 1_000_000 + "://x:y@z",
        "a." * 500_000 + "://",
        "password=" * 100_000,
    ],
    ids=["json-members", "separators", "scheme-run", "dotted-run", "pairs"],
)
def test_redaction_takes_linear_time_on_hostile_lines(line: str) -> None:
    started = time.perf_counter()
    redact_text(line)
    assert time.perf_counter() - started < 10  # about 0.5 s here; quadratic would be hours


def _line_by_line(text: str) -> str:
    """What redact_text means: every line through redact_line."""
    return "\n".join(redact_line(part) for part in text.split("\n"))


def test_a_whole_text_is_redacted_as_every_line_of_it_would_be() -> None:
    texts = [CLEAN, *(p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("samples/**/*.conf")))]
    texts += [p.read_text(encoding="utf-8") for p in (*momentum_sample_files(), *docs_corpus_files())]
    assert any(redact_text(text) != text for text in texts)  # some of them hold secrets
    for text in texts:
        assert redact_text(text) == _line_by_line(text)


LINE_PARTS = ["Password", "x_PASSWD", "Secret", "bindpw", "pwd", "Key", "key", "http_basic_auth", "password_column"]
LINE_PARTS += ["pass", "://", "u:p@h", "=", " = ", '"', ":", "#", "[", "a", " ", "\t", "\n", ";", "é"]
LONG_S, DOTLESS_I, KELVIN, DOTTED_I = "\u017f", "\u0131", "\u212a", "\u0130"  # IGNORECASE reads s, i, k, i
LINE_PARTS += [
    f"pa{LONG_S * 2}word",
    f"b{DOTLESS_I}ndpw",
    f"{KELVIN}ey",
    DOTTED_I,
    "x-bindpw=",
    "@",
    "/",
    "&",
    "pgsql:",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(LINE_PARTS),
        max_size=12,
    ).map("".join)
)
def test_lines_with_and_without_secret_words_are_redacted_alike(text: str) -> None:
    assert redact_text(text) == _line_by_line(text)
    assert redact_uris(text) == _uris_by_definition(text)


def _uris_by_definition(text: str) -> str:
    """What redact_uris means: both expressions over the whole text."""
    text = _USERINFO.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    return _PAIR.sub(lambda m: m.group(1) + REDACTED, text)


def test_every_pair_key_holds_a_word_the_precheck_looks_for() -> None:
    assert all(any(word in key for word in _PAIR_WORDS) for key in _PAIR_KEYS)


def test_letters_beyond_ascii_that_match_the_words_are_redacted_too() -> None:
    # Python's IGNORECASE reads a long s as "s", a dotless i as "i": lower() alone would miss these.
    bindpw, password = f"b{DOTLESS_I}ndpw", f"pa{LONG_S * 2}word"
    assert redact_uris(f"ldap://h/?x-{bindpw}=hunter2") == f"ldap://h/?x-{bindpw}={REDACTED}"
    assert redact_text(f'uri = "pgsql:{password}=hunter2"\nA = b') == f'uri = "pgsql:{password}={REDACTED}"\nA = b'


# --- the table -------------------------------------------------------------------------------------------


def _tsv(path: Path, column: str) -> list[str]:
    lines = [line for line in io.StringIO(path.read_text(encoding="utf-8")) if not line.startswith("#")]
    return [row[column] for row in csv.DictReader(lines, delimiter="\t")]


def _vocabulary_names() -> set[str]:
    """Option names in Momentum's documentation: ecconf's option table and, when present, the vocabulary of
    every option page and module page."""
    names = {n.lower() for n in _tsv(ROOT / "compiler" / "data" / "momentum_options.tsv", "option")}
    vocabulary = SHARED / "momentum_vocabulary"
    if (vocabulary / "options.tsv").is_file():
        names.update(n.lower() for n in _tsv(vocabulary / "options.tsv", "name"))
    if (vocabulary / "modules.tsv").is_file():
        for keys in _tsv(vocabulary / "modules.tsv", "options"):
            names.update(o.strip().lower() for o in keys.split(",") if o.strip())
    return names


def test_secret_table_is_well_formed() -> None:
    rows = secret_options()
    assert rows and all(r.match in ("exact", "contains", "none") and r.holds for r in rows)
    for kept in (r for r in rows if r.match == "none"):  # an exception to a row that would catch it
        assert any(r.covers(kept.option, kept.scope) for r in rows if r.match != "none"), kept.option
    assert all(r.option == r.option.lower() and r.scope == r.scope.lower() for r in rows)
    assert len({(r.option, r.scope) for r in rows}) == len(rows)
    for row in rows:
        if row.match == "exact" and row.scope == "*":
            assert table().option(row.option) is not None or row.option in _vocabulary_names(), row.option


def test_every_documented_password_or_secret_option_is_in_the_table() -> None:
    words = ("pass", "secret", "credential", "bindpw")
    documented = {n for n in _vocabulary_names() if any(w in n for w in words)}
    assert {"outbound_smtp_auth_pass", "xmpp_dialback_secret"} <= documented
    assert [n for n in sorted(documented) if not is_secret(n, "securecreds") and not is_secret(n)] == []
    assert is_secret("key", "securecreds") and not is_secret("key") and not is_secret("tls_key")


def test_a_column_name_is_no_secret_and_reads_back(tmp_path: Path) -> None:
    """auth_ds's password_column names a column: `ecconf json` prints it, so `ecconf text` writes it back."""
    from ecconf.compiler.redact import is_secret, redact_json

    assert not is_secret("password_column", "Authenticate") and is_secret("password", "Authenticate")
    assert is_secret("password_column", "some_module")  # elsewhere, a name with "password" stays hidden
    node = {"name": "Authenticate", "options": {"password_column": "pw", "password": "s3cret"}}
    assert redact_json(node)["options"] == {"password_column": "pw", "password": "********"}
