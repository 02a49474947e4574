"""Password-file writing: ec_md5passwd lines, pure line edits, and atomic locked in-place updates."""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
from pathlib import Path

import pytest

from ecconf.runtime import passwd
from ecconf.runtime.passwd import (
    DEFAULT_REALM,
    PasswdError,
    StoreOp,
    default_realm,
    digest_hash,
    digest_line,
    edit_lines,
    md5passwd,
    update_store_file,
)
from ecconf.runtime.stores import StoreKind, open_store, parse_password_file

FILE, DIGEST = StoreKind.FILE, StoreKind.DIGEST


# --- ec_md5passwd ---


def test_htdigest_vector() -> None:
    assert digest_line("a", "b", "c") == "a:b:02cc8f08398a4f3113b554e8105ebe4c"
    assert digest_hash("a", "b", "c") == "02cc8f08398a4f3113b554e8105ebe4c"


def test_default_realm() -> None:
    assert default_realm({}) == DEFAULT_REALM == "Momentum Console"
    assert default_realm({"EC_DIGEST_REALM": ""}) == DEFAULT_REALM
    assert default_realm({"EC_DIGEST_REALM": "mail.example"}) == "mail.example"


def test_md5passwd_prints_and_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EC_DIGEST_REALM", "env.realm")
    assert md5passwd("joe", "pw") == digest_line("joe", "env.realm", "pw")
    target = tmp_path / "smtp_passwd"
    line = md5passwd("joe", "pw", realm="r", path=target)
    assert read(target) == line + "\n"
    md5passwd("joe", "new", realm="r", path=target)
    md5passwd("ann", "x", realm="r", path=target)
    assert read(target) == f"{digest_line('joe', 'r', 'new')}\n{digest_line('ann', 'r', 'x')}\n"


# --- Pure edits ---

CLEAR_TEXT = "# users of mx1\nalice:one\n\nbob:two:with colon\r\n# end\n"


def test_add_appends_and_keeps_everything_else() -> None:
    assert edit_lines(CLEAR_TEXT, FILE, StoreOp.ADD, "carol", "three") == CLEAR_TEXT + "carol:three\n"
    assert edit_lines("alice:one", FILE, StoreOp.ADD, "bob", "b") == "alice:one\nbob:b\n"
    assert edit_lines("", FILE, StoreOp.SET, "bob", "b") == "bob:b\n"


def test_change_replaces_in_place_keeping_line_ending() -> None:
    changed = edit_lines(CLEAR_TEXT, FILE, StoreOp.CHANGE, "bob", "new:pw")
    assert changed == CLEAR_TEXT.replace("bob:two:with colon\r\n", "bob:new:pw\r\n")
    assert edit_lines(CLEAR_TEXT, FILE, StoreOp.SET, "alice", "1") == CLEAR_TEXT.replace("alice:one", "alice:1")


def test_change_collapses_duplicates_and_delete_removes_them_all() -> None:
    text = "u:1\nx:9\nu:2\n"
    assert edit_lines(text, FILE, StoreOp.CHANGE, "u", "3") == "u:3\nx:9\n"
    assert edit_lines(text, FILE, StoreOp.DELETE, "u") == "x:9\n"


def test_digest_entries_are_per_realm() -> None:
    text = digest_line("u", "r1", "p") + "\n" + digest_line("u", "r2", "p") + "\n"
    changed = edit_lines(text, DIGEST, StoreOp.CHANGE, "u", "q", realm="r2")
    assert changed == digest_line("u", "r1", "p") + "\n" + digest_line("u", "r2", "q") + "\n"
    assert edit_lines(text, DIGEST, StoreOp.DELETE, "u", realm="r1") == digest_line("u", "r2", "p") + "\n"
    with pytest.raises(PasswdError, match="no such user"):
        edit_lines(text, DIGEST, StoreOp.DELETE, "u", realm="r3")


def test_digest_realm_defaults_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EC_DIGEST_REALM", raising=False)
    assert edit_lines("", DIGEST, StoreOp.ADD, "u", "p") == digest_line("u", DEFAULT_REALM, "p") + "\n"


def test_only_newlines_split_lines() -> None:
    text = "odd:pass\x0cword\u2028x\nbob:b\n"  # form feed and a Unicode line separator inside a password
    assert edit_lines(text, FILE, StoreOp.DELETE, "bob") == "odd:pass\x0cword\u2028x\n"


@pytest.mark.parametrize(
    ("op", "user", "message"),
    [
        (StoreOp.ADD, "alice", "already exists"),
        (StoreOp.CHANGE, "nobody", "no such user"),
        (StoreOp.DELETE, "nobody", "no such user"),
    ],
)
def test_op_preconditions(op: StoreOp, user: str, message: str) -> None:
    with pytest.raises(PasswdError, match=message):
        edit_lines(CLEAR_TEXT, FILE, op, user, "pw")


