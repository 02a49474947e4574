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


def test_names_are_unique(tmp_path):
    maildir = Maildir(tmp_path)
    names = {maildir.deliver(b"x", "SAME", 1.0).name for _ in range(50)}
    assert len(names) == 50


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
