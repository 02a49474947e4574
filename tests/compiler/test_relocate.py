"""`ecconf text` rewrites relative file:/digest: URIs so that the text it writes names the same password files
from where it is written (--output's folder, or the working directory), for text and JSON input alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ecconf.compiler.relocate import relocated_uri

CONFIG = (
    'ESMTP_Listener {\n  AuthPlainParameters = [ uri = "file:passwd" ]\n'
    '  AuthDigestMD5Parameters = [ uri = "digest:{absolute}" realm = "r" ]\n'
    '  SMTP_Extensions = ( "AUTH PLAIN" )\n  Listen "127.0.0.1:0" { }\n}\n'
)


def _ecconf(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ecconf", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def _tree(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "passwd").write_text("alice:pw\n")
    (tmp_path / "a" / "passwd").chmod(0o600)
    (tmp_path / "a" / "htdigest").write_text("alice:r:" + "0" * 32 + "\n")
    (tmp_path / "a" / "htdigest").chmod(0o600)
    (tmp_path / "a" / "main.conf").write_text(CONFIG.replace("{absolute}", str(tmp_path / "a" / "htdigest")))


def test_relocated_uri_only_touches_relative_password_files(tmp_path: Path) -> None:
    src, dst = tmp_path / "a", tmp_path / "b"
    assert relocated_uri("file:passwd", src, dst) == "file:../a/passwd"
    assert relocated_uri("digest:sub/h", src, src) == "digest:sub/h"
    for kept in ("file:/etc/passwd", "file:///etc/passwd", "mailauth://", "ldap://x"):
        assert relocated_uri(kept, src, dst) == kept


def test_text_written_elsewhere_still_names_the_same_password_file(tmp_path: Path) -> None:
    _tree(tmp_path)
    done = _ecconf("text", "--no-file-checks", "a/main.conf", "-o", "b/out.conf", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = (tmp_path / "b" / "out.conf").read_text()
    assert 'uri = "file:../a/passwd"' in out and f'uri = "digest:{tmp_path}/a/htdigest"' in out
    lint = _ecconf("lint", "--select", "A406", "b/out.conf", cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout  # the password file is found from b/
    stdout = _ecconf("text", "--no-file-checks", "../a/main.conf", cwd=tmp_path / "b")
    assert 'uri = "file:../a/passwd"' in stdout.stdout  # on stdout: relative to the working directory


def test_json_input_is_relocated_from_the_json_files_folder(tmp_path: Path) -> None:
    _tree(tmp_path)
    made = _ecconf("json", "--no-file-checks", "a/main.conf", "-o", "a/main.ecconf.json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    done = _ecconf("text", "--no-file-checks", "a/main.ecconf.json", "-o", "b/out.conf", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert 'uri = "file:../a/passwd"' in (tmp_path / "b" / "out.conf").read_text()
