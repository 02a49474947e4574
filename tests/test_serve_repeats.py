"""A standing problem is logged once, not at every retry: a password file that goes missing is said once
(not every --refresh-interval), the recovery is said, and a new problem is said again."""

from __future__ import annotations

import re
import signal
from pathlib import Path

from serving import Served, serving, write_config

MISSING = re.compile(r"credential store \S+: .*No such file")
RELOADED = re.compile(r"ecconf\.serve: reloaded")
STORE_BACK = re.compile(r"credential store \S+ reloaded")


def reload_and_wait(served: Served) -> None:
    served.proc.send_signal(signal.SIGHUP)  # a reload also re-reads the password files, before it logs
    served.wait_for(RELOADED)


def test_a_missing_password_file_is_logged_once_not_at_every_retry(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    passwd = tmp_path / "passwd"
    with serving(config, "--loop", "asyncio", "--no-file-checks") as served:
        kept = passwd.read_text()
        passwd.unlink()
        reload_and_wait(served)
        start = len(served.seen)
        for _ in range(5):  # five more looks at the missing file (each would have logged it again)
            reload_and_wait(served)
        assert [line for line in served.seen if MISSING.search(line)] != []
        assert sum(bool(MISSING.search(line)) for line in served.seen) == 1
        assert not any(MISSING.search(line) for line in served.seen[start:])
        passwd.write_text(kept)
        passwd.chmod(0o600)
        reload_and_wait(served)
        assert any(STORE_BACK.search(line) for line in served.seen)
        passwd.unlink()  # a new episode is news again
        reload_and_wait(served)
        assert sum(bool(MISSING.search(line)) for line in served.seen) == 2
        assert served.stop() == 0
