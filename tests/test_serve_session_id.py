"""Every log line of a session carries its id ("[<pid>.<n>]"), distinct per session and per worker, so
one grep gives one session's story."""

from __future__ import annotations

import base64
import re
import smtplib
from pathlib import Path

from serving import dialogue, hang_up, serving, write_config

SID = re.compile(r"ecconf\.runtime\.server: \[([0-9a-f]+\.[0-9a-f]+)\] ")


def test_each_line_of_a_session_names_it(tmp_path: Path) -> None:
    args = ("--workers", "2", "--loop", "asyncio", "--log-level", "DEBUG")
    with serving(write_config(tmp_path), *args) as served:
        for source in ("127.0.0.2", "127.0.0.3"):
            sock, reader = dialogue(served.port, source)
            sock.sendall(b"AUTH PLAIN " + base64.b64encode(b"\0carol\0wrong") + b"\r\n")
            assert reader.readline().startswith(b"535 ")
            hang_up(sock, reader)
        with smtplib.SMTP("127.0.0.1", served.port, timeout=10) as client:
            client.login("carol", "s3cret-pass")
            client.sendmail("carol@mx.test", ["d@example.org"], b"Subject: s\r\n\r\nx\r\n")
        served.wait_for(re.compile(r"stored as"))
        assert served.stop() == 0
        assert served.proc.stderr is not None
        lines = served.seen + served.proc.stderr.readlines()
    session_lines = [line for line in lines if "ecconf.runtime.server:" in line and "listening on" not in line]
    assert session_lines and all(SID.search(line) for line in session_lines)  # not one line without its id
    ids: dict[str, list[str]] = {}
    for line in session_lines:
        ids.setdefault(SID.search(line).group(1), []).append(line)  # type: ignore[union-attr]
    by_source = {
        source: {sid for sid, said in ids.items() if any(f"from {source}:" in x for x in said)}
        for source in ("127.0.0.2", "127.0.0.3")
    }
    assert all(len(found) == 1 for found in by_source.values())
    assert by_source["127.0.0.2"] != by_source["127.0.0.3"]
    [stored] = [sid for sid, said in ids.items() if any("stored as" in x for x in said)]
    said = ids[stored]
    assert any("connection from 127.0.0.1:" in x for x in said) and any("AUTH PLAIN user='carol'" in x for x in said)
