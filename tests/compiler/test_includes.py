import os
from pathlib import Path

import pytest

from ecconf.compiler.includes import INCLUDE_CYCLE, INCLUDE_MISSING, SYNTAX, UNREADABLE, load
from ecconf.compiler.nodes import Include, Option


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def included_names(loaded) -> list[str]:
    names = []
    for statement in loaded.root.body:
        if isinstance(statement, Include):
            for f in statement.files:
                names.extend(s.name for s in f.body if isinstance(s, Option))
    return names


def test_relative_include_looks_in_the_including_files_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir("/")
    write(tmp_path / "conf" / "part.conf", "Idle_Time = 1")
    root = write(tmp_path / "conf" / "main.conf", 'include "part.conf"')
    loaded = load(str(root))
    assert loaded.problems == []
    assert included_names(loaded) == ["Idle_Time"]


def test_directory_include_is_alphabetical_skips_dot_files_and_subdirectories(tmp_path: Path) -> None:
    write(tmp_path / "d" / "b.conf", "Idle_Time = 1")
    write(tmp_path / "d" / "a.conf", "Hostname = a")
    write(tmp_path / "d" / ".hidden.conf", "Listener_Sessions = 1")
    write(tmp_path / "d" / "sub" / "c.conf", "Max_Recipients_Per_Message = 1")
    root = write(tmp_path / "main.conf", "include d")
    loaded = load(str(root))
    assert loaded.problems == []
    assert included_names(loaded) == ["Hostname", "Idle_Time"]


def test_missing_include_is_a_diagnostic_at_the_target(tmp_path: Path) -> None:
    root = write(tmp_path / "main.conf", 'x = 1\ninclude "nope.conf"\n')
    loaded = load(str(root))
    [problem] = loaded.problems
    assert problem.code == INCLUDE_MISSING
    assert (problem.span.line, problem.span.column) == (2, 9)


def test_include_cycle_is_reported_not_followed(tmp_path: Path) -> None:
    write(tmp_path / "a.conf", 'include "b.conf"')
    write(tmp_path / "b.conf", 'include "a.conf"')
    loaded = load(str(tmp_path / "a.conf"))
    assert [p.code for p in loaded.problems] == [INCLUDE_CYCLE]
    assert loaded.problems[0].span.path.endswith("b.conf")


def test_syntax_error_in_included_file_names_that_file(tmp_path: Path) -> None:
    write(tmp_path / "bad.conf", "ESMTP_Listener {\n")
    root = write(tmp_path / "main.conf", 'ok = 1\ninclude "bad.conf"\n')
    loaded = load(str(root))
    [problem] = loaded.problems
    assert problem.code == SYNTAX and problem.span.path.endswith("bad.conf")
    assert problem.related and problem.related[0].span.line == 1


def test_invalid_utf8_points_at_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.conf"
    path.write_bytes(b'a = 1\nb = "caf\xe9"\n')
    [problem] = load(str(path)).problems
    assert problem.code == UNREADABLE
    assert (problem.span.line, problem.span.column) == (2, 9)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.conf", "a = 1")
    path.chmod(0)
    [problem] = load(str(path)).problems
    assert problem.code == UNREADABLE


def test_include_of_a_device_is_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "main.conf", 'include "/dev/null"')
    [problem] = load(str(root)).problems
    assert problem.code == UNREADABLE and "not a regular file" in problem.message


def test_each_file_of_a_config_is_its_own_lossless_tree(tmp_path: Path) -> None:
    from ecconf.compiler.source_trees import read_tree, trees

    main = write(tmp_path / "main.conf", "# main\r\ninclude part.conf\r\nA = 1\r\n")
    write(tmp_path / "part.conf", "B = 2 /* kept */\n\n\n")
    loaded = load(str(main))
    found = trees(loaded)
    assert sorted(Path(p).name for p in found) == ["main.conf", "part.conf"]
    for path, tree in found.items():
        assert tree.text() == Path(path).read_bytes().decode("utf-8")
    broken = write(tmp_path / "broken.conf", "A = {\n")
    tree, text, problem = read_tree(str(broken))
    assert tree is None and text == "A = {\n" and problem is not None and problem.code == SYNTAX