@pytest.mark.parametrize(
    ("user", "password", "realm"),
    [
        ("", "pw", None),
        ("a:b", "pw", None),
        ("a\nb", "pw", None),
        ("#a", "pw", None),
        ("a", "", None),
        ("a", "p\nw", None),
        ("a", "p\rw", None),
        ("a", "pw", "re:alm"),
        ("a", "pw", "re\nalm"),
    ],
)
def test_fields_that_would_break_the_format(user: str, password: str, realm: str | None) -> None:
    with pytest.raises(PasswdError) as caught:
        edit_lines("", DIGEST, StoreOp.ADD, user, password, realm=realm or "r")
    assert password not in str(caught.value) or not password


def test_set_needs_a_password() -> None:
    with pytest.raises(PasswdError, match="needs a password"):
        edit_lines("", FILE, StoreOp.SET, "u")


# --- Updating files on disk ---


def read(path: Path) -> str:
    return path.read_bytes().decode()  # not read_text(): it would turn "\r\n" into "\n"


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_creates_a_private_file(tmp_path: Path) -> None:
    target = tmp_path / "users"
    update_store_file(target, FILE, StoreOp.ADD, "alice", "one")
    assert read(target) == "alice:one\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert (tmp_path / "users.lock").exists() and leftovers(tmp_path) == []


def test_replaces_atomically_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "users"
    target.write_text(CLEAR_TEXT)
    target.chmod(0o640)
    inode = target.stat().st_ino
    update_store_file(str(target), FILE, StoreOp.CHANGE, "alice", "uno")
    assert read(target) == CLEAR_TEXT.replace("alice:one", "alice:uno")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != inode  # a new file was renamed over the old one
    assert leftovers(tmp_path) == []


def test_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text("alice:one\n")
    link = tmp_path / "link"
    link.symlink_to(real)
    update_store_file(link, FILE, StoreOp.ADD, "bob", "two")
    assert link.is_symlink() and real.read_text() == "alice:one\nbob:two\n"


def test_refused_updates_leave_the_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "users"
    target.write_text(CLEAR_TEXT)
    before = target.stat()
    with pytest.raises(PasswdError):
        update_store_file(target, FILE, StoreOp.ADD, "alice", "x")
    with pytest.raises(PasswdError, match="no such file"):
        update_store_file(tmp_path / "missing", FILE, StoreOp.CHANGE, "alice", "x")
    assert not (tmp_path / "missing").exists()
    (tmp_path / "latin1").write_bytes(b"j\xf6rg:x\n")
    with pytest.raises(PasswdError, match="not valid UTF-8"):
        update_store_file(tmp_path / "latin1", FILE, StoreOp.ADD, "bob", "x")
    assert (tmp_path / "latin1").read_bytes() == b"j\xf6rg:x\n"
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_failed_write_never_leaves_a_half_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "users"
    target.write_text(CLEAR_TEXT)

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(passwd.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        update_store_file(target, FILE, StoreOp.ADD, "carol", "x" * 100_000)
    assert read(target) == CLEAR_TEXT
    assert leftovers(tmp_path) == []


def test_a_store_sees_the_update(tmp_path: Path) -> None:
    target = tmp_path / "digest"
    md5passwd("a", "c", realm="b", path=target)
    store = open_store("digest:digest", tmp_path)
    update_store_file(target, DIGEST, StoreOp.ADD, "z", "pw", realm="b")
    assert store.refresh() is True
    assert store.digest_ha1("z", "b") == bytes.fromhex(digest_hash("z", "b", "pw"))


# --- Concurrent writers ---


def add_users(path: str, prefix: str, count: int) -> None:
    for i in range(count):
        update_store_file(path, FILE, StoreOp.ADD, f"{prefix}{i}", f"pw{i}")


def test_concurrent_threads_lose_nothing(tmp_path: Path) -> None:
    target = tmp_path / "users"
    workers = [threading.Thread(target=add_users, args=(str(target), f"t{n}-", 25)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    entries, problems = parse_password_file(read(target), FILE)
    assert problems == [] and len(entries) == 100


def test_concurrent_processes_lose_nothing(tmp_path: Path) -> None:
    target = tmp_path / "users"
    target.write_text("# shared\n")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=add_users, args=(str(target), f"p{n}-", 30)) for n in range(2)]
    for worker in workers:
        worker.start()
    add_users(str(target), "main-", 30)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    entries, problems = parse_password_file(read(target), FILE)
    assert problems == [] and len(entries) == 90
    assert read(target).startswith("# shared\n") and leftovers(tmp_path) == []
    assert os.access(target, os.R_OK)
