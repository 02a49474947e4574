"""`ecconf serve` as an operator runs it: a real process, real sockets, real clients, real signals."""

from __future__ import annotations

import re
import shutil
import signal
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

READY = re.compile(r"listening on (\S+):(\d+) ")


def write_config(folder: Path, listen: str = "127.0.0.1:0", extra: str = "") -> Path:
    (folder / "passwd").write_text("carol:s3cret-pass\n")
    (folder / "passwd").chmod(0o600)
    config = folder / "server.conf"
    config.write_text(
        f"""
        Hostname = "mx.test"
        Spool_Base = "{folder / "spool"}"
        ESMTP_Listener {{
          SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH PLAIN LOGIN CRAM-MD5" )
          AuthPlainParameters = [ uri = "file:passwd" ]
          AuthLoginParameters = [ uri = "file:passwd" ]
          AuthCramMD5Parameters = [ uri = "file:passwd" ]
          Listen "{listen}" {{ {extra} }}
        }}
        """
    )
    return config


class Running:
    def __init__(self, proc: subprocess.Popen[str], host: str, port: int) -> None:
        self.proc, self.host, self.port = proc, host, port


def start(config: Path, *args: str) -> Iterator[Running]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecconf", "serve", str(config), *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # the ready line is the synchronisation point, no sleeps
        seen.append(line)
        match = READY.search(line)
        if match:
            break
    else:
        proc.wait(timeout=10)
        pytest.fail("server did not start:\n" + "".join(seen))
    try:
        yield Running(proc, match.group(1), int(match.group(2)))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Running]:
    yield from start(write_config(tmp_path))


def test_serve_accepts_authenticated_mail_and_stops_cleanly_on_sigterm(server: Running, tmp_path: Path) -> None:
    with smtplib.SMTP(server.host, server.port, timeout=10) as client:
        client.login("carol", "s3cret-pass")
        client.sendmail("carol@mx.test", ["dave@example.org"], b"Subject: t\r\n\r\nbody\r\n")
    [message] = list((tmp_path / "spool" / "new").iterdir())
    text = message.read_text()
    assert text.startswith("Authentication-Results: mx.test; auth=pass (")
    assert "smtp.auth=carol" in text and "body" in text
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=15) == 0


def test_wrong_password_is_refused_by_the_served_config(server: Running) -> None:
    client = smtplib.SMTP(server.host, server.port, timeout=10)
    client.ehlo()
    client.user, client.password = "carol", "wrong"
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        client.auth("CRAM-MD5", client.auth_cram_md5)
    assert refused.value.smtp_code == 535
    client.quit()


def test_sigint_stops_too(server: Running) -> None:
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(timeout=15) == 0


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
def test_swaks_cram_md5_against_the_served_config(server: Running) -> None:
    done = subprocess.run(
        [
            "swaks",
            "--server",
            f"{server.host}:{server.port}",
            "-a",
            "CRAM-MD5",
            "-au",
            "carol",
            "-ap",
            "s3cret-pass",
            "--to",
            "x@example.org",
            "--from",
            "carol@mx.test",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
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


def test_a_port_in_use_is_a_clear_error(tmp_path: Path, server: Running) -> None:
    other = tmp_path / "other"
    other.mkdir()
    config = write_config(other, listen=f"127.0.0.1:{server.port}")
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "serve", str(config)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 1
    assert "cannot start the server" in done.stderr and "Traceback" not in done.stderr
