"""`ecconf passwd`: ec_md5passwd's output, and in-place edits of password files."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecconf", "passwd", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_prints_the_htdigest_line_with_the_default_realm() -> None:
    done = run("alice", "wonderland", env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0
    assert done.stdout == f"alice:Momentum Console:{md5('alice:Momentum Console:wonderland')}\n"


def test_realm_from_the_environment_and_from_r() -> None:
    assert run("a", "c", env={"EC_DIGEST_REALM": "b"}).stdout.strip() == "a:b:02cc8f08398a4f3113b554e8105ebe4c"
    assert run("-r", "b", "a", "c").stdout.strip() == "a:b:02cc8f08398a4f3113b554e8105ebe4c"


def test_password_read_from_stdin_when_not_given() -> None:
    done = run("-r", "b", "a", stdin="c\n")
    assert done.stdout.strip() == "a:b:02cc8f08398a4f3113b554e8105ebe4c"


def test_digest_file_set_change_delete_keep_other_lines_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "htdigest"
    path.write_text("# managed by hand\nbob:r:00000000000000000000000000000000\n")
    path.chmod(0o640)
    assert run("-f", str(path), "-r", "r", "alice", "pw1").returncode == 0
    assert run("-f", str(path), "-r", "r", "--change", "alice", "pw2").returncode == 0
    lines = path.read_text().splitlines()
    assert lines[:2] == ["# managed by hand", "bob:r:00000000000000000000000000000000"]
    assert lines[2] == f"alice:r:{md5('alice:r:pw2')}"
    assert path.stat().st_mode & 0o777 == 0o640
    assert run("-f", str(path), "-r", "r", "--delete", "bob").returncode == 0
    assert "bob:" not in path.read_text()


def test_clear_text_store_add_refuses_an_existing_user(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    assert run("--clear", "-f", str(path), "--add", "carol", "secret").returncode == 0
    assert path.read_text() == "carol:secret\n"
    again = run("--clear", "-f", str(path), "--add", "carol", "other")
    assert again.returncode == 1 and "carol" in again.stderr and "other" not in again.stderr
    assert path.read_text() == "carol:secret\n"


def test_bad_fields_and_usage_errors() -> None:
    bad = run("us:er", "pw")
    assert bad.returncode == 1 and "':'" in bad.stderr
    assert run("--delete", "x").returncode == 2  # --delete needs -f
    assert run("--clear", "x", "y").returncode == 2
