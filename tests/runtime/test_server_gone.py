"""A client that has gone frees what it held at once: its Listener_Sessions slot (also while an AUTH answer
is held back for it), and its socket (also when it stopped reading our replies)."""

from __future__ import annotations

import base64
import os
import socket
import struct

import pytest
from serving import dialogue, hang_up, silent_flood

BAD = base64.b64encode(b"\0alice\0wrong").decode()
GOOD = base64.b64encode(b"\0alice\0s3cret").decode()


@pytest.mark.parametrize("held", ["answer", "login-exchange"])
def test_a_client_gone_while_its_auth_answer_is_held_frees_its_slot(run_server, make_config, held):
    # The penalty holds this address's answers for 20 s; the clients hang up long before that.
    policy = {"auth_penalty_base": 20.0, "auth_failure_delay": 0.0, "listener_sessions": 2}
    running = run_server(make_config(listener_values=policy))
    name = running.config.listeners[0].name
    sock, reader = dialogue(running.port)
    sock.sendall(f"AUTH PLAIN {BAD}\r\n".encode())
    assert reader.readline().startswith(b"535 ")  # the first failure is answered at once
    hang_up(sock, reader)
    for _ in range(4):  # twice the cap of guesses, each held back, each abandoned
        sock, reader = dialogue(running.port)
        if held == "answer":
            sock.sendall(f"AUTH PLAIN {BAD}\r\n".encode())  # the 535 is held back 20 s
        else:
            sock.sendall(b"AUTH LOGIN\r\n")
            assert reader.readline().startswith(b"334 ")
        hang_up(sock, reader)
        assert running.wait_until(lambda: running.server.active_sessions(name) == 0)  # not after 20 s
    other, reader = dialogue(running.port, source="127.0.0.2")  # another address is served, not refused
    other.sendall(f"AUTH PLAIN {GOOD}\r\n".encode())
    assert reader.readline().startswith(b"235 ")
    other.close()
    if held == "login-exchange":  # every abandoned exchange is in the accounting log (0: failed)
        lines = running.config.acctlog_path.read_text().splitlines()
        assert sum(line.endswith("@0") for line in lines) == 5


# Each wrong guess spaces the address's answers further apart (10, 30, 70... s); the cap is far enough that
# every guess is held rather than refused, so each abandoned session would keep its slot for minutes.
_LONG_HOLDS = {"auth_penalty_base": 10.0, "auth_penalty_cap": 100_000.0, "auth_failure_delay": 0.0}


@pytest.mark.parametrize("leave", ["fin", "rst", "pipelined-fin"])
def test_guessers_that_hang_up_do_not_starve_a_good_client(run_server, make_config, leave):
    running = run_server(make_config(listener_values={**_LONG_HOLDS, "listener_sessions": 5}))
    name = running.config.listeners[0].name
    for _ in range(12):  # more than twice Listener_Sessions, all from 127.0.0.1
        sock, reader = dialogue(running.port)  # refused (421, not 220) if the earlier guessers kept their slots
        guess = f"AUTH PLAIN {BAD}\r\n"
        if leave == "pipelined-fin":  # what a client pipelined before its FIN is not answered either
            guess += "NOOP\r\nQUIT\r\n"
        sock.sendall(guess.encode())
        if leave == "rst":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        hang_up(sock, reader)
        assert running.wait_until(lambda: running.server.active_sessions(name) == 0)
    other, reader = dialogue(running.port, source="127.0.0.2")  # admitted at once, and served
    other.sendall(f"AUTH PLAIN {GOOD}\r\n".encode())
    assert reader.readline().startswith(b"235 ")
    hang_up(other, reader)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_sessions_of_clients_that_stopped_reading_close_their_sockets(run_server, make_config):
    running = run_server(make_config(listener_values={"idle_time": 0.5}))
    before = _open_fds()
    clients, floods = [], []
    for _ in range(3):
        sock, flood = silent_flood(running.port, b"EHLO c\r\n" * 50_000)
        clients.append(sock)
        floods.append(flood)
    assert running.wait_until(lambda: not running.server._sessions)  # ended after idle_time
    for flood in floods:
        flood.join(10)
    # Our 3 client sockets stay open (they never read); the server's 3 ends are closed.
    assert running.wait_until(lambda: _open_fds() <= before + 3), f"{_open_fds() - before - 3} left open"
    for sock in clients:
        sock.close()
