"""Accounting-log lines: format, escaping, appending."""

from __future__ import annotations

import threading

from ecconf.runtime.acctlog import Appender, client_field, escape, format_line


def test_line_format():
    assert format_line(1700000000.9, "127.0.0.1:25", "192.0.2.7:4000", "alice", True) == (
        "1700000000@N@127.0.0.1:25@192.0.2.7:4000@alice@1\n"
    )
    assert format_line(5, "l", "c", "bob", False, timeout=True) == "5@T@l@c@bob@0\n"


def test_escaping_keeps_fields_and_lines_apart():
    assert escape("a@b\\c") == "a\\@b\\\\c"
    assert escape("x\ny\x7f") == "x\\x0ay\\x7f"
    line = format_line(1, "l", "c", "evil@user\n1@N@x", False)
    assert line.count("\n") == 1
    assert line.replace("\\@", "").count("@") == 5


def test_client_field():
    assert client_field("192.0.2.7", 25) == "192.0.2.7:25"
    assert client_field("2001:db8::1", 25) == "[2001:db8::1]:25"
    assert client_field("", 0) == "local"


def _append_once(path, line):
    appender = Appender()
    appender.append(path, line)
    appender.close()


def test_append_from_many_threads_keeps_lines_whole(tmp_path):
    path = tmp_path / "acct"
    lines = [format_line(i, "listener", "c:1", f"user{i}" * 20, i % 2 == 0) for i in range(200)]
    # One Appender a thread: each is a writer of its own, as the workers of `serve --workers N` are.
    threads = [threading.Thread(target=_append_once, args=(path, line)) for line in lines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(path.read_text().splitlines(keepends=True)) == sorted(lines)


def test_no_line_separator_survives_any_cleaner():
    """Finding: U+0085 and U+2028 passed the acctlog, header and reply cleaners (splitlines() found 15 acctlog
    lines instead of 13). Every character str.splitlines() breaks on is cleaned by all three."""
    from ecconf.runtime import headers, replies

    breakers = [chr(c) for c in range(0x110000) if len(("a" + chr(c) + "b").splitlines()) > 1]
    assert "\x85" in breakers and "\u2028" in breakers and "\u2029" in breakers
    for ch in breakers:
        text = f"x{ch}y"
        assert len(escape(text).splitlines()) == 1, repr(ch)
        assert len(headers._clean(text).splitlines()) == 1, repr(ch)
        assert len(replies.Reply(250, "2.0.0", "{v}").format(v=text).render(True).decode().splitlines()) == 1, repr(ch)


def test_a_store_that_could_not_answer_adds_the_error_field() -> None:
    assert format_line(5, "l", "c", "bob", False, error=True) == "5@N@l@c@bob@0@error\n"
    assert format_line(5, "l", "c", "bob", True, error=True) == "5@N@l@c@bob@1\n"  # a success is never an error


def _open_descriptors_of(path) -> int:
    import os

    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(str(path)):
                count += 1
        except OSError:
            continue
    return count


def test_the_appender_keeps_one_descriptor_and_follows_a_rotation(tmp_path):
    log = tmp_path / "acct.log"
    appender = Appender()
    appender.append(log, "one\n")
    appender.append(log, "two\n")
    assert log.read_text() == "one\ntwo\n"
    assert _open_descriptors_of(log) == 1  # kept open, not one per batch
    log.rename(tmp_path / "acct.log.1")  # logrotate's default: rename, then the writer makes a new file
    appender.append(log, "three\n")
    assert (tmp_path / "acct.log.1").read_text() == "one\ntwo\n"
    assert log.read_text() == "three\n"
    log.unlink()  # removed outright: the next batch makes it again rather than writing to a ghost
    appender.append(log, "four\n")
    assert log.read_text() == "four\n"
    assert _open_descriptors_of(tmp_path) == 1
    appender.close()
    assert _open_descriptors_of(tmp_path) == 0


def test_the_appender_follows_a_copy_and_truncate_rotation(tmp_path):
    log = tmp_path / "acct.log"
    appender = Appender()
    appender.append(log, "old line\n")
    log.write_text("")  # logrotate copytruncate: same file, emptied; O_APPEND writes at its new end
    appender.append(log, "new line\n")
    appender.close()
    assert log.read_text() == "new line\n"
