import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_password_file as rule

HASH = "0123456789abcdef0123456789abcdef"


def config(uri: str, option: str = "AuthDigestMD5Parameters") -> str:
    return f'ESMTP_Listener {{\n  {option} = [ uri = "{uri}" ]\n}}\n'


def test_missing_file_points_at_the_uri(tmp_path: Path) -> None:
    found = lint(rule, config("digest:nope.txt"), tmp_path / "a.conf")
    assert places(found) == [(2, 31)] and found[0].span.path == str(tmp_path / "a.conf")
    assert str(tmp_path / "nope.txt") in found[0].message


def test_directory_is_not_a_password_file(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    [found] = lint(rule, config("file:dir", "AuthPlainParameters"), tmp_path / "a.conf")
    assert "directory" in found.message


def test_malformed_lines_are_reported_in_the_password_file(tmp_path: Path) -> None:
    secret_line = "carol:realm:zz23456789abcdef0123456789abcdef"
    (tmp_path / "d.txt").write_text(f"# comment\nalice:realm:{HASH}\nbob:{HASH}\n\n{secret_line}\r\ndan:realm:abc\n")
    found = lint(rule, config("digest:d.txt"), tmp_path / "a.conf")
    assert {d.span.path for d in found} == {str(tmp_path / "d.txt")}
    assert [(d.span.line, d.span.column, d.span.end_column) for d in found] == [(3, 1, 37), (5, 13, 45), (6, 11, 14)]
    assert "hexadecimal" in found[1].message and "32 hex digits" in found[2].message
    assert all(secret_line[12:] not in d.message + d.hint for d in found)
    assert all(r.span.path == str(tmp_path / "a.conf") and r.span.line == 2 for d in found for r in d.related)


def test_clear_text_file_lines_and_non_fatal_problems(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("alice:secret\nno-colon-here\n:nouser\nalice:again\nbob:\n")
    found = lint(rule, config("file:p", "AuthPlainParameters"), tmp_path / "a.conf")
    # The duplicate user and the empty password do not stop the server from loading the file.
    assert [(d.span.line, d.message) for d in found] == [
        (2, "malformed line: expected user:password"),
        (3, "empty user name"),
    ]
    assert "secret" not in " ".join(d.message + d.hint for d in found)


def test_a_file_named_by_two_mechanisms_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("broken\n")
    text = 'ESMTP_Listener { AuthPlainParameters = [ uri = "file:p" ] AuthLoginParameters = [ uri = "file:p" ] }'
    assert len(lint(rule, text, tmp_path / "a.conf")) == 1


def test_relative_uri_resolves_against_the_including_file(tmp_path: Path) -> None:
    sub = tmp_path / "conf.d"
    sub.mkdir()
    (sub / "auth.conf").write_text('AuthPlainParameters = [ uri = "file:p" ]\n')
    (sub / "p").write_text("alice:x\n")
    text = 'ESMTP_Listener { include "conf.d/auth.conf" }'
    assert lint(rule, text, tmp_path / "main.conf") == []
    (sub / "p").unlink()
    [found] = lint(rule, text, tmp_path / "main.conf")
    assert found.span.path == str(sub / "auth.conf") and str(sub / "p") in found.message


def test_absolute_uri_and_good_file(tmp_path: Path) -> None:
    (tmp_path / "d").write_text(f"alice:realm:{HASH}\n")
    assert lint(rule, config(f"digest://{tmp_path}/d"), tmp_path / "a.conf") == []


def test_skipped_when_files_are_not_checked(tmp_path: Path) -> None:
    assert lint(rule, config("digest:nope.txt"), tmp_path / "a.conf", check_files=False) == []


def test_external_back_ends_and_bad_uris_are_left_alone(tmp_path: Path) -> None:
    assert lint(rule, config("mysqlauth://db/users"), tmp_path / "a.conf") == []
    assert lint(rule, config("file://otherhost/x"), tmp_path / "a.conf") == []


def test_the_same_relative_uri_in_two_folders_names_two_files(tmp_path: Path) -> None:
    # Rules share one answer per (uri, config file): the file naming the uri must stay part of the question.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pw").write_text("alice:secret\n")
    (tmp_path / "sub" / "more.conf").write_text('Listen ":26" { AuthPlainParameters = [ uri = "file:pw" ] }\n')
    text = 'ESMTP_Listener {\n  AuthPlainParameters = [ uri = "file:pw" ]\n  include "sub/more.conf"\n}\n'
    found = lint(rule, text, tmp_path / "a.conf")
    assert [(d.span.path, d.span.line) for d in found] == [(str(tmp_path / "a.conf"), 2)]
    assert str(tmp_path / "pw") in found[0].message
