"""to_json: typed values, what is left out and what is kept, key order, deterministic text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecconf.compiler.build import build
from ecconf.compiler.includes import load_text
from ecconf.compiler.models import Config, EsmtpListener, Listen
from ecconf.compiler.schema import SCHEMA_ID
from ecconf.compiler.to_json import dumps, to_json


def as_json(text: str) -> dict[str, Any]:
    loaded = load_text(text, "/cfg/ecelerity.conf")
    assert loaded.problems == []
    return to_json(build(loaded.root).config)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ('"yes"', True),
        ("on", True),
        ("enabled", True),
        ('"1"', True),
        ("false", False),
        ("No", False),
        ('"off"', False),
        ("disabled", False),
        ("0", False),
    ],
)
def test_booleans_in_every_spelling_become_json_booleans(written: str, expected: bool) -> None:
    data = as_json(f'ESMTP_Listener {{ Open_Relay = {written} Listen ":25" {{ Use_SSL = {written} }} }}')
    assert data["esmtp_listener"]["open_relay"] is expected
    assert data["esmtp_listener"]["listens"][0]["use_ssl"] is expected


def test_quoted_and_bare_numbers_become_json_numbers() -> None:
    data = as_json('ESMTP_Listener { Listener_Sessions = "50" Idle_Time = 30 Max_Message_Size = "0" }')
    listener = data["esmtp_listener"]
    assert (listener["listener_sessions"], listener["idle_time"], listener["max_message_size"]) == (50, 30, 0)


def test_documented_options_are_typed_by_their_default_and_others_kept_as_written() -> None:
    data = as_json(
        "Keep_Message_Dicts_In_Memory = yes\n"
        'ESMTP_Listener { Accept_Queue_Backlog = "16" sending_ip = ( 1.2.3.4 ) X_Custom = 7 }\n'
    )
    assert data["options"] == {"keep_message_dicts_in_memory": True}
    assert data["esmtp_listener"]["options"] == {"accept_queue_backlog": 16, "sending_ip": ["1.2.3.4"], "x_custom": "7"}


def test_every_option_and_scope_is_kept_with_lower_case_keys() -> None:
    data = as_json(
        'Domain "example.com" { Max_Outbound_Connections = 5 routes = ( "smtp://a" ) }\n'
        'ec_logger "acct" { acctlog = "/var/log/acct" Mode = "0600" }\n'
        'ESMTP_Listener { Listen ":25" { AuthPlainParameters = [ URI = "file:x" NAS-IP-Address = 1 ] } }\n'
    )
    assert data["scopes"] == [
        {
            "name": "Domain",
            "instance": "example.com",
            "options": {"max_outbound_connections": "5", "routes": ["smtp://a"]},
        }
    ]
    assert data["ec_loggers"] == [{"instance": "acct", "acctlog": "/var/log/acct", "options": {"mode": "0600"}}]
    params = data["esmtp_listener"]["listens"][0]["auth_plain_parameters"]
    assert params == {"uri": "file:x", "options": {"nas-ip-address": "1"}}


def test_unset_keys_and_empty_collections_are_left_out_but_written_empties_kept() -> None:
    data = as_json('ESMTP_Listener { Listen ":25" { SMTP_Extensions = ( ) AuthLoginParameters = [ ] } }')
    assert data == {
        "$schema": SCHEMA_ID,
        "esmtp_listener": {"listens": [{"address": ":25", "smtp_extensions": [], "auth_login_parameters": {}}]},
    }


def test_empty_config_is_only_the_schema_id() -> None:
    assert to_json(Config()) == {"$schema": SCHEMA_ID}


def test_identity_keys_come_first_and_options_keep_text_order() -> None:
    data = as_json('ESMTP_Listener { Listen ":25" { zeta = 1 Enable = true alpha = 2 Peer "10.0.0.0/8" { } } }')
    listen = data["esmtp_listener"]["listens"][0]
    assert list(listen) == ["address", "enable", "options", "peers"]
    assert list(listen["options"]) == ["zeta", "alpha"]
    assert list(data) == ["$schema", "esmtp_listener"]


def test_to_json_returns_data_the_caller_may_change() -> None:
    listen = Listen(address=":25", options={"x": ["a"]})
    config = Config(esmtp_listener=EsmtpListener(listens=[listen]))
    data = to_json(config)
    data["esmtp_listener"]["listens"][0]["options"]["x"].append("b")
    assert listen.options == {"x": ["a"]}


def test_dumps_is_indented_deterministic_and_ends_with_a_newline() -> None:
    text = 'Hostname = "mx.exämple.org"\nESMTP_Listener { Listen ":25" { } }\n'
    config = build(load_text(text, "/cfg/a.conf").root).config
    out = dumps(config)
    assert out == dumps(build(load_text(text, "/cfg/a.conf").root).config)
    assert out.endswith("}\n") and not out.endswith("\n\n")
    assert '\n  "hostname": "mx.exämple.org",\n' in out
    assert json.loads(out) == to_json(config)


def test_octal_file_mode_stays_the_string_written() -> None:
    data = as_json('ESMTP_Listener { File_Mode = 0660 Listen ":25" { } }')
    assert data["esmtp_listener"]["options"]["file_mode"] == "0660"
