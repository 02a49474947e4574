"""Credential stores: parsing password files, opening them by URI, and reloading them safely."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecconf.runtime import password_file, stores
from ecconf.runtime.sasl.base import SecretKind
from ecconf.runtime.stores import (
    STORE_SCHEMES,
    MemoryStore,
    PasswordFileStore,
    Problem,
    StoreError,
    StoreKind,
    open_store,
    parse_password_file,
    split_digest_key,
    uri_path,
)

HTDIGEST_LINE = "a:b:02cc8f08398a4f3113b554e8105ebe4c"  # htdigest for user a, realm b, password c


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def replace(path: Path, text: str) -> None:
    """Rewrite the way editors and our passwd tool do: a new file renamed over the old one."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def age(path: Path, seconds: float = 10.0) -> None:
    """Date the file's last change `seconds` back: it has been left alone that long."""
    then = time.time() - seconds
    os.utime(path, (then, then))


# --- Parsing ---


def test_clear_text_file() -> None:
    text = "# users\n\nalice:secret\nbob:pa:ss:word\n   \ncarol:trailing \r\n"
    entries, problems = parse_password_file(text, StoreKind.FILE)
    assert entries == {"alice": "secret", "bob": "pa:ss:word", "carol": "trailing "}
    assert problems == []


def test_clear_text_problems_carry_line_numbers_and_never_passwords() -> None:
    text = "alice:s3cret-one\nno colon here\n:nouser\nbob:\nalice:s3cret-two\n"
    entries, problems = parse_password_file(text, StoreKind.FILE)
    assert entries == {"alice": "s3cret-two"}
    assert [(p.line, p.fatal) for p in problems] == [(2, True), (3, True), (4, False), (5, False)]
    assert "first on line 1" in problems[3].message
    assert not any("s3cret" in p.message or "colon here" in p.message for p in problems)


def test_invalid_utf8_is_a_fatal_problem_on_its_line() -> None:
    entries, problems = parse_password_file(b"alice:ok\nbob:\xff\xfe\ncarol:fine\n", StoreKind.FILE)
    assert entries == {"alice": "ok", "carol": "fine"}
    assert problems == [Problem(2, "line is not valid UTF-8")]


def test_htdigest_file() -> None:
    text = f"# made by ec_md5passwd\n{HTDIGEST_LINE}\na:other:{'0' * 32}\nu::{'F' * 32}\n"
    entries, problems = parse_password_file(text, StoreKind.DIGEST)
    assert problems == []
    assert entries == {"a:b": "02cc8f08398a4f3113b554e8105ebe4c", "a:other": "0" * 32, "u:": "F" * 32}
    assert split_digest_key("a:other") == ("a", "other")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("a:" + "0" * 32, "malformed line"),
        ("a:b:" + "0" * 31, "32 hex digits, found 31"),
        ("a:b:" + "g" * 32, "not hexadecimal"),
        ("a:b:" + "0" * 15 + " " + "0" * 16, "not hexadecimal"),
        (":b:" + "0" * 32, "empty user name"),
        ("justtext", "malformed line"),
    ],
)
def test_htdigest_problems(line: str, message: str) -> None:
    entries, problems = parse_password_file(f"{HTDIGEST_LINE}\n{line}\n", StoreKind.DIGEST)
    assert list(entries) == ["a:b"]
    assert len(problems) == 1 and problems[0].line == 2 and problems[0].fatal
    assert message in problems[0].message


def test_htdigest_duplicate_user_and_realm() -> None:
    _, problems = parse_password_file(f"{HTDIGEST_LINE}\n{HTDIGEST_LINE}\n", StoreKind.DIGEST)
    assert [(p.line, p.fatal) for p in problems] == [(2, False)]
    assert "user and realm" in problems[0].message


LINE = st.text(alphabet="ab:#\r \tx\u00e9", max_size=12)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(LINE, max_size=8), kind=st.sampled_from(list(StoreKind)))
def test_fast_path_agrees_with_careful_parse(lines: list[str], kind: StoreKind) -> None:
    text = "\n".join(lines)
    entries, problems = parse_password_file(text, kind)
    careful: list[Problem] = []
    assert entries == password_file._scan_careful(text.split("\n"), kind, careful)
    assert problems == careful


# --- URIs ---


def test_uri_paths(tmp_path: Path) -> None:
    assert uri_path("file:///etc/passwd") == Path("/etc/passwd")
    assert uri_path("file://localhost/etc/passwd") == Path("/etc/passwd")
    assert uri_path("digest:/etc/x") == Path("/etc/x")
    assert uri_path("file:///tmp/with%20space") == Path("/tmp/with space")
    assert uri_path("file:users.txt", tmp_path) == tmp_path / "users.txt"
    assert uri_path("digest:sub/dir/x", tmp_path) == tmp_path / "sub/dir/x"
    assert uri_path("file:users.txt") == Path.cwd() / "users.txt"


@pytest.mark.parametrize("uri", ["file://remote.example/etc/x", "file:", "nocolon", "file:///"])
def test_bad_uris(uri: str) -> None:
    with pytest.raises(StoreError, match=r"not a store URI|remote host|no file path"):
        uri_path(uri)


