"""A password file's lines are never quoted: lint (every format), json, text and serve, and the stores' own
errors on a reload, name the file and line and say what is wrong, never what the line holds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hostile_cli import SUBPROCESS_TIMEOUT, Ecconf

from ecconf.compiler.render import FORMATS
from ecconf.runtime.password_file import StoreKind
from ecconf.runtime.stores import PasswordFileStore, StoreError

SECRET = "S3cr3tN0tForLogs"


def _malformed_stores(tmp_path: Path) -> Path:
    (tmp_path / "passwd").write_text(f"alice:wonderland\nbob{SECRET}\n", encoding="utf-8")
    (tmp_path / "htdigest").write_text(f"alice:realm:{SECRET}-clear-pw\n", encoding="utf-8")
    config = tmp_path / "main.conf"
    config.write_text(
        'Hostname = "mx.example.com"\nESMTP_Listener {\n'
        '  SMTP_Extensions = ( "AUTH CRAM-MD5 DIGEST-MD5" )\n'
        '  AuthCramMD5Parameters = [ uri = "file:passwd" ]\n'
        '  AuthDigestMD5Parameters = [ uri = "digest:htdigest" realm = "realm" ]\n'
        '  Listen "127.0.0.1:0" {}\n}\n',
        encoding="utf-8",
    )
    (tmp_path / "passwd").chmod(0o600)
    (tmp_path / "htdigest").chmod(0o600)
    return config


@pytest.mark.parametrize("args", [*(("lint", "--format", fmt) for fmt in FORMATS), ("json",), ("text",)])
def test_password_file_lines_are_never_quoted(ecconf: Ecconf, tmp_path: Path, args: tuple[str, ...]) -> None:
    config = _malformed_stores(tmp_path)
    run = ecconf(*args, str(config))
    assert SECRET not in run.both
    if args[0] == "lint":
        assert "A406" in run.both and "htdigest" in run.both and "passwd" in run.both


def test_serve_refuses_a_malformed_store_without_quoting_it(tmp_path: Path) -> None:
    config = _malformed_stores(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "serve", str(config)],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode != 0
    assert "htdigest" in done.stderr
    assert SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize("kind", list(StoreKind))
def test_a_store_refresh_error_names_the_line_not_its_content(tmp_path: Path, kind: StoreKind) -> None:
    path = tmp_path / "store"
    good = "alice:wonderland\n" if kind is StoreKind.FILE else f"alice:realm:{'0' * 32}\n"
    path.write_text(good, encoding="utf-8")
    store = PasswordFileStore(f"{kind.value}:{path}", path, kind)
    path.write_text(good + f"bob{SECRET}\n" + f"carol:realm:{SECRET}\n", encoding="utf-8")
    assert store.refresh() is False
    assert store.last_error is not None and str(path) in store.last_error
    assert SECRET not in store.last_error
    with pytest.raises(StoreError) as raised:
        PasswordFileStore(f"{kind.value}:{path}", path, kind)
    assert SECRET not in str(raised.value)
