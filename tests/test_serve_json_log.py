"""`ecconf serve --log-format json`: every log record is one JSON object per line, with fixed keys."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from serving import dialogue, hang_up, serving, write_config


@pytest.mark.parametrize("workers", ["1", "2"])
def test_json_log_lines(tmp_path: Path, workers: str) -> None:
    args = ("--log-format", "json", "--workers", workers, "--loop", "asyncio")
    with serving(write_config(tmp_path), *args) as served:
        sock, reader = dialogue(served.port, "127.0.0.2")
        sock.sendall(b"AUTH PLAIN " + base64.b64encode(b"\0carol\0wrong-pass") + b"\r\n")
        assert reader.readline().startswith(b"535 ")
        hang_up(sock, reader)
        line = served.wait_for(re.compile(r"AUTH PLAIN"))
        assert served.stop() == 0
    record = json.loads(line.string)
    assert set(record) == {"time", "level", "pid", "logger", "message"}
    assert record["level"] == "INFO" and isinstance(record["pid"], int)
    assert record["message"].endswith("from 127.0.0.2: failure (wrong password)")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"])
    records = [s for s in served.seen if not s.startswith("ecconf: ")]  # the announcements stay plain text
    assert records and all(isinstance(json.loads(s), dict) for s in records)
