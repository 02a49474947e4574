import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_cleartext_file_world_readable as rule

TEXT = 'ESMTP_Listener {\n  AuthPlainParameters = [ uri = "file:p" ]\n}\n'


@pytest.mark.parametrize(("mode", "reported"), [(0o644, True), (0o604, True), (0o640, False), (0o600, False)])
def test_mode_decides(tmp_path: Path, mode: int, reported: bool) -> None:
    (tmp_path / "p").write_text("alice:secret\n")
    (tmp_path / "p").chmod(mode)
    found = lint(rule, TEXT, tmp_path / "a.conf")
    assert bool(found) is reported
    if reported:
        assert places(found) == [(2, 27)] and f"mode {mode:04o}" in found[0].message


def test_digest_files_missing_files_and_unchecked_files_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("alice:realm:0123456789abcdef0123456789abcdef\n")
    (tmp_path / "p").chmod(0o644)
    assert lint(rule, TEXT.replace("AuthPlain", "AuthDigestMD5").replace("file:", "digest:"), tmp_path / "a.conf") == []
    assert lint(rule, TEXT, tmp_path / "a.conf", check_files=False) == []
    assert lint(rule, TEXT.replace("file:p", "file:missing"), tmp_path / "a.conf") == []


def test_a_chmod_between_two_runs_is_seen(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("alice:secret\n")
    (tmp_path / "p").chmod(0o644)
    assert lint(rule, TEXT, tmp_path / "a.conf")
    (tmp_path / "p").chmod(0o600)
    assert lint(rule, TEXT, tmp_path / "a.conf") == []


def test_one_finding_per_file_with_the_other_mentions_related(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("alice:secret\n")
    (tmp_path / "p").chmod(0o644)
    text = """
    ESMTP_Listener {
      AuthPlainParameters = [ uri = "file:p" ]
      AuthLoginParameters = [ uri = "file:./p" ]
    }
    """
    [found] = lint(rule, text, tmp_path / "a.conf")
    assert places([found]) == [(2, 27)]
    assert [(r.span.line, r.span.column) for r in found.related] == [(3, 27)]
