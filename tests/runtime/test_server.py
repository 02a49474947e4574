"""The asyncio server on loopback, driven by Python's smtplib: AUTH, relaying, Maildir, acctlog, reloads."""

from __future__ import annotations

import asyncio
import dataclasses
import smtplib
import socket

import pytest

from ecconf.runtime.config import MechanismSpec

MESSAGE = "From: alice@b.example\r\nSubject: test\r\n\r\nHello.\r\n..dot line\r\n"


def client(running) -> smtplib.SMTP:
    smtp = smtplib.SMTP("127.0.0.1", running.port, local_hostname="client.example", timeout=10)
    smtp.ehlo()
    return smtp


def login_with(smtp: smtplib.SMTP, mechanism: str, user: str, password: str) -> tuple[int, bytes]:
    smtp.user, smtp.password = user, password
    method = {"PLAIN": smtp.auth_plain, "LOGIN": smtp.auth_login, "CRAM-MD5": smtp.auth_cram_md5}[mechanism]
    return smtp.auth(mechanism, method, initial_response_ok=mechanism != "LOGIN")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_login_and_send(run_server, make_config, mechanism):
    running = run_server(make_config())
    with client(running) as smtp:
        assert smtp.has_extn("auth") and mechanism in smtp.esmtp_features["auth"].split()
        assert login_with(smtp, mechanism, "alice", "s3cret")[0] == 235
        assert smtp.sendmail("alice@b.example", ["x@y.example"], MESSAGE) == {}
    [stored] = running.maildir_messages()
    lines = stored.split("\n")
    assert lines[0] == f"Authentication-Results: mx.test; auth=pass ({mechanism}) smtp.auth=alice"
    assert lines[1] == "Received: from client.example ([127.0.0.1])"
    assert lines[2].startswith("\tby mx.test with ESMTPA id ")
    assert stored.endswith("Subject: test\n\nHello.\n..dot line\n")  # smtplib stuffed it, we unstuffed it
    acct = (running.config.acctlog_path).read_text().splitlines()
    assert len(acct) == 1
    when, kind, listener, peer, user, ok = acct[0].split("@")
    assert (kind, listener, user, ok) == ("N", "127.0.0.1:0", "alice", "1")
    assert peer.startswith("127.0.0.1:") and when.isdigit()


@pytest.mark.parametrize("user, password", [("alice", "wrong"), ("nobody", "s3cret")])
def test_bad_credentials(run_server, make_config, user, password):
    running = run_server(make_config())
    with client(running) as smtp:
        with pytest.raises(smtplib.SMTPAuthenticationError) as err:
            login_with(smtp, "PLAIN", user, password)
        assert err.value.smtp_code == 535
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            smtp.sendmail("a@b.example", ["x@y.example"], MESSAGE)
        assert refused.value.smtp_code == 530
    assert running.config.acctlog_path.read_text().endswith(f"@{user}@0\n")
    assert running.maildir_messages() == []


def test_utf8_sender_without_smtputf8_gets_553(run_server, make_config):
    running = run_server(make_config(mechanisms=(), listener_values={"open_relay": True}))
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as raw:
        reader = raw.makefile("rb")
        reader.readline()
        raw.sendall(b"EHLO client.example\r\n")
        while not reader.readline().startswith(b"250 "):
            pass
        raw.sendall("MAIL FROM:<jörg@example.de>\r\n".encode())
        assert reader.readline() == b"553 5.6.7 Non-ASCII addresses not permitted for that sender (no SMTPUTF8)\r\n"
        raw.sendall(b"MAIL FROM:<joerg@example.de>\r\n")
        assert reader.readline() == b"250 2.1.0 Sender OK\r\n"


def test_relaying_denied_without_auth_offered(run_server, make_config):
    running = run_server(make_config(mechanisms=()))
    with client(running) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as err:
            smtp.sendmail("a@b.example", ["x@y.example"], MESSAGE)
        assert err.value.recipients["x@y.example"] == (550, b"5.7.1 Relaying denied")


@pytest.mark.parametrize(
    "config",
    [
        {"listener_values": {"relay_hosts": ("127.0.0.0/8",)}},
        {"listen_values": {"open_relay": True}},
        # Peer override: ESMTP_Listener::Peer 127.0.0.1/32 opens relaying for that client only.
        {"peers": (("10.0.0.0/8", {"open_relay": False}), ("127.0.0.1/32", {"open_relay": True}))},
    ],
    ids=["relay-hosts", "open-relay", "peer-override"],
)
def test_relaying_allowed_without_auth(run_server, make_config, config):
    running = run_server(make_config(**config))
    with client(running) as smtp:
        assert smtp.sendmail("a@b.example", ["x@y.example"], MESSAGE) == {}
    [stored] = running.maildir_messages()
    assert stored.startswith("Authentication-Results: mx.test; auth=none\nReceived: ")
    assert "with ESMTP id" in stored


def test_listen_value_beats_listener_peer(run_server, make_config):
    # Listen > ESMTP_Listener::Peer: the Listen scope's open_relay = false wins over the peer's true.
    running = run_server(
        make_config(listen_values={"open_relay": False}, peers=(("127.0.0.0/8", {"open_relay": True}),))
    )
    with client(running) as smtp:
        with pytest.raises(smtplib.SMTPSenderRefused):
            smtp.sendmail("a@b.example", ["x@y.example"], MESSAGE)


