"""The session table `serve --workers N` shares: one cap over all workers, and a dead worker's share back."""

from __future__ import annotations

import fcntl
import os
import signal

import pytest

from ecconf.runtime.config import ListenAddress
from ecconf.session_tally import SessionTable

SMTP = ListenAddress.parse("127.0.0.1:2525")
OTHER = ListenAddress.parse("/run/ecconf.sock")


def test_the_cap_holds_over_every_worker_and_per_listener():
    table = SessionTable(2)
    first, second = table.worker(0), table.worker(1)
    assert first.admit(SMTP, 3) and second.admit(SMTP, 3) and second.admit(SMTP, 3)
    assert not first.admit(SMTP, 3) and not second.admit(SMTP, 3)
    assert first.admit(OTHER, 3)  # another listener has its own count
    assert first.admit(SMTP, 0)  # 0: no cap, still counted
    assert table.open_sessions(SMTP) == 4
    first.release(SMTP)
    first.release(SMTP)
    assert table.open_sessions(SMTP) == 2 and first.admit(SMTP, 3)


def test_counts_made_in_a_forked_worker_are_seen_and_cleared_when_it_dies():
    table = SessionTable(2)
    pid = os.fork()
    if pid == 0:  # the worker: two sessions, then killed while it holds the lock
        try:
            tally = table.worker(1)
            tally.admit(SMTP, 10)
            tally.admit(SMTP, 10)
            with table._locked():
                os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)  # never back into the test runner
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == -signal.SIGKILL
    fcntl.lockf(table._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # the kernel let go of its lock
    fcntl.lockf(table._file.fileno(), fcntl.LOCK_UN)
    assert table.open_sessions(SMTP) == 2
    assert not table.worker(0).admit(SMTP, 2)
    table.clear(1)  # what the parent does when it reaps the worker
    assert table.open_sessions(SMTP) == 0 and table.worker(0).admit(SMTP, 2)


def test_workers_are_numbered_from_zero():
    with pytest.raises(ValueError):
        SessionTable(2).worker(2)
    with pytest.raises(ValueError):
        SessionTable(0)


def test_sessions_per_client_address_are_capped_over_every_worker():
    table = SessionTable(2)
    first, second = table.worker(0), table.worker(1)
    assert first.admit_client(SMTP, "192.0.2.1", 2) and second.admit_client(SMTP, "192.0.2.1", 2)
    assert second.admit_client(SMTP, "192.0.2.1", 2) is False and first.admit_client(SMTP, "192.0.2.1", 2) is False
    assert first.admit_client(SMTP, "192.0.2.2", 2) and first.admit_client(OTHER, "192.0.2.1", 2)  # other pairs
    assert table.clients.open_sessions(SMTP, "192.0.2.1") == 2
    first.release_client(SMTP, "192.0.2.1")
    assert second.admit_client(SMTP, "192.0.2.1", 2)
    table.clear(1)  # worker 1 died: its sessions went with it
    assert table.clients.open_sessions(SMTP, "192.0.2.1") == 0


def test_a_full_client_table_says_so_and_frees_entries_whose_sessions_ended():
    from ecconf.session_tally import ClientTable

    table = ClientTable(1, size=4)
    assert all(table.admit(0, SMTP, f"10.0.0.{i}", 5) for i in range(4))
    assert table.admit(0, SMTP, "10.0.0.9", 5) is None  # no room: the worker counts this one alone
    table.release(0, SMTP, "10.0.0.2")
    assert table.admit(0, SMTP, "10.0.0.9", 5) is True  # an entry with no session open is free again
