"""Proxy_Protocol on a real loopback server: the client a PROXY header names is the client everywhere
(Received, Authentication-Results, the envelope, the acctlog, Peer fallback, relaying, the per-address cap,
the AUTH penalty), and every connection without an acceptable header is closed before any banner."""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import struct
import time

import pytest
from serving import connect

from ecconf.runtime.proxy_protocol import V2_SIGNATURE

PROXIED = {"proxy_protocol": True, "proxy_protocol_timeout": 5}
GOOD = base64.b64encode(b"\0alice\0s3cret").decode()
BAD = base64.b64encode(b"\0alice\0wrong").decode()
LOG = "ecconf.runtime.server"


def v1(client: str = "192.0.2.7", port: int = 40000) -> bytes:
    family = "TCP6" if ":" in client else "TCP4"
    server = "2001:db8::1" if family == "TCP6" else "10.0.0.5"
    return f"PROXY {family} {client} {server} {port} 25\r\n".encode()


def v2(client: str = "192.0.2.7", port: int = 40000, command: int = 0x21) -> bytes:
    body = ipaddress.IPv4Address(client).packed + ipaddress.IPv4Address("10.0.0.5").packed
    body += struct.pack("!HH", port, 25) + bytes([0x05]) + struct.pack("!H", 3) + b"abc"  # a TLV to skip
    return V2_SIGNATURE + bytes([command, 0x11]) + struct.pack("!H", len(body)) + body


def proxied(port: int, header: bytes, source: str = "127.0.0.1"):
    sock, reader = connect(port, source)
    sock.sendall(header)
    return sock, reader


def ehlo(sock, reader) -> None:
    sock.sendall(b"EHLO client.example\r\n")
    while reader.readline()[3:4] == b"-":
        pass


def refused(sock, reader) -> bytes:
    """What the server said before it closed the connection: nothing, for a refused header (a close with
    the client's bytes unread is a reset)."""
    try:
        said = reader.read()
    except ConnectionResetError:
        said = b""
    sock.close()
    return said


@pytest.mark.parametrize("header", [v1(), v2()], ids=["v1", "v2"])
def test_the_header_names_the_client_in_every_record(run_server, make_config, header):
    running = run_server(make_config(listen_values=PROXIED))
    sock, reader = proxied(running.port, header)
    assert reader.readline().startswith(b"220 mx.test")
    ehlo(sock, reader)
    for line in (f"AUTH PLAIN {GOOD}", "MAIL FROM:<alice@b.example>", "RCPT TO:<x@y.example>", "DATA"):
        sock.sendall(line.encode() + b"\r\n")
        assert reader.readline()[:1] in (b"2", b"3")
    sock.sendall(b"Subject: t\r\n\r\nhi\r\n.\r\nQUIT\r\n")
    assert reader.readline().startswith(b"250 ")
    sock.close()
    assert running.wait_until(lambda: len(list((running.config.spool_base / "envelope").iterdir())) == 1)
    [stored] = running.maildir_messages()
    assert "Received: from client.example ([192.0.2.7])" in stored
    assert stored.startswith("Authentication-Results: mx.test; auth=pass (PLAIN) smtp.auth=alice")
    [sidecar] = (running.config.spool_base / "envelope").iterdir()
    assert json.loads(sidecar.read_text())["client"] == {"ip": "192.0.2.7", "port": 40000}
    [acct] = running.config.acctlog_path.read_text().splitlines()
    assert acct.split("@")[3] == "192.0.2.7:40000"


def test_what_follows_the_header_in_its_segment_is_the_sessions(run_server, make_config):
    running = run_server(make_config(listen_values=PROXIED))
    sock, reader = proxied(running.port, v1() + b"EHLO early.example\r\nQUIT\r\n")
    assert reader.readline().startswith(b"220 ")
    assert reader.readline().startswith(b"250-mx.test")
    while reader.readline().startswith(b"250-"):
        pass
    assert reader.readline().startswith(b"221 ")
    sock.close()


def test_peer_scopes_and_relay_hosts_follow_the_proxied_client(run_server, make_config):
    peers = (("192.0.2.0/24", {"banner_hostname": "peer.example", "relay_hosts": ("192.0.2.0/24",)}),)
    running = run_server(make_config(listen_values=PROXIED, peers=peers))
    for client, banner, mail in (("192.0.2.7", b"peer.example", b"250"), ("198.51.100.9", b"mx.test", b"530")):
        sock, reader = proxied(running.port, v1(client))
        assert reader.readline().split()[1] == banner
        ehlo(sock, reader)
        sock.sendall(b"MAIL FROM:<a@b.example>\r\n")
        assert reader.readline()[:3] == mail  # a relay host may send without AUTH; another must log in
        sock.close()


def test_the_per_address_cap_counts_the_proxied_client_not_the_proxy(run_server, make_config):
    running = run_server(make_config(listen_values=PROXIED, listener_values={"max_connections_per_address": 1}))
    first = proxied(running.port, v1("192.0.2.7", 1))
    assert first[1].readline().startswith(b"220 ")
    second = proxied(running.port, v1("192.0.2.7", 2))
    assert second[1].readline().startswith(b"421 4.7.0 Too many connections")
    other = proxied(running.port, v1("192.0.2.8", 3))  # the same proxy, another client: served
    assert other[1].readline().startswith(b"220 ")
    for sock, _reader in (first, second, other):
        sock.close()


