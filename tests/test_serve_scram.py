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
