"""STARTTLS and implicit TLS (Use_SSL) on loopback with a certificate made in the test."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import smtplib
import socket
import ssl

import pytest


def test_starttls_then_auth(run_server, make_config, tls_files, client_context):
    values = {**tls_files, "smtp_extensions": ("ENHANCEDSTATUSCODES", "STARTTLS", "AUTH PLAIN")}
    running = run_server(make_config(listener_values=values))
    with smtplib.SMTP("127.0.0.1", running.port, local_hostname="client.example", timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        assert smtp.starttls(context=client_context)[0] == 220
        smtp.ehlo()
        assert not smtp.has_extn("starttls")  # not offered twice
        smtp.login("alice", "s3cret")
        smtp.sendmail("a@b.example", ["x@y.example"], "Subject: t\r\n\r\nx\r\n")
    [stored] = running.maildir_messages()
    assert "with ESMTPSA id" in stored


def test_starttls_injection_is_discarded(run_server, make_config, tls_files, client_context):
    values = {**tls_files, "smtp_extensions": ("STARTTLS",), "open_relay": True}
    running = run_server(make_config(listener_values=values))
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as raw:
        reader = raw.makefile("rb")
        reader.readline()
        raw.sendall(b"EHLO c\r\n")
        while not reader.readline().startswith(b"250 "):
            pass
        raw.sendall(b"STARTTLS\r\nNOOP\r\n")  # the NOOP is plaintext riding along: it must never be answered
        assert reader.readline() == b"220 Ready to start TLS\r\n"
        with client_context.wrap_socket(raw, server_hostname="mx.test") as tls:
            tls.sendall(b"RSET\r\n")
            assert tls.recv(1024) == b"250 OK\r\n"


def test_implicit_tls(run_server, make_config, tls_files, client_context):
    values = {**tls_files, "use_ssl": True, "smtp_extensions": ("STARTTLS", "AUTH LOGIN")}
    running = run_server(make_config(listener_values=values))
    with smtplib.SMTP_SSL("127.0.0.1", running.port, context=client_context, timeout=10) as smtp:
        smtp.ehlo("client.example")
        assert not smtp.has_extn("starttls")
        smtp.login("alice", "s3cret")
        smtp.sendmail("a@b.example", ["x@y.example"], "Subject: t\r\n\r\nx\r\n")
    assert "with ESMTPSA id" in running.maildir_messages()[0]


def test_tls_protocols_limit(run_server, make_config, tls_files, client_context):
    values = {**tls_files, "use_ssl": True, "tls_protocols": ("TLSv1.3",)}
    running = run_server(make_config(listener_values=values))
    client_context.maximum_version = ssl.TLSVersion.TLSv1_2
    with pytest.raises((ssl.SSLError, ConnectionError)):
        smtplib.SMTP_SSL("127.0.0.1", running.port, context=client_context, timeout=10)


def test_plain_waits_for_starttls(run_server, make_config, tls_files, client_context):
    """Auth_Require_TLS unset with STARTTLS offered: no PLAIN before the handshake (RFC 4954 §4)."""
    values = {**tls_files, "smtp_extensions": ("ENHANCEDSTATUSCODES", "STARTTLS", "AUTH PLAIN CRAM-MD5")}
    running = run_server(make_config(listener_values=values))
    plain = base64.b64encode(b"\0alice\0s3cret").decode()
    with smtplib.SMTP("127.0.0.1", running.port, local_hostname="client.example", timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.esmtp_features["auth"].split() == ["CRAM-MD5"]
        assert smtp.docmd("AUTH", f"PLAIN {plain}") == (
            538,
            b"5.7.11 Encryption required for requested authentication mechanism",
        )
        assert smtp.starttls(context=client_context)[0] == 220
        smtp.ehlo()
        assert smtp.esmtp_features["auth"].split() == ["PLAIN", "CRAM-MD5"]
        assert smtp.docmd("AUTH", f"PLAIN {plain}")[0] == 235


def test_guessers_that_hang_up_after_starttls_free_their_slots(
    run_server, make_config, tls_files, client_context, caplog
):
    # After STARTTLS the session is driven as before it: its held answers wait in a timer, no task is left.
    values = {
        **tls_files,
        "smtp_extensions": ("ENHANCEDSTATUSCODES", "STARTTLS", "AUTH PLAIN"),
        "auth_penalty_base": 10.0,
        "auth_penalty_cap": 100_000.0,
        "auth_failure_delay": 0.0,
        "listener_sessions": 3,
    }
    running = run_server(make_config(listener_values=values))
    caplog.set_level(logging.INFO, logger="ecconf.runtime.server")
    name = running.config.listeners[0].name
    tasks = running.run(_tasks())
    bad = base64.b64encode(b"\0alice\0wrong").decode()
    for guess in range(6):  # twice Listener_Sessions; every answer after the first is held for minutes
        smtp = smtplib.SMTP("127.0.0.1", running.port, local_hostname="client.example", timeout=10)
        smtp.ehlo()
        smtp.starttls(context=client_context)
        smtp.ehlo()
        smtp.sock.sendall(f"AUTH PLAIN {bad}\r\n".encode())
        if guess == 0:
            assert smtp.getreply()[0] == 535  # the first failure is answered at once
        else:  # hang up once the answer is being held
            assert running.wait_until(lambda n=guess: _held(caplog) == n)
        smtp.close()
        assert running.wait_until(lambda: running.server.active_sessions(name) == 0)
        assert running.wait_until(lambda: running.run(_tasks()) == tasks)  # no task waits on for it
    good = smtplib.SMTP(
        "127.0.0.1", running.port, local_hostname="client.example", timeout=10, source_address=("127.0.0.2", 0)
    )
    with good as smtp:
        smtp.starttls(context=client_context)
        assert smtp.login("alice", "s3cret")[0] == 235  # the guesser's address is held back; this one is not


def _held(caplog) -> int:
    return sum("held back" in record.getMessage() for record in caplog.records)


async def _tasks() -> int:
    return len(asyncio.all_tasks()) - 1  # not this one


PROXY_V1 = b"PROXY TCP4 192.0.2.7 10.0.0.5 40000 465\r\n"


def test_implicit_tls_behind_a_proxy_header_sent_with_the_client_hello(run_server, make_config, tls_files, ca):
    values = {**tls_files, "use_ssl": True, "proxy_protocol": True, "open_relay": True}
    running = run_server(make_config(listen_values=values))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="mx.test")
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as raw:
        with pytest.raises(ssl.SSLWantReadError):
            tls.do_handshake()
        raw.sendall(PROXY_V1 + outgoing.read())  # one segment: the TLS layer must get the ClientHello too
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                raw.sendall(outgoing.read())
                data = raw.recv(65536)
                assert data, "closed during the handshake"
                incoming.write(data)
        raw.sendall(outgoing.read())
        while True:
            try:
                banner = tls.read(1024)
                break
            except ssl.SSLWantReadError:
                incoming.write(raw.recv(65536))
        assert banner.startswith(b"220 mx.test")
        tls.write(b"EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n")
        tls.write(b"Subject: t\r\n\r\nx\r\n.\r\nQUIT\r\n")
        raw.sendall(outgoing.read())
        said = b""
        while b"221 " not in said:
            data = raw.recv(65536)
            assert data, said
            incoming.write(data)
            with contextlib.suppress(ssl.SSLWantReadError):
                said += tls.read(65536)
    [stored] = running.maildir_messages()
    assert "Received: from client.example ([192.0.2.7])" in stored


def test_starttls_behind_a_proxy_header(run_server, make_config, tls_files, client_context):
    values = {**tls_files, "smtp_extensions": ("STARTTLS",), "proxy_protocol": True, "open_relay": True}
    running = run_server(make_config(listen_values=values))
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as raw:
        raw.sendall(PROXY_V1 + b"EHLO c\r\nSTARTTLS\r\n")
        reader = raw.makefile("rb")
        assert reader.readline().startswith(b"220 mx.test")
        while not reader.readline().startswith(b"250 "):
            pass
        assert reader.readline() == b"220 Ready to start TLS\r\n"
        with client_context.wrap_socket(raw, server_hostname="mx.test") as tls:
            tls.sendall(b"EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n")
            tls.sendall(b"Subject: t\r\n\r\nx\r\n.\r\nQUIT\r\n")
            said = b""
            while b"221 " not in said:
                data = tls.recv(65536)
                assert data, said
                said += data
    [stored] = running.maildir_messages()
    assert "Received: from client.example ([192.0.2.7])" in stored
