"""SCRAM-SHA-256 (RFC 7677, an ecconf extension) end to end, with GNU gsasl as the real client."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import Served, serving, write_config

pytestmark = pytest.mark.skipif(shutil.which("gsasl") is None, reason="gsasl is not installed")


@pytest.fixture
def scram_server(tmp_path: Path) -> Iterator[Served]:
    config = write_config(tmp_path, mechanisms=("SCRAM-SHA-256",), users="carol:pencil-42\n")
    with serving(config) as running:
        yield running


def gsasl(server: Served, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "gsasl",
            "--connect",
            f"{server.host}:{server.port}",
            "--smtp",
            "--mechanism",
            "SCRAM-SHA-256",
            "-a",
            "carol",
            "-p",
            password,
            "--no-starttls",
            "--quiet",
            "-d",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


def test_gsasl_authenticates_with_scram_sha_256(scram_server: Served) -> None:
    done = gsasl(scram_server, "pencil-42")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "235 2.7.0" in done.stdout


def test_gsasl_with_a_wrong_password_is_refused(scram_server: Served) -> None:
    done = gsasl(scram_server, "not-the-password")
    assert done.returncode != 0
    assert "235" not in done.stdout


def test_gsasl_authenticates_against_stored_scram_keys(tmp_path: Path) -> None:
    """No password on the server's disk: `{SCRAM-SHA-256}` keys as `ecconf passwd --scheme` writes them, and
    RFC 5803's form, serve SCRAM-SHA-256 to a real client, and PLAIN from the same line."""
    from ecconf.runtime.password_hashes import make_scram, resolve, scram_keys

    dovecot = make_scram("pencil-42")
    keys = scram_keys(resolve(dovecot))
    assert keys is not None
    import base64

    b64 = [base64.b64encode(x).decode() for x in (keys.salt, keys.stored_key, keys.server_key)]
    rfc5803 = f"SCRAM-SHA-256${keys.iterations}:{b64[0]}${b64[1]}:{b64[2]}"
    for line in (dovecot, rfc5803):
        folder = tmp_path / str(len(line))
        folder.mkdir()
        config = write_config(folder, mechanisms=("SCRAM-SHA-256", "PLAIN"), users=f"carol:{line}\n")
        assert "pencil-42" not in (folder / "passwd").read_text()
        with serving(config) as running:
            good = gsasl(running, "pencil-42")
            assert good.returncode == 0 and "235 2.7.0" in good.stdout, good.stdout + good.stderr
            assert "235" not in gsasl(running, "not-the-password").stdout
