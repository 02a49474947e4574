"""Hostile files: devices, FIFOs, unreadable or unlistable paths, include loops and bombs, and files that are
not what they say. `ecconf lint` and `ecconf json` refuse each at once with a positioned diagnostic, never
read what never ends nor wait for what never comes, and never give a traceback (hostile_cli.assert_refused).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_cli import COMMANDS, Ecconf, Run, assert_refused, write_input

from ecconf.compiler import includes

# --- files that are not regular files -------------------------------------------------------------------


SPECIALS = ["/dev/zero", "fifo", "/dev/stdin"]


@pytest.mark.parametrize("special", SPECIALS)
def test_a_device_or_fifo_as_the_config_of_json_is_refused_at_once(
    ecconf_subprocess: Callable[..., Run], fifo: str, special: str
) -> None:
    """Nothing is read from them: /dev/zero never ends and a FIFO without a writer never starts. (`text`
    reads its input the way `json` does.)"""
    path = fifo if special == "fifo" else special
    run = ecconf_subprocess("json", path)  # standard input is /dev/null, not a regular file either
    assert assert_refused(run, path) == [(1, 1)]
    assert f"cannot read {path}: it is not a regular file" in run.both


def test_devices_and_fifos_given_to_lint_are_refused_at_once(ecconf_subprocess: Callable[..., Run], fifo: str) -> None:
    paths = [fifo if special == "fifo" else special for special in SPECIALS]
    run = ecconf_subprocess("lint", *paths)
    assert run.status == 2 and "Traceback" not in run.both, run.both
    for path in paths:  # lint reports an input it cannot read on its own, without a position
        assert f"ecconf: cannot read {path}: it is not a regular file" in run.err


# --- includes that cannot be followed -----------------------------------------------------------------


def _include(tmp_path: Path, target: str, *, scoped: bool = False) -> str:
    statement = f'include "{target}"'
    return write_input(tmp_path, "main.conf", f"ESMTP_Listener {{ {statement} }}\n" if scoped else statement + "\n")


def test_includes_of_devices_and_fifos_are_refused_at_the_include(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path, fifo: str
) -> None:
    targets = ["/dev/zero", "/dev/stdin", "/dev/null", fifo]
    text = "ESMTP_Listener {\n" + "".join(f'  include "{target}"\n' for target in targets) + "}\n"
    main = write_input(tmp_path, "main.conf", text)
    run = ecconf_subprocess("lint", main)
    assert assert_refused(run, main) == [(2, 3), (3, 3), (4, 3), (5, 3)]
    assert run.both.count("it is not a regular file") == 4


@pytest.mark.parametrize("command", COMMANDS)
def test_include_loops_are_reported_at_the_include_that_closes_them(
    ecconf: Ecconf, tmp_path: Path, command: str
) -> None:
    write_input(tmp_path, "a.conf", 'include "b.conf"\n')
    b = write_input(tmp_path, "b.conf", '# back to a\ninclude "a.conf"\n')
    self_loop = write_input(tmp_path, "self.conf", 'Hostname = "x"\ninclude "."\n')  # the directory holds itself
    run = ecconf(command, str(tmp_path / "a.conf"))
    assert assert_refused(run, b) == [(2, 1)]
    assert "include cycle" in run.both
    run = ecconf(command, self_loop)
    assert (2, 1) in assert_refused(run, self_loop)


def test_include_of_a_directory_reads_its_files_not_its_subdirectories(ecconf: Ecconf, tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    bad = write_input(tmp_path, "d/a.conf", "Hostname = \n")
    write_input(tmp_path, "d/sub/never.conf", "this is never read {\n")
    main = _include(tmp_path, "d")
    run = ecconf("lint", main)
    assert assert_refused(run, bad) == [(2, 1)]
    assert "never.conf" not in run.both


def test_include_of_a_directory_of_10_000_files(ecconf: Ecconf, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for i in range(10_000):  # os.open: pathlib's write_text takes seconds for 10 000 files
        fd = os.open(tmp_path / "d" / f"f{i:05}.conf", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"# a comment\n" if i != 9_999 else b"}\n")
        os.close(fd)
    main = _include(tmp_path, "d")
    run = ecconf("lint", main)
    assert assert_refused(run, str(tmp_path / "d" / "f09999.conf")) == [(1, 1)]
    assert "in 10001 files" in run.both


def test_include_of_a_name_too_long_for_the_file_system(ecconf: Ecconf, tmp_path: Path) -> None:
    main = _include(tmp_path, "n" * 5000)
    run = ecconf("lint", main)
    assert assert_refused(run, main) == [(1, 9)]
    assert "File name too long" in run.both


def test_include_of_a_directory_that_may_not_be_listed(
    ecconf: Ecconf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    main = _include(tmp_path, "locked")

    def refuse(path: object) -> list[str]:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(includes.os, "listdir", refuse)  # as root, chmod 000 would not stop us
    run = ecconf("lint", main)
    assert assert_refused(run, main) == [(1, 9)]
    assert "Permission denied" in run.both


def test_include_of_an_unreadable_file(ecconf: Ecconf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = write_input(tmp_path, "secret.conf", 'Hostname = "x"\n')
    os.chmod(secret, 0)
    if os.geteuid() == 0:  # root reads files whatever their mode: refuse the open the way the kernel would
        real_open = os.open

        def guarded(path: str, flags: int, *args: int, **kwargs: int) -> int:
            if str(path) == secret:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(includes.os, "open", guarded)
    main = _include(tmp_path, "secret.conf")
    run = ecconf("lint", main)
    assert assert_refused(run, main) == [(1, 1)]
    assert "Permission denied" in run.both


# --- files the config names ---------------------------------------------------------------------------


def test_tls_and_password_files_that_are_fifos_or_devices_are_refused_without_opening_them(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path, fifo: str
) -> None:
    """Opening a FIFO nobody writes to blocks forever: the checks look at what a path is before opening it."""
    text = (
        "ESMTP_Listener {\n"
        '  SMTP_Extensions = ( "AUTH PLAIN LOGIN" "STARTTLS" )\n'
        '  AuthPlainParameters = [ uri = "file:///dev/zero" ]\n'
        f'  AuthLoginParameters = [ uri = "file://{fifo}" ]\n'
        '  TLS_Certificate = "/dev/zero"\n'
        f'  TLS_Key = "{fifo}"\n'
        '  Listen "127.0.0.1:2525" { }\n'
        "}\n"
    )
    path = write_input(tmp_path, "files.conf", text)
    run = ecconf_subprocess("lint", path)
    assert {(3, 27), (4, 27), (5, 21), (6, 13)} <= set(assert_refused(run, path))
    assert run.both.count("not a regular file") == 4


def _include_bomb(tmp_path: Path, levels: int) -> str:
    """`levels` files, each including the next ten times: 10**levels reads of the last one."""
    for level in range(levels):
        write_input(tmp_path, f"l{level}.conf", f'include "l{level + 1}.conf"\n' * 10)
    write_input(tmp_path, f"l{levels}.conf", 'Hostname = "x"  # ecconf: disable=E203\n')
    return str(tmp_path / "l0.conf")


def test_an_include_bomb_stops_at_the_file_limit(
    ecconf: Ecconf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(includes, "MAX_INCLUDED_FILES", 50)  # the real bound (10 000) takes seconds to reach
    root = _include_bomb(tmp_path, 4)  # 11 110 reads without a bound
    run = ecconf("lint", root)
    assert "the configuration already includes 50 files, the most ecconf reads" in run.both
    assert run.both.count("[E101]") == 1  # said once, at the include that would be one too many
    last = str(tmp_path / "l3.conf")
    # Reads, depth first: l1, l2, four whole l3 (4 x 11), a fifth l3 and three of its l4: 50. The fourth is one
    # too many.
    assert assert_refused(run, last) == [(4, 1)]


def test_an_include_bomb_stops_at_the_size_limit(
    ecconf: Ecconf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(includes, "MAX_TOTAL_CHARS", 1000)
    write_input(tmp_path, "big.conf", "# " + "x" * 600 + "\n")
    root = write_input(tmp_path, "main.conf", 'include "big.conf"\n' * 5)
    run = ecconf("lint", root)
    assert "already holds more than 1,000 characters" in run.both
    assert assert_refused(run, root) == [(3, 1)]  # two reads make 1 208 characters: the third is refused


# --- regular files that are not what they say ---------------------------------------------------------


def test_a_proc_file_that_says_it_is_empty_is_read_no_further_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc files report size 0 and may go on (or block) forever: the size limit holds while reading."""
    assert os.stat("/proc/self/status").st_size == 0
    monkeypatch.setattr(includes, "MAX_FILE_BYTES", 10)
    text, problem = includes.read_text("/proc/self/status")
    assert text is None and problem is not None
    assert problem.message == "cannot read /proc/self/status: it is larger than 0 MiB"


