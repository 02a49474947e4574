"""Reloading a store in slices for an event loop: same contents as a blocking refresh, never half-installed."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from ecconf.runtime.authn import Credentials
from ecconf.runtime.config import MechanismSpec
from ecconf.runtime.stores import PasswordFileStore, StoreKind, parse_password_file, parse_steps


def _drive(steps: Generator[object, object, object]) -> tuple[object, int]:
    """Run blocking steps in place and count the slices (None) a loop would have served sessions in."""
    sent: object = None
    slices = 0
    while True:
        try:
            step = steps.send(sent)
        except StopIteration as done:
            return done.value, slices
        if step is None:
            slices += 1
            sent = None
        else:
            sent = step()  # type: ignore[operator]


def _users(path: Path, count: int, extra: str = "") -> None:
    path.write_text("".join(f"user{n:06d}:pw{n}\n" for n in range(count)) + extra)


def test_parse_steps_answers_as_parse_password_file_does() -> None:
    text = b"#c\nalice:one\n\nbob:two:three\n" * 1 + b"".join(b"u%05d:p\n" % n for n in range(5000))
    (entries, problems), slices = _drive(parse_steps(text, StoreKind.FILE, chunk=1024))  # type: ignore[misc]
    assert slices > 10
    expected, expected_problems = parse_password_file(text, StoreKind.FILE)
    assert dict(entries) == dict(expected) and problems == expected_problems


def test_a_file_with_problems_is_explained_the_same_way_in_steps() -> None:
    text = b"alice:one\nnocolon\nalice:again\n"
    result, _ = _drive(parse_steps(text, StoreKind.FILE, chunk=4))
    assert result == parse_password_file(text, StoreKind.FILE)


def test_a_big_file_reloads_in_slices_and_then_serves_the_new_contents(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    _users(path, 20_000)
    store = PasswordFileStore("file:passwd", path, StoreKind.FILE)
    _users(path, 20_000, "newcomer:fresh\n")
    steps = store.refresh_steps()
    fresh, slices = _drive(steps)
    assert fresh is True and slices > 5
    assert store.cleartext("newcomer") == "fresh" and store.cleartext("user000001") == "pw1"
    assert _drive(store.refresh_steps()) == (False, 0)  # unchanged: one stat, no parse


def test_a_reload_abandoned_half_way_leaves_the_old_contents_and_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    _users(path, 20_000)
    store = PasswordFileStore("file:passwd", path, StoreKind.FILE)
    _users(path, 20_000, "newcomer:fresh\n")
    steps = store.refresh_steps()
    read = steps.send(None)  # the stat and read, a blocking step
    assert steps.send(read()) is None  # type: ignore[operator]  # the first slice of the parse
    assert steps.send(None) is None  # in the middle of the parse
    steps.close()  # the server was stopped, or the task cancelled
    assert store.cleartext("newcomer") is None and store.cleartext("user000001") == "pw1"
    assert store.refresh() is True and store.cleartext("newcomer") == "fresh"


def test_credentials_refresh_steps_reports_the_reloaded_stores(tmp_path: Path) -> None:
    _users(tmp_path / "passwd", 10)
    creds = Credentials(tmp_path)
    creds.open_all([MechanismSpec("PLAIN", "file:passwd")])
    assert _drive(creds.refresh_steps())[0] == []
    _users(tmp_path / "passwd", 10, "newcomer:fresh\n")
    assert _drive(creds.refresh_steps())[0] == ["file:passwd"]
    assert creds.store("file:passwd").cleartext("newcomer") == "fresh"  # type: ignore[union-attr]