def test_unknown_scheme_names_the_uri() -> None:
    with pytest.raises(StoreError, match=r"mysqlauth://db/users: unknown credential store scheme"):
        open_store("mysqlauth://db/users")
    assert set(STORE_SCHEMES) == {"file", "digest"}


def test_open_relative_and_absolute(tmp_path: Path) -> None:
    write(tmp_path / "users", "alice:secret\n")
    write(tmp_path / "digest", HTDIGEST_LINE + "\n")
    relative = open_store("file:users", tmp_path)
    absolute = open_store(f"FILE://{tmp_path}/users")
    digest = open_store("digest:digest", base_dir=tmp_path)
    assert relative.cleartext("alice") == absolute.cleartext("alice") == "secret"
    assert relative.secret_kinds == frozenset({SecretKind.CLEARTEXT, SecretKind.HASHED})
    assert relative.digest_ha1("alice", "b") is None
    assert digest.secret_kinds == frozenset({SecretKind.DIGEST_HA1})
    assert digest.digest_ha1("a", "b") == bytes.fromhex("02cc8f08398a4f3113b554e8105ebe4c")
    assert digest.digest_ha1("a", "c") is None and digest.digest_ha1("a:b", "") is None
    assert digest.cleartext("a") is None
    assert relative.uri == "file:users" and relative.last_error is None


def test_open_missing_or_malformed_file_fails(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"file:nothere: .*No such file"):
        open_store("file:nothere", tmp_path)
    write(tmp_path / "bad", "alice:x\nbroken\n")
    with pytest.raises(StoreError, match=r"bad:2: malformed line"):
        open_store("file:bad", tmp_path)


# --- Reloading ---


@pytest.fixture
def store(tmp_path: Path) -> PasswordFileStore:
    write(tmp_path / "users", "alice:one\n")
    opened = open_store("file:users", tmp_path)
    assert isinstance(opened, PasswordFileStore)
    return opened


def test_refresh_is_a_no_op_when_unchanged(store: PasswordFileStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*args: object) -> None:
        raise AssertionError("parsed an unchanged file")

    monkeypatch.setattr(stores, "parse_password_file", must_not_parse)
    assert store.refresh() is False
    assert store.cleartext("alice") == "one"


def test_refresh_picks_up_a_replaced_file(store: PasswordFileStore) -> None:
    replace(store.path, "alice:two\nbob:three\n")
    assert store.refresh() is True
    assert (store.cleartext("alice"), store.cleartext("bob")) == ("two", "three")
    assert store.refresh() is False


def test_refresh_picks_up_an_in_place_edit(store: PasswordFileStore) -> None:
    before = store.path.stat().st_mtime_ns
    write(store.path, "alice:two\n")  # same size, same inode: only the time tells
    os.utime(store.path, ns=(before + 10**9, before + 10**9))
    assert store.refresh() is True and store.cleartext("alice") == "two"


def test_missing_file_keeps_last_good_and_recovers(store: PasswordFileStore) -> None:
    store.path.unlink()
    assert store.refresh() is False
    assert store.cleartext("alice") == "one"
    assert store.last_error is not None and "No such file" in store.last_error
    write(store.path, "alice:back\n")
    assert store.refresh() is True
    assert store.cleartext("alice") == "back" and store.last_error is None


def test_malformed_file_keeps_last_good_and_is_not_reparsed(
    store: PasswordFileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    replace(store.path, "alice:two\nhalf-written")
    age(store.path)  # left like that: no writer is coming back to finish the last line
    assert store.refresh() is False
    assert store.cleartext("alice") == "one"
    assert store.last_error is not None and store.last_error.endswith("users:2: malformed line: expected user:password")
    monkeypatch.setattr(stores, "parse_password_file", lambda *a: pytest.fail("parsed the same broken file twice"))
    assert store.refresh() is False


def test_warnings_do_not_stop_a_reload(store: PasswordFileStore) -> None:
    replace(store.path, "alice:two\nalice:three\nbob:\n")
    assert store.refresh() is True
    assert store.cleartext("alice") == "three" and store.cleartext("bob") is None


def test_memory_store() -> None:
    both = MemoryStore({"u": "p"}, {("u", "r"): b"\x01" * 16})
    assert both.secret_kinds == frozenset({SecretKind.CLEARTEXT, SecretKind.DIGEST_HA1})
    assert both.cleartext("u") == "p" and both.digest_ha1("u", "r") == b"\x01" * 16
    assert both.digest_ha1("u", "other") is None and both.refresh() is False
    assert MemoryStore().secret_kinds == frozenset()


# --- Size ---


@pytest.mark.parametrize("kind", list(StoreKind))
def test_a_million_users_load_quickly(tmp_path: Path, kind: StoreKind) -> None:
    tail = ":password{}\n" if kind is StoreKind.FILE else ":realm:" + "0123456789abcdef" * 2 + "\n"
    lines = "".join(f"user{i}" + tail.format(i) for i in range(1_000_000))
    write(tmp_path / "big", "# a big file\n" + lines)
    # CPU time of this process: the bound is about our work, not about what else the machine is running.
    started = time.process_time()
    big = open_store(f"{kind.value}:big", tmp_path)
    elapsed = time.process_time() - started
    assert len(big) == 1_000_000  # type: ignore[arg-type]
    assert elapsed < 2.0, f"loading took {elapsed:.2f} s"