def test_the_auth_penalty_falls_on_the_proxied_client(run_server, make_config):
    running = run_server(make_config(listen_values=PROXIED))
    sock, reader = proxied(running.port, v2("192.0.2.7"))
    assert reader.readline().startswith(b"220 ")
    ehlo(sock, reader)
    sock.sendall(f"AUTH PLAIN {BAD}\r\n".encode())
    assert reader.readline().startswith(b"535 ")
    sock.close()
    from ecconf.runtime.penalty import PenaltyRule

    rule = PenaltyRule(1.0, 30.0, 300.0)
    assert running.server.penalty.score("192.0.2.7", rule) > 0.9
    assert running.server.penalty.score("127.0.0.1", rule) == 0.0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"EHLO direct.example\r\n", "does not start with a PROXY header"),  # missing: a direct client
        (b"PROXY TCP4 192.0.2.7 10.0.0.5 99999 25\r\n", "bad port"),  # malformed
        (b"PROXY UNKNOWN " + b"x" * 200, "longer than 107 bytes"),  # oversized v1
        (V2_SIGNATURE + b"\x21\x11\xff\xff", "more than 2048"),  # oversized v2 (length field)
        (b"PROXY UNKNOWN\r\n", "UNKNOWN header names no client"),
        (V2_SIGNATURE + b"\x21\x00\x00\x00", "UNSPEC header names no client"),
    ],
    ids=["missing", "malformed", "oversized-v1", "oversized-v2", "v1-unknown", "v2-unspec"],
)
def test_a_bad_header_is_closed_without_a_banner_and_logged(run_server, make_config, caplog, data, reason):
    caplog.set_level(logging.WARNING, logger=LOG)
    running = run_server(make_config(listen_values=PROXIED))
    assert refused(*proxied(running.port, data)) == b""
    assert running.wait_until(lambda: any(reason in r.getMessage() for r in caplog.records))
    [line] = [r.getMessage() for r in caplog.records if reason in r.getMessage()]
    assert "refusing 127.0.0.1:" in line  # the proxy's address: no client was named
    assert running.server.active_sessions(running.config.listeners[0].name) == 0


def test_a_v2_local_health_check_is_closed_without_a_banner_quietly(run_server, make_config, caplog):
    caplog.set_level(logging.DEBUG, logger=LOG)
    running = run_server(make_config(listen_values=PROXIED))
    assert refused(*proxied(running.port, v2(command=0x20))) == b""
    assert running.wait_until(lambda: any("LOCAL" in r.getMessage() for r in caplog.records))
    [record] = [r for r in caplog.records if "LOCAL" in r.getMessage()]
    assert record.levelno == logging.DEBUG  # a health check every few seconds must not fill the log


def test_a_silent_or_slow_header_is_closed_at_the_timeout(run_server, make_config, caplog):
    caplog.set_level(logging.WARNING, logger=LOG)
    running = run_server(make_config(listen_values={**PROXIED, "proxy_protocol_timeout": 0.5}))
    silent = connect(running.port)
    slow = proxied(running.port, b"PROXY TCP4 ")
    started = time.monotonic()
    for piece in (b"192.0.2.7 ", b"10.0.0.5 "):  # each piece within the timeout: the deadline is for all
        slow[0].sendall(piece)
    assert refused(*silent) == b"" and refused(*slow) == b""
    assert time.monotonic() - started < 4.0  # at the timeout (0.5 s), not never
    assert running.wait_until(lambda: sum("in time" in r.getMessage() for r in caplog.records) == 2)


def test_a_trusted_list_refuses_other_sources_and_serves_its_own(run_server, make_config, caplog):
    caplog.set_level(logging.WARNING, logger=LOG)
    values = {**PROXIED, "proxy_protocol_trusted": ("127.0.0.2/32",)}
    running = run_server(make_config(listen_values=values))
    assert refused(*proxied(running.port, v1())) == b""
    assert running.wait_until(lambda: any("not a trusted PROXY source" in r.getMessage() for r in caplog.records))
    sock, reader = proxied(running.port, v1(), source="127.0.0.2")
    assert reader.readline().startswith(b"220 ")
    sock.close()


def test_proxy_protocol_set_in_a_peer_scope_applies_to_that_proxy_only(run_server, make_config):
    running = run_server(make_config(peers=(("127.0.0.2/32", PROXIED),)))
    sock, reader = proxied(running.port, v1("192.0.2.7"), source="127.0.0.2")
    assert reader.readline().startswith(b"220 ")
    sock.close()
    sock, reader = connect(running.port)  # a direct client from another address: no header expected
    assert reader.readline().startswith(b"220 ")
    sock.close()


def test_stopping_closes_connections_still_waiting_for_their_header(run_server, make_config):
    running = run_server(make_config(listen_values=PROXIED))
    sock, reader = proxied(running.port, b"PROXY ")
    assert running.wait_until(lambda: len(running.server._intakes) == 1)
    running.run(running.server.stop(2.0))
    assert refused(sock, reader) == b""


def test_connections_waiting_for_a_header_are_capped_by_listener_sessions(run_server, make_config, caplog):
    caplog.set_level(logging.WARNING, logger=LOG)
    running = run_server(make_config(listen_values={**PROXIED, "listener_sessions": 2}))
    waiting = [proxied(running.port, b"PROXY ") for _ in range(2)]
    assert running.wait_until(lambda: len(running.server._intakes) == 2)
    assert refused(*proxied(running.port, b"PROXY ")) == b""  # a third holds no socket for the timeout
    assert any("2 connections already wait for a PROXY header" in r.getMessage() for r in caplog.records)
    sock, reader = waiting.pop()
    sock.sendall(b"TCP4 192.0.2.7 10.0.0.5 1 25\r\n")  # its header completes: a session, not a waiting one
    assert reader.readline().startswith(b"220 ")
    again = proxied(running.port, v1("192.0.2.8"))
    assert again[1].readline().startswith(b"220 ")
    for client in (*waiting, (sock, reader), again):
        client[0].close()
