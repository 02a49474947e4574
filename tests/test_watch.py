"""`ecconf lint --watch` through the real entry point: it lints, waits, lints again when a file changes
(including a file it includes, or the file a fragment is checked as part of), and Ctrl-C ends it with exit 0."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

DEADLINE = 30.0  # seconds for each report: generous, it only has to come, not come fast


def _interruptible() -> None:
    """Ctrl-C as a terminal sends it: a test run started in the background (`cmd &`) ignores SIGINT, its
    children inherit that, and Python then installs no KeyboardInterrupt for it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _lines(stream: object, out: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        out.put(line)


def _until_summary(lines: queue.Queue[str], err: queue.Queue[str]) -> list[str]:
    got: list[str] = []
    while True:
        try:
            line = lines.get(timeout=DEADLINE)
        except queue.Empty:
            pytest.fail(f"no report within {DEADLINE} s; got {got}; stderr: {list(err.queue)}")
        got.append(line.rstrip("\n"))
        if " in " in line and ("error" in line and "warning" in line):
            return got


def _watch(tmp_path: Path, target: str) -> tuple[subprocess.Popen[str], queue.Queue[str], queue.Queue[str]]:
    """`ecconf lint --watch target` in tmp_path, over main.conf including part.conf; its output in queues."""
    (tmp_path / "part.conf").write_text('Hostname = "x"\n', encoding="utf-8")
    (tmp_path / "main.conf").write_text('include "part.conf"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    command = [sys.executable, "-m", "ecconf", "lint", "--isolated", "--watch", target]
    proc = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )
    out: queue.Queue[str] = queue.Queue()
    err: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, out), daemon=True).start()
    threading.Thread(target=_lines, args=(proc.stderr, err), daemon=True).start()
    return proc, out, err


def test_watch_lints_again_when_a_file_or_an_include_changes(tmp_path: Path) -> None:
    proc, out, err = _watch(tmp_path, "main.conf")
    try:
        assert _until_summary(out, err)[-1] == "0 errors, 0 warnings in 2 files"
        (tmp_path / "part.conf").write_text('Hostname = "x"\nFrobnicate = 1\n', encoding="utf-8")
        again = _until_summary(out, err)
        assert again[0].startswith("part.conf:2:1: error: ") and again[-1] == "1 error, 0 warnings in 2 files"
        (tmp_path / "main.conf").write_text("", encoding="utf-8")  # the include is gone: one file, clean
        assert _until_summary(out, err)[-1] == "0 errors, 0 warnings in 1 file"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=DEADLINE) == 0
        said = "".join(err.queue)
        assert "part.conf changed; checking again" in said and "Traceback" not in said
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_of_a_folder_sees_a_new_file_and_nothing_else(tmp_path: Path) -> None:
    proc, out, err = _watch(tmp_path, ".")
    try:
        assert _until_summary(out, err)[-1] == "0 errors, 0 warnings in 2 files"
        (tmp_path / "new.conf").write_text("Frobnicate = 1\n", encoding="utf-8")
        # The next report is the one the new file causes: ./part.conf (walked) and part.conf (included) are
        # one file, not a change seen over and over.
        assert _until_summary(out, err)[-1] == "1 error, 0 warnings in 3 files"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=DEADLINE) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_of_a_fragment_lints_again_when_the_file_that_includes_it_changes(tmp_path: Path) -> None:
    proc, out, err = _watch(tmp_path, "part.conf")  # linted as part of main.conf, which includes it
    try:
        assert _until_summary(out, err)[-1] == "0 errors, 0 warnings in 1 file"
        (tmp_path / "main.conf").write_text('ESMTP_Listener {\n  include "part.conf"\n}\n', encoding="utf-8")
        again = _until_summary(out, err)  # Hostname is now inside a scope where it has no place
        assert again[0].startswith("part.conf:1:1: error: ") and again[0].endswith("[E202]")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=DEADLINE) == 0
        said = "".join(err.queue)
        assert "checked part.conf as part of main.conf" in said and "main.conf changed; checking again" in said
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_refuses_standard_input() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "lint", "--isolated", "--watch", "-"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--watch needs files to watch" in done.stderr
