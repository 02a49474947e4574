"""The disk thread: jobs in order, in batches; one failing job never fails another; a batch shares new/'s fsync."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from ecconf.runtime import replies
from ecconf.runtime.diskqueue import DISK_THREAD_NICE, Append, Call, Deliver, DiskQueue, Result, run_batch
from ecconf.runtime.spool import Maildir, SpoolError


def test_a_batch_runs_in_order_and_keeps_failures_to_their_job(tmp_path: Path) -> None:
    maildir = Maildir(tmp_path / "spool")
    log = tmp_path / "acct.log"

    def boom() -> object:
        raise ValueError("broken")

    results = run_batch(
        [
            (Append(log, "first\n"), "a"),
            (Call(boom), "b"),
            (Deliver(maildir, b"Subject: x\n\nbody\n", "Q1", 1_700_000_000.0), "c"),
            (Call(lambda: 42), "d"),
        ]
    )
    assert [token for token, _value, _exc in results] == ["a", "b", "c", "d"]
    assert isinstance(results[1][2], ValueError)
    stored = results[2][1]
    assert isinstance(stored, str) and Path(stored).parent == tmp_path / "spool" / "new"
    assert Path(stored).read_bytes() == b"Subject: x\n\nbody\n"
    assert results[3][1:] == (42, None)
    assert log.read_text() == "first\n"


def test_when_new_cannot_be_synced_no_message_of_the_batch_stays(tmp_path: Path, monkeypatch) -> None:
    maildir = Maildir(tmp_path / "spool")
    maildir.ensure()

    def refuse(path: Path) -> None:
        raise OSError(28, "No space left on device")  # ENOSPC

    monkeypatch.setattr("ecconf.runtime.spool._fsync_dir", refuse)
    jobs = [(Deliver(maildir, b"m%d\n" % n, f"Q{n}", 1.0), n) for n in range(3)]
    results = run_batch(jobs)  # type: ignore[arg-type]
    assert all(isinstance(exc, SpoolError) and exc.reply is replies.SPOOL_FULL for _t, _v, exc in results)
    assert list((tmp_path / "spool" / "new").iterdir()) == []
    assert list((tmp_path / "spool" / "tmp").iterdir()) == []


def test_the_queue_hands_back_every_result_and_can_be_closed_and_used_again(tmp_path: Path) -> None:
    got: list[Result] = []
    done = threading.Event()

    def on_done(batch: list[Result]) -> None:
        got.extend(batch)
        if len(got) == 20:
            done.set()

    queue = DiskQueue(on_done)
    for n in range(10):
        queue.submit(Call(lambda n=n: n * n), n)
    queue.close()  # the jobs already queued are finished first
    assert sorted(value for _t, value, _e in got) == [n * n for n in range(10)]
    for n in range(10, 20):
        queue.submit(Call(lambda n=n: n), n)
    assert done.wait(10)
    queue.close()
    assert [token for token, _v, _e in got] == list(range(20))  # in submission order


def test_spool_dirs_removed_under_a_running_server_are_made_again(tmp_path: Path) -> None:
    maildir = Maildir(tmp_path / "spool")
    maildir.ensure()
    for sub in ("tmp", "new", "cur"):
        os.rmdir(tmp_path / "spool" / sub)
    [(_token, path, exc)] = run_batch([(Deliver(maildir, b"x\n", "Q", 1.0), "t")])
    assert exc is None and isinstance(path, str) and Path(path).read_bytes() == b"x\n"


def test_a_missing_new_dir_is_made_again_before_the_rename(tmp_path: Path) -> None:
    maildir = Maildir(tmp_path / "spool")
    maildir.ensure()
    os.rmdir(tmp_path / "spool" / "new")
    assert maildir.deliver(b"y\n", "Q", 1.0).read_bytes() == b"y\n"


def test_lines_for_one_file_go_out_in_order_between_other_jobs(tmp_path: Path) -> None:
    maildir = Maildir(tmp_path / "spool")
    one, two = tmp_path / "one.log", tmp_path / "two.log"
    jobs = [
        (Append(one, "a1\n"), 0),
        (Append(two, "b1\n"), 1),
        (Deliver(maildir, b"m\n", "Q", 1.0), 2),
        (Append(one, "a2\n"), 3),
        (Append(one, "a3\n"), 4),
    ]
    results = run_batch(jobs)  # type: ignore[arg-type]
    assert [exc for _t, _v, exc in results] == [None] * 5
    assert one.read_text() == "a1\na2\na3\n"
    assert two.read_text() == "b1\n"


def test_lines_that_cannot_be_written_fail_together_and_are_not_tried_twice(tmp_path: Path, monkeypatch) -> None:
    calls: list[str] = []

    def refuse(self: object, path: Path, text: str) -> None:
        calls.append(text)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ecconf.runtime.acctlog.Appender.append", refuse)
    log = tmp_path / "acct.log"
    results = run_batch([(Append(log, "x\n"), 0), (Call(lambda: 7), 1), (Append(log, "y\n"), 2)])
    assert calls == ["x\ny\n"]
    assert isinstance(results[0][2], OSError) and isinstance(results[2][2], OSError)
    assert results[1][1:] == (7, None)


def test_submit_many_keeps_the_order(tmp_path: Path) -> None:
    got: list[Result] = []
    queue = DiskQueue(got.extend)
    queue.submit_many([(Call(lambda n=n: n), n) for n in range(5)])
    queue.submit(Call(lambda: 5), 5)
    queue.close()
    assert [token for token, _v, _e in got] == list(range(6))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are a Linux feature")
def test_the_disk_thread_runs_at_a_lower_priority_than_the_loop(tmp_path: Path) -> None:
    got: list[Result] = []
    queue = DiskQueue(got.extend)
    queue.submit(Call(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())), "nice")
    queue.close()
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert got == [("nice", min(19, own + DISK_THREAD_NICE), None)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own  # the caller's thread is untouched
