"""Group commit: messages written while a commit waits on the disk are made durable together (one sync of
each directory for them, their file syncs at once), each answered only after its own commit, and a message
whose file cannot be synced fails alone."""

from __future__ import annotations

import errno
import json
import os
import smtplib
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ecconf.runtime import groupcommit, replies, spool
from ecconf.runtime.diskqueue import Deliver, DiskQueue, Result, run_batch
from ecconf.runtime.groupcommit import Committer
from ecconf.runtime.spool import Maildir, SpoolError, file_system

TIMEOUT = 20


class Gate:
    """A sync that holds the first commit on the disk until `open()`, and counts what the commit thread
    has been handed (`wait_handed`): the test knows a batch has gathered without waiting on the clock."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.syncing = threading.Event()
        self._open = threading.Event()
        self._handed = 0
        self._seen = threading.Condition()
        real_add = Committer.add

        def add(committer: Committer, pending: list[groupcommit.Pending]) -> None:
            real_add(committer, pending)
            with self._seen:
                self._handed += len(pending)
                self._seen.notify_all()

        monkeypatch.setattr(Committer, "add", add)

    def sync(self, fd: int) -> None:
        self.syncing.set()
        assert self._open.wait(TIMEOUT)
        os.fdatasync(fd)

    def open(self) -> None:
        self._open.set()

    def wait_handed(self, count: int) -> None:
        with self._seen:
            assert self._seen.wait_for(lambda: self._handed >= count, TIMEOUT), f"{self._handed} of {count} handed"


@pytest.fixture
def dir_syncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every directory spool.py syncs, in order."""
    synced: list[str] = []
    real = spool._fsync_dir

    def record(path: str | Path) -> None:
        synced.append(Path(path).name)
        real(path)

    monkeypatch.setattr(spool, "_fsync_dir", record)
    return synced


def assert_synced_in_pairs(synced: list[str], commits: int) -> None:
    """envelope/ and new/ once each per commit, a commit's envelope/ before its new/. A batch's new/ may come
    after the next batch's envelope/ (publishing overlaps the next syncs), never before its own."""
    assert sorted(synced) == ["envelope"] * commits + ["new"] * commits, synced
    for at in range(len(synced)):
        assert synced[: at + 1].count("new") <= synced[: at + 1].count("envelope"), synced


def on_disk(maildir: Maildir) -> None:
    if maildir.in_memory:
        pytest.skip("the temp dir is on tmpfs, where the disk thread commits by itself")


