"""`ecconf fmt` through the real command line: in place (atomically, mode kept), --check, --diff, syntax
errors refused with lint's diagnostic, CRLF kept, comments kept where they were, directories walked,
standard input, and a second run that finds nothing to do."""

from __future__ import annotations

import os
import pwd
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ecconf import cli

MESSY = '# the listener\r\nESMTP_Listener{Listen ":587"{Enable=yes   # on\r\n\r\n\r\n  Relay_Hosts ( a,b )}}\r\n'
TIDY = (
    "# the listener\r\n"
    "ESMTP_Listener {\r\n"
    '  Listen ":587" {\r\n'
    "    Enable = yes # on\r\n"
    "\r\n"
    "    Relay_Hosts = ( a b )\r\n"
    "  }\r\n"
    "}\r\n"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["fmt", "--isolated", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def test_in_place_keeps_crlf_comments_and_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = write(tmp_path / "ecelerity.conf", MESSY)
    conf.chmod(0o640)
    status, out, err = run(capsys, str(conf))
    assert status == 0 and out == ""
    assert read(conf) == TIDY
    assert stat.S_IMODE(conf.stat().st_mode) == 0o640
    assert "1 file reformatted" in err
    assert [p.name for p in tmp_path.iterdir()] == ["ecelerity.conf"]  # no temporary file left behind
    before = conf.stat().st_mtime_ns
    status, _out, err = run(capsys, str(conf))  # idempotent: nothing more to do, the file is not rewritten
    assert status == 0 and read(conf) == TIDY and conf.stat().st_mtime_ns == before
    assert "0 files reformatted, 1 file left unchanged" in err


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_in_place_keeps_the_owner_and_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = write(tmp_path / "ecelerity.conf", MESSY)
    nobody = pwd.getpwnam("nobody")
    os.chown(conf, nobody.pw_uid, nobody.pw_gid)
    conf.chmod(0o640)
    status, _out, err = run(capsys, str(conf))
    assert status == 0 and read(conf) == TIDY, err
    info = conf.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (nobody.pw_uid, nobody.pw_gid, 0o640)


def _fmt_process(conf: Path, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """`ecconf fmt` in its own process, its file size limited to `limit` bytes (writing more fails)."""

    def limited() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "ECCONF_NO_CACHE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "ecconf", "fmt", "--isolated", str(conf)]
    return subprocess.run(command, capture_output=True, text=True, env=env, preexec_fn=limited, timeout=60)


def test_a_failed_write_leaves_the_file_as_it_was_and_no_temporary_file(tmp_path: Path) -> None:
    conf = write(tmp_path / "ecelerity.conf", MESSY)
    done = _fmt_process(conf, limit=len(TIDY) // 2)  # the new text cannot be written whole (EFBIG)
    assert done.returncode == 2, done.stderr
    assert f"cannot write {conf}: File too large" in done.stderr and "Traceback" not in done.stderr
    assert read(conf) == MESSY
    assert [p.name for p in tmp_path.iterdir()] == ["ecelerity.conf"]
    assert _fmt_process(conf).returncode == 0 and read(conf) == TIDY  # and with room, it is written


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_said_and_nothing_is_left(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    conf = write(folder / "ecelerity.conf", MESSY)
    folder.chmod(0o555)
    try:
        status, _out, err = run(capsys, str(conf))
    finally:
        folder.chmod(0o755)
    assert status == 2 and f"cannot write {conf}: Permission denied" in err
    assert read(conf) == MESSY and [p.name for p in folder.iterdir()] == ["ecelerity.conf"]


def test_check_names_the_files_that_would_change_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messy = write(tmp_path / "a.conf", MESSY)
    tidy = write(tmp_path / "b.conf", TIDY)
    status, out, _err = run(capsys, "--check", str(messy), str(tidy))
    assert status == 1
    assert out == f"would reformat: {messy}\n"
    assert read(messy) == MESSY
    status, out, _err = run(capsys, "--check", str(tidy))
    assert (status, out) == (0, "")


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = write(tmp_path / "a.conf", "A=1\nB =  ( x,y )")
    status, out, _err = run(capsys, "--diff", str(conf))
    assert status == 1
    assert read(conf) == "A=1\nB =  ( x,y )"
    assert out.splitlines() == [
        f"--- {conf}",
        f"+++ {conf}",
        "@@ -1,2 +1,2 @@",
        "-A=1",
        "-B =  ( x,y )",
        "\\ No newline at end of file",
        "+A = 1",
        "+B = ( x y )",
    ]


def test_a_syntax_error_is_refused_with_its_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path / "bad.conf", "Listen {\n  A = 1\n")
    good = write(tmp_path / "good.conf", "A=1\n")
    status, _out, err = run(capsys, str(bad), str(good))
    assert status == 1
    assert f"{bad}:3:1: error:" in err and "[E100]" in err and "not formatted" in err
    assert read(bad) == "Listen {\n  A = 1\n"
    assert read(good) == "A = 1\n"  # the other files are still formatted


def test_a_missing_file_or_one_not_utf8_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run(capsys, str(tmp_path / "none.conf"))
    assert status == 2 and "cannot read" in err
    latin = tmp_path / "latin.conf"
    latin.write_bytes(b"A = caf\xe9\n")
    status, _out, err = run(capsys, str(latin))
    assert status == 2 and f"{latin}:1:8: the file is not valid UTF-8" in err
    assert latin.read_bytes() == b"A = caf\xe9\n"


def test_directories_are_walked_and_json_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "conf").mkdir()
    main = write(tmp_path / "conf" / "main.conf", "include   part.conf\n")
    part = write(tmp_path / "conf" / "part.conf", "A=1\n")
    json_form = write(tmp_path / "conf" / "x.ecconf.json", "{ }")
    skipped = tmp_path / "conf" / ".git"
    skipped.mkdir()
    hidden = write(skipped / "y.conf", "A=1\n")
    status, _out, _err = run(capsys, str(tmp_path / "conf"))
    assert status == 0
    assert read(main) == "include part.conf\n"
    assert read(part) == "A = 1\n"  # an included file is formatted as its own file
    assert read(json_form) == "{ }" and read(hidden) == "A=1\n"


def test_standard_input_to_standard_output(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"A=1\r\nB=[k=v]\r\n")))
    status, out, _err = run(capsys, "-")
    assert status == 0 and out == "A = 1\r\nB = [ k = v ]\r\n"


def test_a_symbolic_link_stays_a_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = write(tmp_path / "real.conf", "A=1\n")
    link = tmp_path / "link.conf"
    link.symlink_to(real)
    status, _out, _err = run(capsys, str(link))
    assert status == 0 and link.is_symlink() and read(real) == "A = 1\n"


def test_fmt_is_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fmt", "--help"]) == 0
    assert "--check" in capsys.readouterr().out


def test_the_settings_file_excludes_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / ".ecconf.toml", 'extend-exclude = ["legacy"]\n')
    (tmp_path / "legacy").mkdir()
    old = write(tmp_path / "legacy" / "old.conf", "A=1\n")
    new = write(tmp_path / "new.conf", "A=1\n")
    assert cli.main(["fmt", str(tmp_path)]) == 0
    capsys.readouterr()
    assert read(old) == "A=1\n" and read(new) == "A = 1\n"


