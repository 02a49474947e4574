"""Limits and faults on a real loopback server: AUTH penalty across sessions, output backpressure, early
talkers, the DATA deadline, draining, and a full or unwritable spool (the server keeps serving)."""

from __future__ import annotations

import asyncio
import base64
import errno
import logging
import os
import smtplib
import socket
import threading
import time

import pytest
from serving import connect, dialogue, hang_up, send_quietly, silent_flood

from ecconf.runtime.spool import Maildir

GOOD = base64.b64encode(b"\0alice\0s3cret").decode()
BAD = base64.b64encode(b"\0alice\0wrong").decode()


def test_auth_failures_slow_down_that_address_across_sessions_only(run_server, make_config, caplog):
    policy = {"auth_penalty_base": 0.4, "auth_failure_delay": 0.0}
    running = run_server(make_config(listener_values=policy))
    caplog.set_level(logging.INFO, logger="ecconf.runtime.server")
    sock, reader = dialogue(running.port)
    started = time.monotonic()
    sock.sendall(f"AUTH PLAIN {BAD}\r\n".encode())
    assert reader.readline().startswith(b"535 5.7.8")  # the first failure is answered at once
    sock.close()
    sock, reader = dialogue(running.port)  # a new session from the same address
    sock.sendall(f"AUTH PLAIN {GOOD}\r\n".encode())
    assert reader.readline().startswith(b"235 2.7.0")
    assert time.monotonic() - started >= 0.4  # held back until 0.4 s after the failure, then answered
    sock.close()
    other, reader = dialogue(running.port, source="127.0.0.2")  # another client is not held back at all
    other.sendall(f"AUTH PLAIN {GOOD}\r\n".encode())
    assert reader.readline().startswith(b"235 2.7.0")
    other.close()
    held = [r.getMessage() for r in caplog.records if "held back" in r.getMessage()]
    assert len(held) == 1 and "127.0.0.1" in held[0]
    assert running.server.penalty.score("127.0.0.1", _rule()) > 0.9
    assert running.server.penalty.score("127.0.0.2", _rule()) == 0.0


def _rule():
    from ecconf.runtime.penalty import PenaltyRule

    return PenaltyRule(0.4, 30.0, 300.0)


def test_a_client_that_never_reads_cannot_make_the_server_buffer_its_replies(run_server, make_config):
    running = run_server(make_config(listener_values={"idle_time": 0.5}))
    # 50 000 pipelined EHLOs ask for about 7 MB of replies, far more than loopback's socket buffers hold
    # (10 000 would fit in them, so the server's own buffering would never show); none of them is read.
    sock, flood = silent_flood(running.port, b"EHLO c\r\n" * 50_000)
    peak = 0
    for _ in range(500):  # bounded wait for the session to give up on the silent reader
        peak = max(peak, running.run(_buffered(running.server)))
        if not running.server._sessions and not flood.is_alive():
            break
        running.run(asyncio.sleep(0.01))
    flood.join(10)
    assert not running.server._sessions  # closed after idle_time without progress
    assert peak <= 256 * 1024  # without backpressure the transport held megabytes
    sock.close()


async def _buffered(server) -> int:
    return server.buffered_output()


def test_early_talker_gets_554_and_a_patient_client_the_banner(run_server, make_config):
    running = run_server(make_config(listener_values={"greeting_delay": 0.3}))
    sock, reader = connect(running.port)
    sock.sendall(b"EHLO early.example\r\n")
    assert reader.readline() == (
        b"554 5.5.1 mx.test Protocol error: data sent before the greeting, closing connection\r\n"
    )
    assert reader.readline() == b""
    sock.close()
    with smtplib.SMTP("127.0.0.1", running.port, timeout=10) as smtp:  # waits for the 220 before talking
        assert smtp.ehlo()[0] == 250


