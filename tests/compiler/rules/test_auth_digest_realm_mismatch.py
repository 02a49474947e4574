import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_digest_realm_mismatch as rule

HASH = "0123456789abcdef0123456789abcdef"


def digest_file(path: Path, *realms: str) -> None:
    path.write_text("".join(f"user{i}:{realm}:{HASH}\n" for i, realm in enumerate(realms)))


def config(params: str, hostname: str | None = "mail.example.com") -> str:
    head = f'Hostname = "{hostname}"\n' if hostname else ""
    return head + f"ESMTP_Listener {{\n  AuthDigestMD5Parameters = [ {params} ]\n}}\n"


def test_entries_of_other_realms_are_counted_and_named(tmp_path: Path) -> None:
    digest_file(tmp_path / "d", "mail.example.com", "Momentum Console", "Momentum Console", "old.example.com")
    found = lint(rule, config('uri = "digest:d"'), tmp_path / "a.conf")
    assert places(found) == [(3, 31)]
    message = found[0].message
    assert message.startswith("3 of 4 entries") and "'Momentum Console', 'old.example.com'" in message
    assert "'mail.example.com' (from Hostname)" in message
    assert [(r.span.line, r.span.column) for r in found[0].related] == [(1, 1)]


def test_configured_realm_wins_over_hostname(tmp_path: Path) -> None:
    digest_file(tmp_path / "d", "corp", "corp")
    assert lint(rule, config('uri = "digest:d" realm = "corp"'), tmp_path / "a.conf") == []
    [found] = lint(rule, config('uri = "digest:d" realm = "other"'), tmp_path / "a.conf")
    assert found.message.startswith("all entries") and "(from realm)" in found.message
    assert found.hint == 'set realm = "corp", or recreate the entries with ec_md5passwd -r "other"'


def test_without_hostname_the_machine_name_is_the_realm(tmp_path: Path) -> None:
    digest_file(tmp_path / "d", socket.gethostname())
    assert lint(rule, config('uri = "digest:d"', hostname=None), tmp_path / "a.conf") == []
    digest_file(tmp_path / "d", "elsewhere")
    [found] = lint(rule, config('uri = "digest:d"', hostname=None), tmp_path / "a.conf")
    assert "the machine's host name" in found.message and found.related == ()


def test_empty_realm_entries_are_not_counted(tmp_path: Path) -> None:
    digest_file(tmp_path / "d", "mail.example.com", "")
    assert lint(rule, config('uri = "digest:d"'), tmp_path / "a.conf") == []


def test_many_realms_are_summarised(tmp_path: Path) -> None:
    digest_file(tmp_path / "d", *(f"r{i}" for i in range(7)))
    [found] = lint(rule, config('uri = "digest:d"'), tmp_path / "a.conf")
    assert "and 3 more" in found.message


def test_not_applicable(tmp_path: Path) -> None:
    digest_file(tmp_path / "d", "elsewhere")
    # Missing file (A406), stored_cleartext (A404), a file: store, and files not checked: nothing to say here.
    assert lint(rule, config('uri = "digest:missing"'), tmp_path / "a.conf") == []
    assert lint(rule, config('uri = "digest:d" stored_cleartext = true'), tmp_path / "a.conf") == []
    assert lint(rule, config('uri = "file:d"'), tmp_path / "a.conf") == []
    assert lint(rule, config('uri = "digest:d"'), tmp_path / "a.conf", check_files=False) == []
