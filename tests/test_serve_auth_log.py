"""What `ecconf serve` logs about a failed AUTH: why it failed (unknown user, wrong secret, cancelled,
malformed, temporary), who the client claimed to be (or "(none)"), and never the secret."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from serving import dialogue, hang_up, serving, write_config

SECRET = "s3cret-pass"


def plain(user: str, password: str) -> bytes:
    return base64.b64encode(f"\0{user}\0{password}".encode())


def auth(port: int, source: str, *lines: bytes) -> bytes:
    """One session from `source` (each its own address: no penalty carried over): the lines, the last reply."""
    sock, reader = dialogue(port, source)
    reply = b""
    for line in lines:
        sock.sendall(line + b"\r\n")
        reply = reader.readline()
    hang_up(sock, reader)
    return reply


def test_a_failed_auth_is_logged_with_its_reason_and_never_the_secret(tmp_path: Path) -> None:
    with serving(write_config(tmp_path, mechanisms=("PLAIN", "LOGIN")), "--loop", "asyncio") as served:
        port = served.port
        assert auth(port, "127.0.0.2", b"AUTH PLAIN " + plain("carol", "Wrong-" + SECRET)).startswith(b"535 ")
        line = served.wait_for(re.compile(r"AUTH PLAIN .* from 127\.0\.0\.2: failure"))
        assert line.string.rstrip().endswith("user='carol' from 127.0.0.2: failure (wrong password)")
        assert auth(port, "127.0.0.3", b"AUTH PLAIN " + plain("mallory", SECRET)).startswith(b"535 ")
        line = served.wait_for(re.compile(r"from 127\.0\.0\.3: failure"))
        assert "user='mallory'" in line.string and line.string.rstrip().endswith("failure (unknown user)")
        assert auth(port, "127.0.0.4", b"AUTH PLAIN", b"*").startswith(b"501 ")
        line = served.wait_for(re.compile(r"from 127\.0\.0\.4: failure"))
        assert "user=(none)" in line.string and line.string.rstrip().endswith("failure (cancelled)")
        assert auth(port, "127.0.0.5", b"AUTH PLAIN !!!!").startswith(b"501 ")
        line = served.wait_for(re.compile(r"from 127\.0\.0\.5: failure"))
        assert line.string.rstrip().endswith("failure (malformed: not base64)")
        assert auth(port, "127.0.0.6", b"AUTH PLAIN " + base64.b64encode(b"no-separators")).startswith(b"501 ")
        line = served.wait_for(re.compile(r"from 127\.0\.0\.6: failure"))
        assert "failure (malformed: PLAIN message must have exactly two NUL separators)" in line.string
        assert auth(port, "127.0.0.7", b"AUTH LOGIN", base64.b64encode(b"carol"), b"*").startswith(b"501 ")
        line = served.wait_for(re.compile(r"from 127\.0\.0\.7: failure"))
        assert line.string.rstrip().endswith("failure (cancelled)")
        assert served.stop() == 0
        logged = "".join(served.seen) + (served.proc.stderr.read() if served.proc.stderr else "")
    assert SECRET not in logged and plain("carol", "Wrong-" + SECRET).decode() not in logged
