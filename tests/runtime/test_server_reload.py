"""Server.reload: new sessions get the new config, sessions in flight finish under the old one; listeners are
added, removed or kept by address; a reload that cannot be carried out changes nothing."""

from __future__ import annotations

import dataclasses
import smtplib
import socket

import pytest

from ecconf.runtime.config import ListenAddress, ListenerSpec

HOST = "mx.test"  # the host name make_config uses


def banner(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        return sock.makefile("rb").readline()


def with_listener(config, listen: str, **values):
    """`config` plus one more Listen (sharing the ESMTP_Listener layer of the first one)."""
    first = config.listeners[0]
    extra = ListenerSpec(listen, ListenAddress.parse(listen), (type(first.layers[0])(values), *first.layers[1:]))
    return dataclasses.replace(config, listeners=(*config.listeners, extra))


def test_new_sessions_get_the_new_config_and_sessions_in_flight_finish_under_the_old(run_server, make_config, tmp_path):
    old = make_config(listen_values={"open_relay": True})
    running = run_server(old)
    port = running.port
    in_flight = socket.create_connection(("127.0.0.1", port), timeout=10)
    reader = in_flight.makefile("rb")
    assert reader.readline() == f"220 {HOST} ESMTP ready\r\n".encode()
    in_flight.sendall(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\nSubject: old\r\n")
    new = dataclasses.replace(
        make_config(listen_values={"open_relay": True, "banner_hostname": "new.example"}),
        spool_base=tmp_path / "spool2",
        hostname="new.example",
    )
    result = running.run(running.server.reload(new))
    assert result.added == {} and result.removed == ()
    assert running.port == port  # the same socket: nobody was refused during the reload
    assert banner(port) == b"220 new.example ESMTP ready\r\n"
    in_flight.sendall(b"\r\nbody\r\n.\r\nQUIT\r\n")
    answers = reader.read().split(b"\r\n")
    assert b"250 2.0.0 Message accepted" in b"\n".join(answers) and answers[-2].startswith(b"221 2.0.0 mx.test")
    in_flight.close()
    [stored] = list((tmp_path / "spool" / "new").iterdir())  # the old session's spool and host name
    assert "by mx.test with ESMTP" in stored.read_text()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("a@b.example", ["x@y.example"], "Subject: new\r\n\r\nbody\r\n")
    [stored] = list((tmp_path / "spool2" / "new").iterdir())
    assert "by new.example with ESMTP" in stored.read_text()


def test_listeners_are_added_and_removed(run_server, make_config, tmp_path):
    sock_path = tmp_path / "smtp.sock"
    running = run_server(with_listener(make_config(), str(sock_path)))
    assert sock_path.exists()
    tcp_only = make_config()
    result = running.run(running.server.reload(tcp_only))
    assert result.removed == (str(sock_path),) and not sock_path.exists()
    assert list(running.server.addresses) == ["127.0.0.1:0"]
    result = running.run(running.server.reload(with_listener(tcp_only, "127.0.0.2:0")))
    [(name, (host, port))] = result.added.items()
    assert name == "127.0.0.2:0" and host == "127.0.0.2"
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        assert smtp.ehlo()[0] == 250
    assert banner(running.port).startswith(b"220 ")  # the kept listener never stopped


def test_a_broken_certificate_refuses_the_reload_and_changes_nothing(run_server, make_config, tmp_path):
    running = run_server(make_config())
    before = dict(running.server.addresses)
    broken = with_listener(
        make_config(listener_values={"banner_hostname": "new.example"}),
        "127.0.0.2:0",
        tls_certificate=tmp_path / "missing-cert.pem",
        tls_key=tmp_path / "missing-key.pem",
    )
    with pytest.raises(OSError):
        running.run(running.server.reload(broken))
    assert running.server.addresses == before
    assert banner(running.port) == f"220 {HOST} ESMTP ready\r\n".encode()


def test_a_port_in_use_refuses_the_reload_and_unbinds_what_it_had_bound(run_server, make_config, tmp_path):
    running = run_server(make_config())
    other = socket.socket()
    other.bind(("127.0.0.2", 0))
    other.listen()
    taken = f"127.0.0.2:{other.getsockname()[1]}"
    sock_path = tmp_path / "new.sock"
    config = with_listener(with_listener(make_config(), str(sock_path)), taken)
    with pytest.raises(OSError):
        running.run(running.server.reload(config))
    other.close()
    assert not sock_path.exists()  # bound during the attempt, closed again
    assert list(running.server.addresses) == ["127.0.0.1:0"]