def test_the_data_deadline_ends_a_transfer_that_never_finishes(run_server, make_config):
    values = {"open_relay": True, "data_timeout": 10.0, "data_deadline": 0.3}
    running = run_server(make_config(listen_values=values))
    sock, reader = dialogue(running.port)
    sock.sendall(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\nSubject: slow\r\n")
    assert [reader.readline()[:3] for _ in range(3)] == [b"250", b"250", b"354"]
    assert reader.readline() == b"421 4.4.2 mx.test Message transfer took too long, closing connection\r\n"
    assert reader.readline() == b""
    assert running.maildir_messages() == []
    sock.close()


def test_drain_lets_a_transaction_in_flight_finish(run_server, make_config):
    running = run_server(make_config(listen_values={"open_relay": True}))
    busy, busy_reader = dialogue(running.port)
    busy.sendall(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\nSubject: in flight\r\n")
    assert [busy_reader.readline()[:3] for _ in range(3)] == [b"250", b"250", b"354"]
    idle, idle_reader = dialogue(running.port)
    stopping = asyncio.run_coroutine_threadsafe(running.server.stop(10.0), running.loop)
    # The idle session is told at once; that is also our sign that the drain has begun.
    assert idle_reader.readline() == b"421 4.3.2 mx.test Service shutting down, closing connection\r\n"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", running.port), timeout=2)
    busy.sendall(b"\r\nbody\r\n.\r\n")
    assert busy_reader.readline().startswith(b"250 2.0.0 Message accepted")
    assert busy_reader.readline().startswith(b"421 4.3.2")  # then it is told, between transactions
    stopping.result(10)
    assert len(running.maildir_messages()) == 1
    busy.close()
    idle.close()


def test_drain_deadline_cuts_off_a_stalled_transfer_with_421(run_server, make_config):
    running = run_server(make_config(listen_values={"open_relay": True}))
    sock, reader = dialogue(running.port)
    sock.sendall(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\npartial\r\n")
    assert [reader.readline()[:3] for _ in range(3)] == [b"250", b"250", b"354"]
    running.run(running.server.stop(0.2))
    assert reader.readline().startswith(b"421 4.3.2")
    assert reader.readline() == b""
    assert running.maildir_messages() == []
    sock.close()


class FullDisk:
    """os.write that writes a little, then runs out of space — until `full` is cleared."""

    def __init__(self) -> None:
        self.full = True

    def __call__(self, fd: int, data: memoryview) -> int:
        if not self.full:
            return os.write(fd, data)
        if len(data) > 10:
            return os.write(fd, data[:10])  # a half-written file that must not survive
        raise OSError(errno.ENOSPC, "No space left on device")


def send(smtp: smtplib.SMTP, text: str) -> tuple[int, bytes]:
    smtp.ehlo_or_helo_if_needed()
    smtp.mail("a@b.example")
    smtp.rcpt("x@y.example")
    return smtp.data(text)


def test_full_disk_answers_452_and_the_session_carries_on(run_server, make_config):
    running = run_server(make_config(listen_values={"open_relay": True}))
    disk = FullDisk()
    running.server.maildir = Maildir(running.config.spool_base, write=disk)
    with smtplib.SMTP("127.0.0.1", running.port, timeout=10) as smtp:
        assert send(smtp, "Subject: one\r\n\r\nbody\r\n") == (452, b"4.3.1 Insufficient system storage")
        spool = running.config.spool_base
        assert os.listdir(spool / "tmp") == [] and os.listdir(spool / "new") == []
        disk.full = False
        assert send(smtp, "Subject: two\r\n\r\nbody\r\n")[0] == 250
    [stored] = running.maildir_messages()
    assert "Subject: two" in stored


def test_unwritable_spool_answers_451_and_the_session_carries_on(run_server, make_config, tmp_path):
    running = run_server(make_config(listen_values={"open_relay": True}))
    good = running.server.maildir
    if os.geteuid() != 0:
        bad = good
        (good.base / "tmp").chmod(0o500)
    else:  # root writes anywhere: put the spool under a regular file instead
        (tmp_path / "a-file").write_text("not a directory")
        bad = Maildir(tmp_path / "a-file" / "spool")
    running.server.maildir = bad
    try:
        with smtplib.SMTP("127.0.0.1", running.port, timeout=10) as smtp:
            assert send(smtp, "Subject: one\r\n\r\nbody\r\n") == (
                451,
                b"4.3.0 Local error in processing, please try again later",
            )
            assert smtp.noop()[0] == 250
    finally:
        (good.base / "tmp").chmod(0o700)
    running.server.maildir = good
    with smtplib.SMTP("127.0.0.1", running.port, timeout=10) as smtp:
        assert send(smtp, "Subject: two\r\n\r\nbody\r\n")[0] == 250
    assert len(running.maildir_messages()) == 1


def test_pipelined_noops_end_in_421_and_a_closed_connection(run_server, make_config):
    """NOOP, RSET, VRFY and HELP are junk: past 100 each spends the bad-command budget (10), then 421."""
    running = run_server(make_config(listener_values={"max_unknown_commands": 10}))
    sock, reader = dialogue(running.port)
    with sock:
        threading.Thread(target=send_quietly, args=(sock, b"NOOP\r\n" * 3000), daemon=True).start()
        answers = []
        try:
            while line := reader.readline():  # ends at EOF: the server closed the connection
                answers.append(line)
        except ConnectionResetError:
            pass  # the server closed with our unread NOOPs in its buffer: the kernel answers with a reset
    assert answers[:110] == [b"250 2.0.0 OK\r\n"] * 110
    assert answers[110:] == [b"421 4.7.0 mx.test Too many NOOP, RSET, VRFY or HELP commands, closing connection\r\n"]


@pytest.mark.parametrize("where", ["command", "auth-response"])
def test_a_line_trickled_byte_by_byte_ends_at_idle_time(run_server, make_config, where):
    running = run_server(make_config(listener_values={"idle_time": 0.5}))
    sock, reader = dialogue(running.port)
    if where == "auth-response":
        sock.sendall(b"AUTH LOGIN\r\n")
        assert reader.readline().startswith(b"334 ")
    sock.settimeout(0.2)  # the pace of the trickle: one byte, then 0.2 s waiting for an answer
    answer = b""
    for _ in range(15):  # 3 s: each byte re-armed the 0.5 s idle timer, and the line never ended
        try:
            sock.sendall(b"N")
            answer = sock.recv(200)
            break
        except TimeoutError:
            continue
    assert answer == b"421 4.4.2 mx.test Idle timeout, closing connection\r\n"
    sock.close()


TOO_MANY = b"421 4.7.0 Too many connections from your address, closing connection\r\n"


def test_one_address_may_hold_only_its_share_of_sessions(run_server, make_config):
    running = run_server(make_config(listener_values={"max_connections_per_address": 3}))
    held = [dialogue(running.port) for _ in range(3)]
    sock, reader = connect(running.port)
    assert reader.readline() == TOO_MANY  # at banner time, then closed
    assert reader.readline() == b""
    sock.close()
    other, other_reader = dialogue(running.port, source="127.0.0.2")  # another address is served meanwhile
    other.sendall(b"QUIT\r\n")
    assert other_reader.readline().startswith(b"221 ")
    hang_up(*held.pop())  # one of the three hangs up: its place is free again
    address = running.config.listeners[0].address
    assert running.wait_until(lambda: running.server.admission.from_address(address, "127.0.0.1") == 2)
    sock, reader = dialogue(running.port)
    held.append((sock, reader))
    for client in held:
        hang_up(*client)
