"""A password file rewritten in place (truncated, then written) is never taken half-written: the last good
contents answer until the file is complete, or has been left alone long enough to be meant as it is. Real
files in a temporary directory, and a real server on loopback."""

from __future__ import annotations

import base64
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecconf.runtime import stores
from ecconf.runtime.config import ServerConfig
from ecconf.runtime.stores import SETTLE, PasswordFileStore, StoreKind

OLD = "alice:one\nbob:hunter2\n"


def in_place(path: Path, text: str) -> None:
    """Truncate the file and write `text` into the same inode, as `cat > file` or a careless editor does."""
    with open(path, "r+b") as handle:
        handle.truncate(0)
        handle.write(text.encode())


def age(path: Path, seconds: float = SETTLE + 5) -> None:
    """The file has been left alone `seconds`: its last change dated that far back."""
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def store(tmp_path: Path) -> PasswordFileStore:
    (tmp_path / "passwd").write_text(OLD)
    return PasswordFileStore("file:passwd", tmp_path / "passwd", StoreKind.FILE)


def test_a_truncated_file_keeps_the_old_entries_until_it_is_written(store: PasswordFileStore) -> None:
    inode = store.path.stat().st_ino
    in_place(store.path, "")
    assert store.refresh() is False
    assert store.cleartext("alice") == "one"
    in_place(store.path, "alice:t")  # half-way through the first line
    assert store.refresh() is False
    assert store.cleartext("alice") == "one"
    in_place(store.path, "alice:two\nbob:hunter2\ncarol:three\n")
    assert store.path.stat().st_ino == inode
    assert store.refresh() is True
    assert (store.cleartext("alice"), store.cleartext("carol")) == ("two", "three")


def test_a_half_written_last_line_is_not_an_entry(store: PasswordFileStore) -> None:
    in_place(store.path, "alice:one\nbob:hun")
    assert store.refresh() is False
    assert store.cleartext("bob") == "hunter2"
    age(store.path)  # nobody came back to finish it: a file without its last newline, meant that way
    assert store.refresh() is True
    assert store.cleartext("bob") == "hun"


def test_a_file_left_empty_takes_effect_once_it_has_settled(store: PasswordFileStore) -> None:
    in_place(store.path, "")
    assert store.refresh() is False and store.cleartext("alice") == "one"
    age(store.path)
    assert store.refresh() is True
    assert store.cleartext("alice") is None and len(store) == 0


def test_a_file_shrunk_in_place_waits_but_a_replaced_one_does_not(store: PasswordFileStore) -> None:
    in_place(store.path, "alice:one\n")  # a writer going line by line, one line in
    assert store.refresh() is False and store.cleartext("bob") == "hunter2"
    age(store.path)
    assert store.refresh() is True and store.cleartext("bob") is None
    new = store.path.with_name("passwd.new")
    new.write_text("carol:x\n")
    os.replace(new, store.path)  # a rename is atomic: what is there is complete
    assert store.refresh() is True and store.cleartext("carol") == "x" and store.cleartext("alice") is None


def test_a_file_changed_while_being_read_is_read_again(
    store: PasswordFileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_place(store.path, OLD + "carol:x\n")
    real_fstat, calls = os.fstat, []

    def writer_in_between(fd: int) -> os.stat_result:
        calls.append(fd)
        if len(calls) == 2:  # after the read, before the second look: a writer appends a line
            with open(store.path, "ab") as handle:
                handle.write(b"dave:y\n")
        return real_fstat(fd)

    monkeypatch.setattr(stores.os, "fstat", writer_in_between)
    assert store.refresh() is False
    assert store.cleartext("carol") is None
    monkeypatch.setattr(stores.os, "fstat", real_fstat)
    assert store.refresh() is True
    assert (store.cleartext("carol"), store.cleartext("dave")) == ("x", "y")


def test_an_incomplete_file_with_a_future_mtime_settles_by_the_clock(
    store: PasswordFileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_place(store.path, "")
    future = time.time() + 3600
    os.utime(store.path, (future, future))  # a skewed clock must not keep the old contents for ever
    now = time.monotonic()
    monkeypatch.setattr(stores.time, "monotonic", lambda: now)
    assert store.refresh() is False
    monkeypatch.setattr(stores.time, "monotonic", lambda: now + SETTLE)
    assert store.refresh() is True and len(store) == 0


def test_a_server_keeps_answering_while_its_password_file_is_rewritten(
    make_config: Callable[..., ServerConfig], run_server: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "passwd").write_text(OLD)
    server = run_server(make_config(mechanisms=("PLAIN",)))

    def auth(user: str, password: str) -> bytes:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            reader = sock.makefile("rb")
            reader.readline()
            sock.sendall(b"EHLO client.test\r\n")
            while reader.readline()[3:4] == b"-":
                pass
            token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
            sock.sendall(f"AUTH PLAIN {token}\r\n".encode())
            return reader.readline()[:3]

    in_place(tmp_path / "passwd", "")
    server.run(server.server.refresh_stores())
    assert auth("alice", "one") == b"235"
    in_place(tmp_path / "passwd", "alice:one\nbob:hun")
    server.run(server.server.refresh_stores())
    assert auth("bob", "hunter2") == b"235"
    in_place(tmp_path / "passwd", "alice:two\nbob:hunter2\n")
    server.run(server.server.refresh_stores())
    assert (auth("alice", "two"), auth("alice", "one")) == (b"235", b"535")
