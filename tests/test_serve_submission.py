"""Submission hygiene through a real server (RFC 6409 §8): a message submitted after AUTH without Date or
Message-ID is stored with both; one that has them is stored as written."""

from __future__ import annotations

import smtplib
from pathlib import Path

from serving import serving, write_config


def submit(port: int, message: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.login("carol", "s3cret-pass")
        client.sendmail("carol@mx.test", ["dave@example.org"], message)


def test_date_and_message_id_are_added_only_when_missing(tmp_path: Path) -> None:
    with serving(write_config(tmp_path), "--loop", "asyncio") as served:
        submit(served.port, b"Subject: bare\r\n\r\nbody\r\n")
        submit(
            served.port, b"Subject: dressed\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <m@x>\r\n\r\nb\r\n"
        )
        assert served.stop() == 0
    stored = {
        p.read_bytes().split(b"Subject: ")[1].split(b"\n")[0]: p.read_bytes()
        for p in (tmp_path / "spool" / "new").iterdir()
    }
    bare, dressed = stored[b"bare"], stored[b"dressed"]
    header = bare.split(b"\n\n")[0]
    assert header.count(b"\nDate: ") == 1 and header.count(b"\nMessage-ID: <") == 1
    assert b"@mx.test>\n" in header
    assert dressed.count(b"Date: ") == 1 and dressed.count(b"Message-ID: ") == 1
    assert b"Message-ID: <m@x>" in dressed