def test_a_file_whose_suppressions_the_layout_would_move_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "ESMTP_Listener {\n  # ecconf: disable=E203\n  Idle_Time = 1   Idle_Time = 2\n}\n"
    conf = write(tmp_path / "a.conf", text)
    status, _out, err = run(capsys, str(conf))
    assert status == 1 and read(conf) == text and "suppression comments" in err


def test_a_suppression_that_still_covers_what_it_did_is_formatted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = write(tmp_path / "a.conf", 'ESMTP_Listener { Relay_Hosts = ( "10.0.0.1/8" ) # ecconf: disable=E305\n}\n')
    status, _out, _err = run(capsys, str(conf))
    assert status == 0
    assert read(conf) == 'ESMTP_Listener {\n  Relay_Hosts = ( "10.0.0.1/8" ) # ecconf: disable=E305\n}\n'


def test_ecconf_text_writes_fmt_s_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shared_paths import REPO

    # A copy beside the output, so the relocated URIs (and so the line widths) do not depend on where the
    # checkout lives: CI's clone path once pushed a dictionary past the width onto one item per line.
    shutil.copytree(REPO / "samples" / "auth", tmp_path / "src")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "back.conf"
    sample = str(tmp_path / "src" / "submission.conf")
    assert cli.main(["text", "--no-file-checks", sample, "-o", str(out)]) == 0
    assert "  AuthPlainParameters = [ uri = " in read(out)
    status, _out, _err = run(capsys, "--check", str(out))
    assert status == 0  # nothing for fmt to change
    assert cli.main(["json", "--no-file-checks", sample]) == 0
    direct = capsys.readouterr().out
    assert cli.main(["json", "--no-file-checks", str(out)]) == 0
    # The same config, but for its relative password-file URIs, which now start from the text's folder.
    assert _uris_resolved(capsys.readouterr().out, out.parent) == _uris_resolved(direct, Path(sample).parent)


def _uris_resolved(text: str, folder: Path) -> str:
    import re

    def absolute(match: re.Match[str]) -> str:
        scheme, rest = match.group(1), match.group(2)
        return f'"uri": "{scheme}:{(folder / rest).resolve()}"'

    return re.sub(r'"uri": "(file|digest):([^/"][^"]*)"', absolute, text)