def test_password_change_is_picked_up_without_restart(run_server, make_config, tmp_path):
    running = run_server(make_config())
    new = tmp_path / "passwd.new"
    new.write_text("alice:changed-password\n")
    new.replace(tmp_path / "passwd")
    assert running.run(running.server.refresh_stores()) == ["file:passwd"]
    with client(running) as smtp:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            login_with(smtp, "PLAIN", "alice", "s3cret")
        assert login_with(smtp, "PLAIN", "alice", "changed-password")[0] == 235


def test_periodic_refresh(run_server, make_config, tmp_path):
    running = run_server(dataclasses.replace(make_config(), store_refresh_interval=0.05))
    new = tmp_path / "passwd.new"
    new.write_text("alice:rotated\n")
    new.replace(tmp_path / "passwd")
    store = running.server.credentials.store("file:passwd")
    for _ in range(200):  # bounded wait for the background refresh (0.05 s period)
        if store.cleartext("alice") == "rotated":
            break
        running.run(asyncio.sleep(0.05))
    assert store.cleartext("alice") == "rotated"


def test_spool_failure_answers_451(run_server, make_config, tmp_path):
    running = run_server(make_config(listen_values={"open_relay": True}))
    new = running.config.spool_base / "new"
    new.rmdir()
    new.write_text("not a directory")
    with client(running) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as err:
            smtp.sendmail("a@b.example", ["x@y.example"], MESSAGE)
        assert err.value.smtp_code == 451
    assert list((running.config.spool_base / "tmp").iterdir()) == []


def test_listener_sessions_cap(run_server, make_config):
    running = run_server(make_config(listener_values={"listener_sessions": 1}))
    with client(running):
        with pytest.raises(smtplib.SMTPConnectError) as err:
            smtplib.SMTP("127.0.0.1", running.port, timeout=10)
        assert (err.value.smtp_code, err.value.smtp_error) == (
            421,
            b"4.4.5 Service unavailable, concurrency limit reached.",
        )
    # Once the first session is gone, a new one is welcome again.
    with client(running) as smtp:
        assert smtp.noop()[0] == 250


def test_idle_timeout(run_server, make_config):
    running = run_server(make_config(listener_values={"idle_time": 0.2}))
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220 ")
        assert reader.readline() == b"421 4.4.2 mx.test Idle timeout, closing connection\r\n"
        assert reader.readline() == b""


def test_unix_socket_listener(run_server, make_config, tmp_path):
    path = tmp_path / "smtp.sock"
    running = run_server(make_config(listen=str(path), listen_values={"open_relay": True}))
    assert running.address() == str(path)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(str(path))
        reader = sock.makefile("rb")
        assert reader.readline() == b"220 mx.test ESMTP ready\r\n"
        sock.sendall(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n")
        replies = reader.read().splitlines()  # the server closes after QUIT
    assert replies[-2].startswith(b"250 2.0.0 Message accepted")
    assert replies[-1] == b"221 2.0.0 mx.test closing connection"
    assert "Received: from c ([local])" in running.maildir_messages()[0]


def test_ipv6_listener(run_server, make_config):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        running = run_server(make_config(listen="[::1]:0"))
    except OSError:
        pytest.skip("cannot bind ::1")
    host, port = running.address()
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        assert smtp.ehlo()[0] == 250


def test_disabled_listener_opens_no_socket(run_server, make_config):
    running = run_server(make_config(listen_values={"enable": False}))
    assert running.server.addresses == {}


def test_cancelled_auth_and_bad_base64_over_the_wire(run_server, make_config):
    running = run_server(make_config())
    with client(running) as smtp:
        assert smtp.docmd("AUTH", "LOGIN") == (334, b"VXNlcm5hbWU6")
        assert smtp.docmd("*") == (501, b"5.7.0 Authentication cancelled")
        assert smtp.docmd("AUTH", "PLAIN %%%") == (501, b"5.5.2 Cannot decode base64 response")
        assert smtp.docmd("AUTH", "NTLM") == (504, b"5.5.4 Unrecognized authentication type")
        assert login_with(smtp, "PLAIN", "alice", "s3cret")[0] == 235
    outcomes = [line.rsplit("@", 2)[1:] for line in running.config.acctlog_path.read_text().splitlines()]
    assert outcomes == [["", "0"], ["", "0"], ["alice", "1"]]


def test_acctlog_only_when_log_authentication(run_server, make_config):
    quiet = {"PLAIN": MechanismSpec("PLAIN", "file:passwd")}
    running = run_server(make_config(mechanisms=("PLAIN",), listener_values={"auth": quiet}))
    with client(running) as smtp:
        assert login_with(smtp, "PLAIN", "alice", "s3cret")[0] == 235
    assert not running.config.acctlog_path.exists()


def test_stop_says_goodbye_to_idle_sessions(run_server, make_config):
    running = run_server(make_config())
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220 ")
        running.run(running.server.stop(2.0))
        assert reader.readline() == b"421 4.3.2 mx.test Service shutting down, closing connection\r\n"
        assert reader.readline() == b""


def test_half_closed_client_still_gets_its_replies(run_server, make_config):
    running = run_server(make_config())
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(b"EHLO c\r\nNOOP\r\nQUIT\r\n")
        sock.shutdown(socket.SHUT_WR)
        answer = sock.makefile("rb").read()
    assert answer.endswith(b"250 2.0.0 OK\r\n221 2.0.0 mx.test closing connection\r\n")


def test_start_fails_cleanly_when_a_port_is_taken(run_server, make_config):
    first = run_server(make_config())
    taken = f"127.0.0.1:{first.port}"
    with pytest.raises(OSError):
        run_server(make_config(listen=taken))
