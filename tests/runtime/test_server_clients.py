"""Real SMTP clients (curl, swaks) against the loopback server: all four mechanisms, good and bad passwords."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess

import pytest

from ecconf.runtime.config import MechanismSpec

pytestmark = pytest.mark.clients

MECHANISMS = ["PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5"]
BODY = b"From: alice@b.example\r\nTo: x@y.example\r\nSubject: client test\r\n\r\nHello from a client.\r\n"


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed")
    return path


def curl(running, tmp_path, mechanism: str, user: str, password: str) -> subprocess.CompletedProcess[bytes]:
    message = tmp_path / "message.eml"
    message.write_bytes(BODY)
    command = [
        need("curl"), "--silent", "--show-error", "--max-time", "20",
        f"smtp://127.0.0.1:{running.port}/client.example",
        "--mail-from", "alice@b.example", "--mail-rcpt", "x@y.example",
        "--upload-file", str(message), "--user", f"{user}:{password}",
        "--login-options", f"AUTH={mechanism}",
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, timeout=30, check=False)


def swaks(running, mechanism: str, user: str, password: str) -> subprocess.CompletedProcess[bytes]:
    command = [
        need("swaks"), "--server", f"127.0.0.1:{running.port}", "--helo", "client.example",
        "--from", "alice@b.example", "--to", "x@y.example", "--timeout", "20",
        "--auth", mechanism, "--auth-user", user, "--auth-password", password,
        "--header", "Subject: client test", "--body", "Hello from a client.",
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, timeout=30, check=False)


def digest_store_config(make_config, tmp_path):
    """DIGEST-MD5 against an htdigest file (stored H(user:realm:password), the Momentum default)."""
    ha1 = hashlib.md5(b"alice:mx.test:s3cret").hexdigest()
    (tmp_path / "htdigest").write_text(f"alice:mx.test:{ha1}\n")
    spec = MechanismSpec("DIGEST-MD5", "digest:htdigest", log_authentication=True)
    config = make_config(mechanisms=("DIGEST-MD5",), listener_values={"auth": {"DIGEST-MD5": spec}})
    return dataclasses.replace(config)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_curl_authenticates_and_sends(run_server, make_config, tmp_path, mechanism):
    running = run_server(make_config())
    result = curl(running, tmp_path, mechanism, "alice", "s3cret")
    assert result.returncode == 0, result.stderr
    [stored] = running.maildir_messages()
    assert stored.startswith(f"Authentication-Results: mx.test; auth=pass ({mechanism}) smtp.auth=alice\n")
    assert stored.endswith("Subject: client test\n\nHello from a client.\n")


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_curl_wrong_password(run_server, make_config, tmp_path, mechanism):
    running = run_server(make_config())
    result = curl(running, tmp_path, mechanism, "alice", "wrong")
    assert result.returncode == 67, result.stderr  # CURLE_LOGIN_DENIED
    assert running.maildir_messages() == []
    assert running.config.acctlog_path.read_text().endswith("@alice@0\n")


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_swaks_authenticates_and_sends(run_server, make_config, mechanism):
    running = run_server(make_config())
    result = swaks(running, mechanism, "bob@example.org", "hunter2")
    assert result.returncode == 0, result.stdout.decode()[-2000:]
    assert "235 2.7.0 Authentication successful" in result.stdout.decode()
    [stored] = running.maildir_messages()
    assert f"auth=pass ({mechanism}) smtp.auth=bob@example.org\n" in stored


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_swaks_unknown_user(run_server, make_config, mechanism):
    running = run_server(make_config())
    result = swaks(running, mechanism, "mallory", "s3cret")
    assert result.returncode != 0
    assert "535 5.7.8 Authentication credentials invalid" in result.stdout.decode()


def test_curl_and_swaks_digest_md5_against_htdigest(run_server, make_config, tmp_path):
    running = run_server(digest_store_config(make_config, tmp_path))
    assert curl(running, tmp_path, "DIGEST-MD5", "alice", "s3cret").returncode == 0
    assert swaks(running, "DIGEST-MD5", "alice", "s3cret").returncode == 0
    assert curl(running, tmp_path, "DIGEST-MD5", "alice", "wrong").returncode == 67
    assert len(running.maildir_messages()) == 2
