"""Auth_Sender_Match (an ecconf extension, off by default): after AUTH, MAIL FROM must be the user's own
address, else 553 5.7.1 (RFC 6409 §6.1). Through a real server; the rule's cases in the sans-IO check."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from serving import dialogue, hang_up, serving, write_config

from ecconf.runtime.authgate import sender_refusal
from ecconf.runtime.config import SessionPolicy
from ecconf.runtime.events import AuthStatus, ValidationContext

REFUSED = b"553 5.7.1 Sender address not owned by the authenticated user\r\n"


def mail_from_after_auth(port: int, sender: str) -> bytes:
    sock, reader = dialogue(port)
    sock.sendall(b"AUTH PLAIN " + base64.b64encode(b"\0carol\0s3cret-pass") + b"\r\n")
    assert reader.readline().startswith(b"235 ")
    sock.sendall(f"MAIL FROM:<{sender}>\r\n".encode())
    reply = reader.readline()
    hang_up(sock, reader)
    return reply


def test_an_authenticated_client_sends_only_as_itself(tmp_path: Path) -> None:
    with serving(write_config(tmp_path, listener="Auth_Sender_Match = true"), "--loop", "asyncio") as served:
        assert mail_from_after_auth(served.port, "carol@mx.test").startswith(b"250 ")
        assert mail_from_after_auth(served.port, "Carol@Example.ORG").startswith(b"250 ")  # a bare user name
        assert mail_from_after_auth(served.port, "mallory@mx.test") == REFUSED
        assert mail_from_after_auth(served.port, "") == REFUSED
        assert served.stop() == 0


def test_off_by_default(tmp_path: Path) -> None:
    with serving(write_config(tmp_path), "--loop", "asyncio") as served:
        assert mail_from_after_auth(served.port, "mallory@mx.test").startswith(b"250 ")
        assert served.stop() == 0


@pytest.mark.parametrize(
    ("user", "sender", "owned"),
    [
        ("carol@mx.test", "carol@mx.test", True),
        ("carol@mx.test", "CAROL@MX.TEST", True),
        ("carol@mx.test", "carol@other.test", False),
        ("carol", "carol@any.test", True),
        ("carol", "carole@any.test", False),
        ("carol", "carol", False),  # no domain: not an address of hers
    ],
)
def test_who_owns_a_sender(user: str, sender: str, owned: bool) -> None:
    policy = SessionPolicy(auth_sender_match=True)
    context = ValidationContext("PLAIN", AuthStatus.PASS, user, True)
    assert (sender_refusal(policy, context, sender) is None) is owned
    assert sender_refusal(policy, ValidationContext(), "x@y.test") is None  # not authenticated: relay rules


def test_lint_notes_it_as_an_ecconf_extension(tmp_path: Path) -> None:
    import subprocess
    import sys

    config = write_config(tmp_path, listener="Auth_Sender_Match = true")
    done = subprocess.run([sys.executable, "-m", "ecconf", "lint", str(config)], capture_output=True, text=True)
    assert "Auth_Sender_Match is an ecconf extension" in done.stdout + done.stderr and "[E206]" in done.stdout
