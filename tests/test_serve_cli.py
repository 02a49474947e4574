"""`ecconf serve` as an operator runs it: a real process, real sockets, real clients, real signals."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serving
from serving import Served, swaks_plain_auth

MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")


def write_config(folder: Path, listen: str = "127.0.0.1:0", extra: str = "") -> Path:
    return serving.write_config(folder, mechanisms=MECHANISMS, listens=(listen,), listen_options=extra)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    with serving.serving(write_config(tmp_path)) as running:
        yield running


def test_serve_accepts_authenticated_mail_and_stops_cleanly_on_sigterm(server: Served, tmp_path: Path) -> None:
    with smtplib.SMTP(server.host, server.port, timeout=10) as client:
        client.login("carol", "s3cret-pass")
        client.sendmail("carol@mx.test", ["dave@example.org"], b"Subject: t\r\n\r\nbody\r\n")
    [message] = list((tmp_path / "spool" / "new").iterdir())
    text = message.read_text()
    assert text.startswith("Authentication-Results: mx.test; auth=pass (")
    assert "smtp.auth=carol" in text and "body" in text
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=15) == 0


def test_wrong_password_is_refused_by_the_served_config(server: Served) -> None:
    client = smtplib.SMTP(server.host, server.port, timeout=10)
    client.ehlo()
    client.user, client.password = "carol", "wrong"
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        client.auth("CRAM-MD5", client.auth_cram_md5)
    assert refused.value.smtp_code == 535
    client.quit()


def test_sigint_stops_too(server: Served) -> None:
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(timeout=15) == 0


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
def test_swaks_cram_md5_against_the_served_config(server: Served) -> None:
    done = swaks_plain_auth(server.port, "CRAM-MD5", timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "235 2.7.0" in done.stdout


def test_a_config_with_errors_does_not_start_and_says_why(tmp_path: Path) -> None:
    config = tmp_path / "broken.conf"
    config.write_text('ESMTP_Listener { SMTP_Extensions = ( "AUTH PLAIN" ) Listen "127.0.0.1:0" {} }\n')
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "serve", str(config)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 1
    assert f"{config}:1:" in done.stderr and "[A401]" in done.stderr
    assert "not starting" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_config_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "serve", str(tmp_path / "nope.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "cannot read" in done.stderr


def test_a_port_in_use_is_a_clear_error(tmp_path: Path, server: Served) -> None:
    other = tmp_path / "other"
    other.mkdir()
    config = write_config(other, listen=f"127.0.0.1:{server.port}")
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "serve", str(config)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{server.port}: address already in use" in done.stderr
    assert "Traceback" not in done.stderr


# ----- faults and signals: SIGHUP reload, SIGTERM drain, SIGKILL mid-DATA ------------------------------------


class Watched:
    """A serve process whose stderr is read line by line in a thread (so the pipe never fills up)."""

    def __init__(self, config: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ecconf", "serve", str(config), "--log-level", "INFO", *args],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # a group of its own: SIGKILL can take the server and its workers at once
        )
        self.lines: list[str] = []
        self._seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            match = serving.READY.search(self.wait_for("ecconf: listening on "))
            assert match
        except BaseException:
            self.stop()  # never leave a server behind
            raise
        host, _, port = match.group(1).rpartition(":")
        self.host, self.port = host, int(port)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self.lines.append("<eof>")
            self._seen.notify_all()

    def wait_for(self, text: str, start: int = 0, timeout: float = 20.0) -> str:
        """The first stderr line from index `start` on that contains `text`."""
        with self._seen:
            for _ in range(2):
                for line in self.lines[start:]:
                    if text in line:
                        return line
                    if line == "<eof>":
                        break
                self._seen.wait_for(lambda: any(text in s or s == "<eof>" for s in self.lines[start:]), timeout)
        pytest.fail(f"no {text!r} on stderr:\n" + "".join(self.lines))

    def mark(self) -> int:
        with self._seen:
            return len(self.lines)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[Callable[..., Watched]]:
    started: list[Watched] = []

    def start_one(config: Path, *args: str) -> Watched:
        started.append(Watched(config, *args))
        return started[-1]

    yield start_one
    for one in started:
        one.stop()


class Line:
    """A raw SMTP client: one command, one (last) reply line."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=10)
        self.reader = self.sock.makefile("rb")
        self.banner = self.reader.readline()

    def say(self, text: str) -> bytes:
        self.sock.sendall(text.encode() + b"\r\n")
        while True:
            reply = self.reader.readline()
            if reply[3:4] != b"-":
                return reply

    def start_message(self, user: str = "carol", password: str = "s3cret-pass") -> None:
        self.say("EHLO c")
        assert self.say("AUTH PLAIN " + base64.b64encode(f"\0{user}\0{password}".encode()).decode())[:3] == b"235"
        assert self.say("MAIL FROM:<carol@mx.test>")[:3] == b"250"
        assert self.say("RCPT TO:<dave@example.org>")[:3] == b"250"
        assert self.say("DATA")[:3] == b"354"
        self.sock.sendall(b"Subject: in flight\r\n\r\n" + b"part of the body\r\n" * 100)

    def close(self) -> None:
        self.reader.close()  # the file object holds the socket open too
        self.sock.close()