def open_under(folder: Path) -> list[str]:
    """The name of every file this process has open under `folder`."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if target.is_relative_to(folder) and target != folder and not target.is_dir():
            found.append(target.name)
    return found


def envelope(name: str) -> bytes:
    return json.dumps({"message": name}).encode() + b"\n"


def test_messages_that_arrive_while_a_commit_waits_are_committed_together(tmp_path, monkeypatch, dir_syncs):
    gate = Gate(monkeypatch)
    maildir = Maildir(tmp_path / "spool", sync=gate.sync)
    maildir.ensure()
    on_disk(maildir)
    batches: list[list[Result]] = []
    queue = DiskQueue(batches.append)
    queue.submit(Deliver(maildir, b"m0\n", "Q0", 1.0, envelope), 0)
    assert gate.syncing.wait(TIMEOUT)  # the first commit is on the disk
    for n in range(1, 5):  # four sessions finish meanwhile, each in a turn of its own
        queue.submit(Deliver(maildir, b"m%d\n" % n, f"Q{n}", 1.0, envelope), n)
    gate.wait_handed(5)
    assert batches == []  # nothing is answered before its commit
    # The four waiting hold no file open; only the first message's files may be, being synced.
    assert all("RQ0." in name for name in open_under(tmp_path / "spool"))
    gate.open()
    queue.close()
    assert [[token for token, _v, _e in batch] for batch in batches] == [[0], [1, 2, 3, 4]]
    # Each directory once per commit: two of each for five messages, envelope/ before new/ in each.
    assert_synced_in_pairs(dir_syncs, 2)
    stored = sorted(Path(str(path)).read_bytes() for batch in batches for _t, path, _e in batch)
    assert stored == [b"m%d\n" % n for n in range(5)]
    assert os.listdir(tmp_path / "spool" / "tmp") == []
    assert len(os.listdir(tmp_path / "spool" / "envelope")) == 5


def test_a_lone_message_is_committed_at_once(tmp_path, dir_syncs):
    maildir = Maildir(tmp_path / "spool")
    committed = threading.Event()
    got: list[Result] = []

    def on_done(batch: list[Result]) -> None:
        got.extend(batch)
        committed.set()

    queue = DiskQueue(on_done)
    queue.submit(Deliver(maildir, b"alone\n", "Q", 1.0, envelope), "t")
    assert committed.wait(TIMEOUT)  # no batch to fill: no close() needed to push it out
    [(token, path, exc)] = got
    assert token == "t" and exc is None and isinstance(path, str) and Path(path).read_bytes() == b"alone\n"
    assert dir_syncs == ["envelope", "new"]
    queue.close()


def test_the_file_syncs_of_a_commit_run_at_once(tmp_path):
    files = 6  # three messages and their envelopes
    together = threading.Barrier(files, timeout=TIMEOUT)  # broken unless all six syncs are in flight at once

    def sync(fd: int) -> None:
        together.wait()
        os.fdatasync(fd)

    maildir = Maildir(tmp_path / "spool", sync=sync)
    maildir.ensure()
    staged = [maildir.stage(b"m%d\n" % n, f"Q{n}", 1.0, envelope) for n in range(3)]
    committer = Committer(lambda results: None, "test-commit")
    results = maildir.commit(staged, committer.run)
    committer.close()
    assert all(isinstance(path, str) for path in results)
    assert len(os.listdir(tmp_path / "spool" / "new")) == 3


def shm_is_tmpfs() -> bool:
    try:
        return file_system("/dev/shm", Path(spool.MOUNTS).read_text()) == "tmpfs"
    except OSError:
        return False


@pytest.mark.skipif(not shm_is_tmpfs(), reason="needs /dev/shm on tmpfs and a Linux mount table")
def test_on_tmpfs_the_disk_thread_commits_itself_as_syncs_cost_nothing_there():
    threads: set[str] = set()

    def sync(fd: int) -> None:
        threads.add(threading.current_thread().name)
        os.fdatasync(fd)

    with tempfile.TemporaryDirectory(dir="/dev/shm") as base:
        maildir = Maildir(Path(base) / "spool", sync=sync)
        assert maildir.in_memory
        got: list[Result] = []
        queue = DiskQueue(got.extend)
        queue.submit_many([(Deliver(maildir, b"m%d\n" % n, f"Q{n}", 1.0, envelope), n) for n in range(3)])
        queue.close()
        assert sorted(token for token, _v, exc in got if exc is None) == [0, 1, 2]
    assert threads == {"ecconf-disk"}  # neither the commit thread nor a sync thread: no hand-over


def test_the_file_system_of_a_path_is_that_of_the_longest_mount_point_above_it():
    mounts = "\n".join(
        [
            "/dev/vda / ext4 rw,relatime 0 0",
            "tmpfs /dev/shm tmpfs rw 0 0",
            "tmpfs /srv/mail\\040spool tmpfs rw 0 0",  # a space, escaped as the kernel writes it
            "/dev/vdb /srv ext4 rw 0 0",
            "/dev/vdc /srv xfs rw 0 0",  # mounted over the one before: this one is seen
        ]
    )
    assert file_system("/dev/shm/spool/new", mounts) == "tmpfs"
    assert file_system("/dev/shm", mounts) == "tmpfs"
    assert file_system("/dev/shmem", mounts) == "ext4"  # a longer name, not a path under /dev/shm
    assert file_system("/srv/mail spool/new", mounts) == "tmpfs"
    assert file_system("/srv/mail", mounts) == "xfs"
    assert file_system("/var/spool", mounts) == "ext4"
    assert file_system("/var/spool", "") == ""


class Disk:
    """A Maildir writer and sync that fail the sync of every file whose text holds `marker`, with `code`."""

    def __init__(self, marker: bytes, code: int = errno.EIO) -> None:
        self.marker, self.code = marker, code
        # inode -> the last write to it: the whole of a small file (one write each); the commit thread may
        # sync a file through a descriptor of its own
        self._written: dict[int, bytes] = {}
        self.ahead: Callable[[int], None] = lambda fd: None  # runs before each sync

    def write(self, fd: int, view: memoryview) -> int:
        self._written[os.fstat(fd).st_ino] = bytes(view)
        return os.write(fd, view)

    def sync(self, fd: int) -> None:
        self.ahead(fd)
        text = self._written.get(os.fstat(fd).st_ino, b"")
        if self.marker in text:
            raise OSError(self.code, os.strerror(self.code))
        os.fdatasync(fd)


@pytest.mark.parametrize(("code", "reply"), [(errno.EIO, replies.SPOOL_ERROR), (errno.ENOSPC, replies.SPOOL_FULL)])
def test_a_file_that_cannot_be_synced_fails_its_message_alone(tmp_path, code, reply):
    bad = b"this one will not sync\n"
    disk = Disk(b"will not sync", code)
    maildir = Maildir(tmp_path / "spool", write=disk.write, sync=disk.sync)
    jobs = [(Deliver(maildir, data, f"Q{n}", 1.0, envelope), n) for n, data in enumerate([b"a\n", bad, b"c\n"])]
    committer = Committer(lambda results: None, "test-commit")
    results = run_batch(jobs, committer.run)  # type: ignore[arg-type]
    committer.close()
    assert results[0][2] is None and results[2][2] is None
    assert isinstance(results[1][2], SpoolError) and results[1][2].reply is reply
    new = tmp_path / "spool" / "new"
    assert sorted(p.read_bytes() for p in new.iterdir()) == [b"a\n", b"c\n"]
    assert os.listdir(tmp_path / "spool" / "tmp") == []  # nothing of the failed one stays
    envelopes = sorted(os.listdir(tmp_path / "spool" / "envelope"))
    assert envelopes == sorted(p.name + ".json" for p in new.iterdir())


def test_when_envelope_dir_cannot_be_synced_no_message_of_the_commit_is_published(tmp_path, monkeypatch):
    def refuse(path: str | Path) -> None:
        if Path(path).name == "envelope":
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(spool, "_fsync_dir", refuse)
    maildir = Maildir(tmp_path / "spool")
    committer = Committer(lambda results: None, "test-commit")
    results = run_batch([(Deliver(maildir, b"m%d\n" % n, f"Q{n}", 1.0, envelope), n) for n in range(3)], committer.run)
    committer.close()
    assert all(isinstance(exc, SpoolError) and exc.reply is replies.SPOOL_ERROR for _t, _v, exc in results)
    for sub in ("new", "tmp", "envelope"):
        assert os.listdir(tmp_path / "spool" / sub) == []


# ----- on the wire: sessions finishing together ------------------------------------------------------------


def send(port: int, body: str) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as smtp:
        smtp.ehlo()
        smtp.mail("a@b.example")
        smtp.rcpt("x@y.example")
        return smtp.data(body)


def test_sessions_finishing_together_share_a_commit_and_one_failure_stays_its_own(
    run_server, make_config, monkeypatch, dir_syncs
):
    gate = Gate(monkeypatch)
    disk = Disk(b"will not sync")
    disk.ahead = gate.sync  # the first commit waits on the disk until the others have gathered
    running = run_server(make_config(listen_values={"open_relay": True}))
    running.server.maildir = Maildir(running.config.spool_base, write=disk.write, sync=disk.sync)
    on_disk(running.server.maildir)
    answers: dict[str, tuple[int, bytes]] = {}

    def client(name: str, body: str) -> None:
        answers[name] = send(running.port, body)

    first = threading.Thread(target=client, args=("first", "Subject: first\r\n\r\nbody\r\n"))
    first.start()
    assert gate.syncing.wait(TIMEOUT)
    new = running.config.spool_base / "new"
    assert list(new.iterdir()) == [] and "first" not in answers  # no 250 before its commit is done
    bodies = {f"s{n}": f"Subject: s{n}\r\n\r\nbody\r\n" for n in range(3)}
    bodies["bad"] = "Subject: bad\r\n\r\nthis one will not sync\r\n"
    others = [threading.Thread(target=client, args=item) for item in bodies.items()]
    for thread in others:
        thread.start()
    gate.wait_handed(5)  # all four have been written and wait for the commit thread
    gate.open()
    for thread in [first, *others]:
        thread.join(TIMEOUT)
    assert answers.pop("bad") == (451, b"4.3.0 Local error in processing, please try again later")
    assert {name: code for name, (code, _text) in answers.items()} == {"first": 250, "s0": 250, "s1": 250, "s2": 250}
    # The four that finished while the first commit was on the disk shared one sync of each directory.
    assert_synced_in_pairs(dir_syncs, 2)
    assert sorted(p.read_text().splitlines()[-1] for p in new.iterdir()) == ["body"] * 4
    assert os.listdir(running.config.spool_base / "tmp") == []


@pytest.mark.skipif(not shm_is_tmpfs(), reason="needs /dev/shm on tmpfs and a Linux mount table")
def test_on_tmpfs_no_sync_is_called_yet_each_message_lands_with_its_envelope(monkeypatch):
    """tmpfs's fsync has nothing to write: the calls (each a hand-over of the interpreter lock) are skipped."""
    calls: list[str] = []
    monkeypatch.setattr(spool, "_DATASYNC", lambda fd: calls.append("file"))
    monkeypatch.setattr(spool, "_fsync_dir", lambda path: calls.append("dir"))
    with tempfile.TemporaryDirectory(dir="/dev/shm") as base:
        maildir = Maildir(Path(base) / "spool")
        got: list[Result] = []
        queue = DiskQueue(got.extend)
        queue.submit_many([(Deliver(maildir, b"m%d\n" % n, f"Q{n}", 1.0, envelope), n) for n in range(3)])
        queue.close()
        assert all(exc is None for _t, _v, exc in got) and len(got) == 3
        for _token, path, _exc in got:
            assert Path(str(path)).read_bytes().startswith(b"m")
            assert maildir.envelope_path(Path(str(path))).is_file()
        assert os.listdir(Path(base) / "spool" / "tmp") == []
    assert calls == []
    # On a disk the same default syncer is called for every file and directory (the other tests here).


