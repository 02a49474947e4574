"""Sessions driven from the transport's callbacks, TLS ones too: no task while waiting, the disk's answers
resume them."""

from __future__ import annotations

import asyncio
import base64
import logging
import smtplib
import socket

import pytest

MESSAGE = "From: alice@b.example\r\nSubject: test\r\n\r\nHello.\r\n"


async def _tasks() -> int:
    return len(asyncio.all_tasks()) - 1  # not this one


def test_a_session_waiting_for_input_holds_no_task(run_server, make_config):
    running = run_server(make_config())
    before = running.run(_tasks())
    with smtplib.SMTP("127.0.0.1", running.port, local_hostname="client.example", timeout=10) as smtp:
        smtp.ehlo()
        smtp.login("alice", "s3cret")  # waits for the accounting log line on the disk thread
        smtp.mail("alice@b.example")  # in a transaction now
        assert running.run(_tasks()) == before
        smtp.rcpt("x@y.example")
        assert smtp.data(MESSAGE)[0] == 250  # waits for the spool write
        assert running.run(_tasks()) == before
    assert len(running.maildir_messages()) == 1


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_a_tls_session_waiting_for_input_holds_no_task_either(run_server, make_config, tls_files, client_context, tls):
    # The handshake is a task of its own, which ends with it: the session is driven as a plain one after it.
    values = {**tls_files, "smtp_extensions": ("ENHANCEDSTATUSCODES", "STARTTLS", "AUTH PLAIN")}
    if tls == "implicit":
        values = {**values, "use_ssl": True}
    running = run_server(make_config(listener_values=values))
    before = running.run(_tasks())
    if tls == "implicit":
        smtp = smtplib.SMTP_SSL("127.0.0.1", running.port, context=client_context, timeout=10)
    else:
        smtp = smtplib.SMTP("127.0.0.1", running.port, timeout=10)
        smtp.ehlo("client.example")
        smtp.starttls(context=client_context)
    with smtp:
        smtp.ehlo("client.example")
        smtp.login("alice", "s3cret")
        smtp.mail("alice@b.example")
        assert running.run(_tasks()) == before
        smtp.rcpt("x@y.example")
        assert smtp.data(MESSAGE)[0] == 250
        assert running.run(_tasks()) == before
    assert len(running.maildir_messages()) == 1


def test_an_unwritable_accounting_log_is_reported_and_the_session_goes_on(run_server, make_config, caplog):
    config = make_config()
    config.acctlog_path.mkdir()  # appending to a directory fails
    running = run_server(config)
    with caplog.at_level(logging.ERROR), smtplib.SMTP("127.0.0.1", running.port, timeout=10) as smtp:
        smtp.ehlo("client.example")
        assert smtp.login("alice", "s3cret")[0] == 235
        assert smtp.sendmail("alice@b.example", ["x@y.example"], MESSAGE) == {}
    assert len(running.maildir_messages()) == 1
    assert any("cannot write accounting log" in r.getMessage() for r in caplog.records)


def test_replies_before_a_message_go_out_before_its_250(run_server, make_config):
    running = run_server(make_config())
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        auth = base64.b64encode(b"\0alice\0s3cret").decode()
        dialogue = f"EHLO c\r\nAUTH PLAIN {auth}\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n"
        sock.sendall(dialogue.encode() + b"Subject: s\r\n\r\nHi.\r\n.\r\nQUIT\r\n")  # all at once
        codes = [line[:4] for line in sock.makefile("rb").read().split(b"\r\n") if line[3:4] == b" "]
    assert codes == [b"220 ", b"250 ", b"235 ", b"250 ", b"250 ", b"354 ", b"250 ", b"221 "]
    assert len(running.maildir_messages()) == 1