def test_sighup_reloads_a_good_config_and_refuses_a_broken_one(tmp_path: Path, watched) -> None:
    config = write_config(tmp_path)
    server = watched(config)
    in_flight = Line(server.host, server.port)
    assert in_flight.banner == b"220 mx.test ESMTP ready\r\n"
    in_flight.start_message()

    good_text = config.read_text()
    config.write_text(good_text.replace('Listen "127.0.0.1:0" {', 'Listen "127.0.0.1:0" { Idle_Time = "soon"'))
    mark = server.mark()
    server.proc.send_signal(signal.SIGHUP)
    refused = server.wait_for("reload refused", mark)
    assert "still serving the previous config" in refused
    assert f"{config}:" in "".join(server.lines[mark:])  # the diagnostics, with file:line:col, are in the log
    assert Line(server.host, server.port).banner == b"220 mx.test ESMTP ready\r\n"

    sock_path = tmp_path / "extra.sock"
    (tmp_path / "passwd").write_text("carol:rotated-pass\n")
    config.write_text(
        good_text.replace('Listen "127.0.0.1:0" {', f'Listen "{sock_path}" {{ }} Listen "127.0.0.1:0" {{').replace(
            'Hostname = "mx.test"', 'Hostname = "mx2.test"'
        )
    )
    mark = server.mark()
    server.proc.send_signal(signal.SIGHUP)
    server.wait_for("reloaded", mark)
    assert f"listening on {sock_path}" in "".join(server.lines[mark:])
    fresh = Line(server.host, server.port)  # the same port, the new config
    assert fresh.banner == b"220 mx2.test ESMTP ready\r\n"
    fresh.start_message(password="rotated-pass")
    fresh.close()
    with socket.socket(socket.AF_UNIX) as unix:
        unix.settimeout(10)
        unix.connect(str(sock_path))
        assert unix.makefile("rb").readline() == b"220 mx2.test ESMTP ready\r\n"

    in_flight.sock.sendall(b".\r\n")  # the old session finishes under the config it started with
    assert in_flight.reader.readline().startswith(b"250 2.0.0 Message accepted")
    assert in_flight.say("QUIT").startswith(b"221 2.0.0 mx.test")
    [stored] = list((tmp_path / "spool" / "new").iterdir())
    assert "by mx.test with ESMTPA" in stored.read_text()

    config.write_text(good_text)
    mark = server.mark()
    server.proc.send_signal(signal.SIGHUP)
    assert f"stopped listening (Listen '{sock_path}')" in server.wait_for("ecconf: stopped listening", mark)
    assert not sock_path.exists()
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=15) == 0


def test_sigterm_drains_a_session_in_flight_then_exits(tmp_path: Path, watched) -> None:
    server = watched(write_config(tmp_path), "--drain", "10")
    busy = Line(server.host, server.port)
    busy.start_message()
    idle = Line(server.host, server.port)
    mark = server.mark()
    server.proc.send_signal(signal.SIGTERM)
    server.wait_for("stopping: waiting up to 10 s", mark)
    assert idle.reader.readline() == b"421 4.3.2 mx.test Service shutting down, closing connection\r\n"
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=5)  # no longer accepting
    busy.sock.sendall(b".\r\n")
    assert busy.reader.readline().startswith(b"250 2.0.0 Message accepted")
    assert busy.reader.readline().startswith(b"421 4.3.2")
    assert server.proc.wait(timeout=15) == 0
    assert len(list((tmp_path / "spool" / "new").iterdir())) == 1


def test_sigkill_in_the_middle_of_data_leaves_no_partial_message(tmp_path: Path, watched) -> None:
    server = watched(write_config(tmp_path))
    done = Line(server.host, server.port)
    done.start_message()
    done.sock.sendall(b".\r\n")
    assert done.reader.readline().startswith(b"250 2.0.0")
    cut = Line(server.host, server.port)
    cut.start_message()
    cut.sock.sendall(b"x" * 200_000)  # well into the transfer, no end in sight
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)
    spool = tmp_path / "spool"
    assert len(list((spool / "new").iterdir())) == 1  # only the complete message
    assert list((spool / "tmp").iterdir()) == []


@pytest.mark.parametrize("workers", [(), ("--workers", "2")], ids=["one-process", "two-workers"])
def test_a_message_acknowledged_just_before_sigkill_is_in_new_complete(
    tmp_path: Path, watched, workers: tuple[str, ...]
) -> None:
    server = watched(write_config(tmp_path), *workers)
    line = Line(server.host, server.port)
    line.start_message()
    line.sock.sendall(b"the last line\r\n.\r\n")
    assert line.reader.readline().startswith(b"250 2.0.0")
    os.killpg(server.proc.pid, signal.SIGKILL)  # the instant the 250 is in: the server and every worker
    server.proc.wait(timeout=10)
    spool = tmp_path / "spool"
    [message] = (spool / "new").iterdir()
    body = message.read_bytes().replace(b"\r\n", b"\n").partition(b"\n\n")[2]
    assert body == b"part of the body\n" * 100 + b"the last line\n"
    record = json.loads((spool / "envelope" / (message.name + ".json")).read_text())
    assert record["message"] == message.name
    assert list((spool / "tmp").iterdir()) == []


def test_serve_takes_the_json_form_of_a_config(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    converted = subprocess.run(
        [sys.executable, "-m", "ecconf", "json", str(config)], capture_output=True, text=True, timeout=30
    )
    assert converted.returncode == 0, converted.stderr
    as_json = tmp_path / "server.json"  # beside the password file: relative file: URIs resolve from here
    as_json.write_text(converted.stdout)
    with serving.serving(as_json) as running:
        with smtplib.SMTP(running.host, running.port, timeout=10) as client:
            client.login("carol", "s3cret-pass")
            client.sendmail("carol@mx.test", ["dave@example.org"], b"Subject: json\r\n\r\nvia json\r\n")
        assert len(list((tmp_path / "spool" / "new").iterdir())) == 1
