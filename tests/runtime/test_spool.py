"""Maildir delivery: complete files in new/, nothing left behind on failure, the right reply per error."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from ecconf.runtime import replies
from ecconf.runtime.spool import Maildir, SpoolError


def test_deliver_creates_maildir_and_stores_the_bytes(tmp_path):
    maildir = Maildir(tmp_path / "spool")
    path = maildir.deliver(b"Subject: x\n\nbody\n", "QID1", 1700000000.0)
    assert path.parent == tmp_path / "spool" / "new"
    assert path.read_bytes() == b"Subject: x\n\nbody\n"
    assert path.name.startswith("1700000000.") and "QID1" in path.name
    assert os.listdir(tmp_path / "spool" / "tmp") == []
    assert (tmp_path / "spool" / "cur").is_dir()


def test_a_short_write_is_carried_on_until_every_byte_is_down(tmp_path):
    written: list[int] = []

    def at_most_seven(fd: int, data: bytes | memoryview) -> int:  # a file system that takes little at a time
        written.append(os.write(fd, bytes(data[:7])))
        return written[-1]

    maildir = Maildir(tmp_path, write=at_most_seven)
    body = b"Subject: short writes\n\n" + b"0123456789" * 10
    path = maildir.deliver(body, "Q", 1.0, lambda name: b'{"m":"%s"}\n' % name.encode())
    assert path.read_bytes() == body
    assert maildir.envelope_path(path).read_bytes() == b'{"m":"%s"}\n' % path.name.encode()
    assert len(written) > len(body) // 7 and set(written) <= set(range(1, 8))


def test_names_are_unique(tmp_path):
    maildir = Maildir(tmp_path)
    names = {maildir.deliver(b"x", "SAME", 1.0).name for _ in range(50)}
    assert len(names) == 50


def test_a_forked_worker_names_its_messages_with_its_own_process_id(tmp_path):
    maildir = Maildir(tmp_path)
    assert f".P{os.getpid()}Q" in maildir.unique_name("Q", 1.0)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the worker: one name, through the pipe, then out without running pytest's exit
        try:
            os.write(write, maildir.unique_name("Q", 1.0).encode())
        finally:
            os._exit(0)
    os.close(write)
    name = os.read(read, 1000).decode()
    os.close(read)
    os.waitpid(child, 0)
    assert f".P{child}Q" in name and f".P{os.getpid()}Q" not in name


def test_unwritable_spool_gives_451_and_leaves_nothing(tmp_path):
    maildir = Maildir(tmp_path)
    maildir.ensure()
    (tmp_path / "new").rmdir()
    (tmp_path / "new").write_text("in the way")
    with pytest.raises(SpoolError) as err:
        maildir.deliver(b"x", "Q", 1.0)
    assert err.value.reply is replies.SPOOL_ERROR
    assert os.listdir(tmp_path / "tmp") == []


def test_full_disk_gives_452(tmp_path, monkeypatch):
    maildir = Maildir(tmp_path)

    def no_space(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", no_space)
    with pytest.raises(SpoolError) as err:
        maildir.deliver(b"x" * 100, "Q", 1.0)
    monkeypatch.undo()
    assert err.value.reply is replies.SPOOL_FULL
    assert os.listdir(tmp_path / "tmp") == [] and os.listdir(tmp_path / "new") == []


def test_failed_directory_sync_removes_the_delivered_copy(tmp_path, monkeypatch):
    maildir = Maildir(tmp_path)
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):  # the sync of new/ after the rename (no envelope/ here)
            raise OSError(errno.EIO, "I/O error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(SpoolError):
        maildir.deliver(b"x", "Q", 1.0)
    assert os.listdir(tmp_path / "new") == []  # a 4xx makes the client retry: no duplicate left behind
