"""The memory budget for message content, across sessions on a real loopback server: a message that would
not fit gets 452 4.3.1 (after its final dot, or at MAIL FROM by its SIZE=), and every way a DATA phase ends
gives its share back."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import smtplib
import socket
import struct
import threading

import pytest

from ecconf.runtime import replies
from ecconf.runtime.datareader import DataReader
from ecconf.runtime.memory_budget import MemoryBudget, Reservation
from ecconf.runtime.spool import Maildir

BUDGET = 1024 * 1024
LINE = b"x" * 1023 + b"\r\n"
BODY = LINE * 700  # 700 KiB and a bit: one fits in the budget, two do not
NOT_STORED = (452, b"4.3.1 Insufficient system storage")


def start(run_server, make_config):
    config = make_config(listen_values={"open_relay": True})
    return run_server(dataclasses.replace(config, message_memory_budget=BUDGET))


def used(running) -> int:
    async def read() -> int:
        return running.server.memory.used

    return running.run(read())


def on_loop(running, done) -> None:
    """Let the server's loop run (no timed sleep) until `done(server)` holds; bounded."""

    async def until() -> bool:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + 8.0  # generous: it takes milliseconds
        while not done(running.server) and loop.time() < give_up:
            await asyncio.sleep(0)  # one turn of the loop: the server's callbacks run
        return bool(done(running.server))

    assert running.run(until(), timeout=10.0)


def wait_for_use(running, test) -> None:
    on_loop(running, lambda server: test(server.memory.used))


def held_mid_data(running) -> tuple[socket.socket, object]:
    """A session that has sent BODY but not its final dot, its content counted by the server."""
    sock = socket.create_connection(("127.0.0.1", running.port), timeout=10)
    reader = sock.makefile("rb")
    assert reader.readline().startswith(b"220 ")
    sock.sendall(b"HELO c\r\nMAIL FROM:<s@b.example>\r\nRCPT TO:<a@y.example>\r\nDATA\r\n")
    assert [reader.readline()[:3] for _ in range(4)] == [b"250", b"250", b"250", b"354"]
    sock.sendall(BODY)
    wait_for_use(running, lambda n: n >= len(BODY))
    return sock, reader


def send(running, *, size: bool = False) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", running.port, timeout=10) as smtp:
        smtp.ehlo()
        code, text = smtp.mail("s@b.example", [f"SIZE={len(BODY)}"] if size else [])
        if code != 250:
            return code, text
        assert smtp.rcpt("a@y.example")[0] == 250
        return smtp.data(BODY)


def test_a_second_message_that_does_not_fit_gets_452_until_the_first_is_done(run_server, make_config):
    running = start(run_server, make_config)
    first, reader = held_mid_data(running)
    assert send(running) == NOT_STORED  # read to its final dot, then answered: the line stays usable
    assert send(running, size=True) == NOT_STORED  # its SIZE= says it would not fit: refused at MAIL FROM
    assert used(running) == len(BODY)  # the refused ones hold nothing
    first.sendall(b".\r\n")
    assert reader.readline().startswith(b"250 ")
    assert used(running) == 0  # given back once it is spooled
    assert send(running, size=True)[0] == 250  # so a new one fits again
    assert len(running.maildir_messages()) == 2
    first.close()


@pytest.mark.parametrize("how", ["close", "reset"])
def test_a_client_gone_mid_data_gives_its_share_back(run_server, make_config, how):
    running = start(run_server, make_config)
    sock, reader = held_mid_data(running)
    if how == "reset":  # RST: the server sees the connection lost, never an end of input
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    reader.close()  # the socket's file descriptor stays open while its file object does
    sock.close()
    wait_for_use(running, lambda n: n == 0)
    assert send(running)[0] == 250


def test_a_reader_over_budget_keeps_nothing_reads_to_the_end_and_releases():
    budget = MemoryBudget(10_000)
    other = Reservation(budget)
    assert other.grow_to(6_000)
    reader = DataReader(0, reservation=Reservation(budget))
    buf = bytearray(b"line\r\n" * 1000 + b".\r\n")  # 6 000 bytes: does not fit beside the other 6 000
    assert reader.consume(buf) and not buf
    assert reader.message() == b"" and reader.refusal() is replies.INSUFFICIENT_STORAGE
    assert budget.used == 6_000  # it gave back what it had taken
    other.release()
    fits = DataReader(0, reservation=Reservation(budget))
    assert fits.consume(bytearray(b"line\r\n" * 1000 + b".\r\n")) and fits.refusal() is None
    assert budget.used == 6_000
    fits.forget()
    assert budget.used == 6_000  # the content went on (to the spool); the share stays until the verdict
    fits.release()
    fits.release()
    assert budget.used == 0


def test_a_message_on_the_disk_thread_keeps_its_share_after_its_client_has_gone(run_server, make_config):
    running = start(run_server, make_config)
    writing, go_on = threading.Event(), threading.Event()

    def slow_disk(fd: int, data: memoryview) -> int:
        writing.set()
        assert go_on.wait(10)
        return os.write(fd, data)

    running.server.maildir = Maildir(running.config.spool_base, write=slow_disk)
    sock, reader = held_mid_data(running)
    sock.sendall(b".\r\n")
    assert writing.wait(10)  # the message is being written; no answer yet
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    reader.close()
    sock.close()
    on_loop(running, lambda server: not server._sessions)  # the session is over...
    assert used(running) == len(BODY)  # ...but its message, still in memory, still counts
    go_on.set()
    wait_for_use(running, lambda n: n == 0)  # given back once the disk thread is done with it


def test_a_reload_changes_the_limit_and_messages_in_flight_keep_their_share(run_server, make_config):
    running = start(run_server, make_config)
    first, reader = held_mid_data(running)
    bigger = dataclasses.replace(running.config, message_memory_budget=2 * BUDGET)
    running.run(running.server.reload(bigger))
    assert used(running) == len(BODY)  # the same accountant: the session in flight still counts
    assert send(running)[0] == 250  # two now fit side by side
    first.sendall(b".\r\n")
    assert reader.readline().startswith(b"250 ")
    assert used(running) == 0
    reader.close()
    first.close()
