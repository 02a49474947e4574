"""Config objects: Listen address forms, normalisation, validation."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from ecconf.runtime.config import (
    HARD_MESSAGE_CAP,
    ListenAddress,
    MechanismSpec,
    PolicyLayer,
    ServerConfig,
    SessionPolicy,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        (":25", ListenAddress("tcp", "0.0.0.0", 25)),
        ("*:25", ListenAddress("tcp", "0.0.0.0", 25)),
        ("127.0.0.1:2525", ListenAddress("tcp", "127.0.0.1", 2525)),
        ("[::]:25", ListenAddress("tcp", "::", 25)),
        ("[*]:25", ListenAddress("tcp", "::", 25)),  # Momentum's documented every-IPv6-address form
        ("[::0]:25", ListenAddress("tcp", "::", 25)),  # one socket, one key, however it is spelled
        ("[2001:db8::1]:587", ListenAddress("tcp", "2001:db8::1", 587)),
        ("/tmp/2025", ListenAddress("unix", path="/tmp/2025")),
    ],
)
def test_listen_address_forms(text, expected):
    assert ListenAddress.parse(text) == expected


@pytest.mark.parametrize("text", ["25", "127.0.0.1", "[::1]25", "host.example:25", "1.2.3.4:99999", "[::1]:x"])
def test_bad_listen_addresses(text):
    with pytest.raises(ValueError):
        ListenAddress.parse(text)


def test_session_policy_normalises_values(tmp_path):
    policy = SessionPolicy(
        smtp_extensions=["auth  plain", "ENHANCEDSTATUSCODES", "AUTH LOGIN PLAIN"],
        relay_hosts=["10.0.0.1/8", "::1"],
        auth={"plain": MechanismSpec("plain", "file:x")},
        tls_certificate=str(tmp_path / "c"),
    )
    assert policy.relay_hosts == (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))
    assert policy.listed_mechanisms == ("PLAIN", "LOGIN")
    assert policy.has_extension("enhancedstatuscodes") and not policy.has_extension("STARTTLS")
    assert set(policy.auth) == {"PLAIN"} and policy.auth["PLAIN"].name == "PLAIN"
    assert policy.tls_certificate == tmp_path / "c" and not policy.tls_available
    with pytest.raises(TypeError):
        policy.auth["LOGIN"] = MechanismSpec("LOGIN", "file:x")  # type: ignore[index]


@pytest.mark.parametrize(
    "values, message",
    [
        ({"max_auth_failures": 2}, "max_auth_failures must be at least 3"),  # RFC 4954: not before 3
        ({"max_unknown_commands": 0}, "max_unknown_commands"),
        ({"bare_lf": "maybe"}, "bare_lf must be one of accept, reject"),
        ({"data_deadline": -1.0}, "data_deadline must not be negative"),
        ({"greeting_delay": float("nan")}, "greeting_delay"),
        ({"auth_penalty_half_life": 0.0}, "auth_penalty_half_life must be positive"),
    ],
)
def test_policy_limits_are_validated(values, message):
    with pytest.raises(ValueError, match=message):
        SessionPolicy(**values)


def test_message_size_limit_has_a_hard_cap_when_unlimited():
    assert SessionPolicy(max_message_size=0).message_size_limit == HARD_MESSAGE_CAP == 64 * 1024 * 1024
    assert SessionPolicy(max_message_size=1000).message_size_limit == 1000


def test_policy_layer_rejects_unknown_keys():
    with pytest.raises(ValueError, match="not a session policy field: hostname"):
        PolicyLayer({"hostname": "x"})
    with pytest.raises(ValueError, match="relay_host"):
        PolicyLayer(peers=(("10.0.0.0/8", {"relay_host": ()}),))


def test_policy_layer_parses_peer_networks():
    layer = PolicyLayer(peers=(("10.1.2.3/8", {"open_relay": True}),))
    assert layer.peers[0][0] == ipaddress.ip_network("10.0.0.0/8")


def test_server_config_paths():
    config = ServerConfig("mx", "spool", (), acctlog_path="acct", base_dir="/etc")  # type: ignore[arg-type]
    assert (config.spool_base, config.acctlog_path, config.base_dir) == (Path("spool"), Path("acct"), Path("/etc"))