def test_a_file_swapped_for_a_fifo_after_it_was_looked_at_is_not_waited_for(
    tmp_path: Path, fifo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the look (stat) and the open, a regular file can become a FIFO: the open must not block."""
    regular = os.stat(write_input(tmp_path, "regular.conf", "x = 1\n"))
    real_stat = os.stat

    def stale_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        return regular if str(path) == fifo else real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(includes.os, "stat", stale_stat)
    result: list[object] = []
    reader = threading.Thread(target=lambda: result.append(includes.read_text(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive():  # set the blocked reader free before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
        pytest.fail("read_text blocked opening a FIFO")
    [(text, problem)] = result  # type: ignore[misc]
    assert text is None and "it is not a regular file" in problem.message


@pytest.mark.skipif(not os.access("/proc/kmsg", os.R_OK), reason="needs a readable /proc/kmsg (root on Linux)")
def test_include_of_proc_kmsg_ends(ecconf_subprocess: Callable[..., Run], tmp_path: Path) -> None:
    """/proc/kmsg is a 'regular file' whose reads block until the kernel logs something."""
    main = _include(tmp_path, "/proc/kmsg")
    run = ecconf_subprocess("lint", main)
    assert assert_refused(run, main) == [(1, 1)]  # read without blocking: the first empty read is an error
    assert "cannot read /proc/kmsg" in run.both
