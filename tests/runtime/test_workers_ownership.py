"""One owner per port: `ecconf serve` binds each listening socket once (the workers inherit it, never
SO_REUSEPORT), a second server on a taken address fails to start, and workers die with their supervisor."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from serving import dialogue, hang_up, serving, write_config

ASYNCIO = ("--loop", "asyncio")


def second_serve(folder: Path, listen: str, *args: str) -> subprocess.CompletedProcess[str]:
    folder.mkdir()
    config = write_config(folder, listens=(listen,))
    command = [sys.executable, "-m", "ecconf", "serve", str(config), *ASYNCIO, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("first", "second"), [(2, 2), (1, 2), (2, 1), (1, 1)])
def test_a_second_server_on_a_taken_port_fails_to_start(tmp_path: Path, first: int, second: int) -> None:
    with serving(write_config(tmp_path), "--workers", str(first), *ASYNCIO) as served:
        taken = f"127.0.0.1:{served.port}"
        done = second_serve(tmp_path / "other", taken, "--workers", str(second))
        assert done.returncode == 1
        assert f"ecconf: cannot listen on {taken}: address already in use (another ecconf serve?)" in done.stderr
        assert "Traceback" not in done.stderr
        for _ in range(8):  # every connection still reaches the first server (none went to the second)
            hang_up(*dialogue(served.port))
        assert served.stop() == 0


@pytest.mark.parametrize("second", [1, 2])
def test_a_live_unix_socket_is_not_taken_over(tmp_path: Path, second: int) -> None:
    path = str(tmp_path / "smtp.sock")
    with serving(write_config(tmp_path, listens=(path,)), "--workers", "2", *ASYNCIO) as served:
        done = second_serve(tmp_path / "other", path, "--workers", str(second))
        assert done.returncode == 1
        assert f"ecconf: cannot listen on {path}: address already in use" in done.stderr
        with socket.socket(socket.AF_UNIX) as client:  # the socket file is still the first server's
            client.settimeout(10)
            client.connect(path)
            assert client.makefile("rb").readline().startswith(b"220 ")
        assert served.stop() == 0


def test_a_stale_unix_socket_is_replaced(tmp_path: Path) -> None:
    path = str(tmp_path / "smtp.sock")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)  # a file left by a server that died: nobody listens on it
    stale.close()
    with serving(write_config(tmp_path, listens=(path,)), "--workers", "2", *ASYNCIO) as served:
        assert served.stop() == 0


def children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(word) for word in text.split()}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited (its new parent reaps it when it gets to it)


def wait_until_gone(pids: set[int], deadline: float = 15.0) -> set[int]:
    """The pids still alive once all are gone or the deadline has passed (polled, bounded)."""
    end = time.monotonic() + deadline
    while (left := {pid for pid in pids if alive(pid)}) and time.monotonic() < end:
        time.sleep(0.05)
    return left


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the workers")
def test_workers_die_with_their_supervisor(tmp_path: Path) -> None:
    with serving(write_config(tmp_path), "--workers", "2", *ASYNCIO) as served:
        workers = children(served.proc.pid)
        assert len(workers) == 2
        port = served.port
        served.proc.send_signal(signal.SIGKILL)
        served.proc.wait(timeout=10)
        assert wait_until_gone(workers) == set()
        with pytest.raises(OSError):  # nobody holds the port any more
            socket.create_connection(("127.0.0.1", port), timeout=2)


SERVE_WITH_PARENT_PIPE = """
import sys
from ecconf.serve_options import ServeOptions
from ecconf.serving import compile_config, serve_in_process
options = ServeOptions(config=sys.argv[1], loop="asyncio")
config, _report = compile_config(options)
sys.exit(serve_in_process(config, options, parent=int(sys.argv[2])))
"""


def test_a_worker_stops_when_the_parent_pipe_closes(tmp_path: Path) -> None:
    """The fallback where PR_SET_PDEATHSIG is missing: the end of a pipe only the supervisor holds."""
    read_end, write_end = os.pipe()
    config = write_config(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE_WITH_PARENT_PIPE, str(config), str(read_end)],
        pass_fds=(read_end,),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        os.close(read_end)
        assert proc.stderr is not None
        for line in proc.stderr:
            if re.search(r"ecconf: listening on", line):
                break
        else:
            pytest.fail("server did not start")
        os.close(write_end)  # the supervisor is gone
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_a_reload_that_adds_a_listen_hands_it_to_the_workers(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    with serving(config, "--workers", "2", *ASYNCIO) as served:
        path = str(tmp_path / "added.sock")
        text = config.read_text().replace('  Listen "127.0.0.1:0"', f'  Listen "{path}" {{ }}\n  Listen "127.0.0.1:0"')
        config.write_text(text)
        served.proc.send_signal(signal.SIGHUP)
        served.wait_for(re.compile(r"ecconf\.serve: reloaded .*\(2 workers\)"))  # the supervisor, once
        assert not any("refused" in line for line in served.seen)
        for _ in range(6):
            with socket.socket(socket.AF_UNIX) as client:
                client.settimeout(10)
                client.connect(path)
                assert client.makefile("rb").readline().startswith(b"220 ")
        hang_up(*dialogue(served.port))  # the port-0 Listen kept its port
        assert served.stop() == 0


def test_a_reload_says_what_changed_once(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    with serving(config, "--workers", "2", *ASYNCIO) as served:
        path = str(tmp_path / "added.sock")
        text = config.read_text().replace('Hostname = "mx.test"', 'Hostname = "mx2.test"')
        config.write_text(text.replace('  Listen "127.0.0.1:0"', f'  Listen "{path}" {{ }}\n  Listen "127.0.0.1:0"'))
        served.proc.send_signal(signal.SIGHUP)
        line = served.wait_for(re.compile(r"ecconf\.serve: reloaded"))
        # The old Listen changed too: its SASL realm is the Hostname.
        said = f"(2 workers): Listen added: {path}; Listen changed: 127.0.0.1:0; hostname mx.test -> mx2.test"
        assert line.string.rstrip().endswith(said)
        assert served.stop() == 0
        assert served.proc.stderr is not None
        rest = served.proc.stderr.read()
    assert "reloaded" not in rest  # not once more per worker
    assert sum(f"ecconf: listening on {path}" in line for line in served.seen) == 1