def test_the_next_batch_is_synced_while_the_last_one_is_published(tmp_path, monkeypatch):
    """Publishing a batch (renames, then a sync of new/: a journal commit of its own) overlaps the next
    batch's syncs; each is still answered only after its own new/ sync, in the order they were synced."""
    new_synced = threading.Event()
    release_new = threading.Event()
    synced_files: list[int] = []
    seen = threading.Condition()
    real = spool._fsync_dir

    def fsync_dir(path: str | Path) -> None:
        if Path(path).name == "new" and not new_synced.is_set():
            new_synced.set()  # the first batch's publishing is on the disk, and stays there ...
            assert release_new.wait(TIMEOUT)
        real(path)

    def sync(fd: int) -> None:
        os.fdatasync(fd)
        with seen:
            synced_files.append(fd)
            seen.notify_all()

    monkeypatch.setattr(spool, "_fsync_dir", fsync_dir)
    maildir = Maildir(tmp_path / "spool", sync=sync)
    maildir.ensure()
    on_disk(maildir)
    batches: list[list[Result]] = []
    queue = DiskQueue(batches.append)
    queue.submit(Deliver(maildir, b"m0\n", "Q0", 1.0, envelope), 0)
    assert new_synced.wait(TIMEOUT)
    before = len(synced_files)  # message and envelope of the first batch
    queue.submit(Deliver(maildir, b"m1\n", "Q1", 1.0, envelope), 1)
    with seen:  # ... while the second batch's files are synced
        done = seen.wait_for(lambda: len(synced_files) >= before + 2, TIMEOUT)
    assert done, "the second batch waited for the first one's publishing"
    assert batches == []  # neither is answered: the first waits for its new/ sync, the second its turn
    assert [name.split("R")[-1][:2] for name in os.listdir(tmp_path / "spool" / "new")] == ["Q0"]
    release_new.set()
    queue.close()
    assert [[token for token, _v, exc in batch if exc is None] for batch in batches] == [[0], [1]]
