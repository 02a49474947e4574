"""to_text: spelling, quoting, layout, and the map from every line, name and value back to its JSON path."""

from __future__ import annotations

import pytest

from ecconf.compiler.build import build
from ecconf.compiler.includes import load_text
from ecconf.compiler.json_locate import json_path
from ecconf.compiler.models import (
    AuthParameters,
    Config,
    EcLogger,
    EsmtpListener,
    GenericScope,
    Listen,
    ListenerOptions,
    Peer,
    field_names,
)
from ecconf.compiler.to_text import SPELLING, STRUCTURE, key_text, quote, scalar, to_text
from ecconf.compiler.transform import unescape


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain", '"plain"'),
        ('say "hi"', r'"say \"hi\""'),
        (r"^bounces-\d+@", r'"^bounces-\d+@"'),
        ("ends with \\", r'"ends with \\"'),
        ('\\"', r'"\\\""'),
        ("two \\\\ here", r'"two \\\ here"'),
        ("line\nbreak", '"line\nbreak"'),
        ("", '""'),
    ],
)
def test_quote_escapes_only_what_the_parser_would_read_as_an_escape(value: str, written: str) -> None:
    assert quote(value) == written
    assert unescape(written) == value


def test_scalars_numbers_and_booleans_are_bare() -> None:
    assert [scalar(True), scalar(False), scalar(0), scalar(-3), scalar("7")] == ["true", "false", "0", "-3", '"7"']
    assert [scalar(10.0), scalar(0.25), scalar(1e-07)] == ["10", "0.25", "1e-07"]  # seconds, read back by float()
    for bad in (None, object()):
        with pytest.raises(TypeError):
            scalar(bad)
    for infinite in (float("inf"), float("nan")):
        with pytest.raises(ValueError):
            scalar(infinite)


def test_dictionary_keys_are_bare_when_plain_else_quoted() -> None:
    assert key_text("NAS-IP-Address") == "NAS-IP-Address"
    assert key_text("a b") == '"a b"'
    assert key_text("include") == '"include"'
    assert key_text("") == '""'


def test_every_typed_field_has_a_momentum_spelling_that_reads_back_to_it() -> None:
    for model in (Config, ListenerOptions, Peer, Listen, EsmtpListener, EcLogger, AuthParameters):
        missing = [f for f in field_names(model) if f not in STRUCTURE and f not in SPELLING]
        assert missing == [], f"{model.__name__}: no spelling for {missing}"
    for field, spelled in SPELLING.items():
        assert spelled.lower().replace("_", "") == field.replace("_", ""), field


def test_engine_options_get_momentum_spelling_others_lower_case() -> None:
    config = Config(
        hostname="mx",
        options={"keep_message_dicts_in_memory": True},
        esmtp_listener=EsmtpListener(
            listens=[
                Listen(
                    address=":25",
                    smtp_extensions=["AUTH CRAM-MD5"],
                    auth_cram_md5_parameters=AuthParameters(uri="file:x"),
                    options={"x_custom": "1"},
                )
            ]
        ),
    )
    assert to_text(config).text == (
        'Hostname = "mx"\n'
        "keep_message_dicts_in_memory = true\n"
        "\n"
        "ESMTP_Listener {\n"
        '  Listen ":25" {\n'
        '    SMTP_Extensions = ( "AUTH CRAM-MD5" )\n'
        "    AuthCramMD5Parameters = [\n"
        '      uri = "file:x"\n'
        "    ]\n"
        '    x_custom = "1"\n'
        "  }\n"
        "}\n"
    )


def test_empty_things_and_scopes_without_instance() -> None:
    config = Config(
        esmtp_listener=EsmtpListener(
            smtp_extensions=[],
            auth_plain_parameters=AuthParameters(),
            listens=[Listen(address=""), Listen(address="/tmp/s")],
            peers=[Peer(network="10.0.0.0/8", options={"d": {}})],
        ),
        ec_loggers=[EcLogger()],
        scopes=[GenericScope(name="Domain", instance="")],
    )
    assert to_text(config).text == (
        "ec_logger { }\n"
        "\n"
        "ESMTP_Listener {\n"
        "  SMTP_Extensions = ( )\n"
        "  AuthPlainParameters = [ ]\n"
        '  Peer "10.0.0.0/8" {\n'
        "    d = [ ]\n"
        "  }\n"
        "  Listen { }\n"
        '  Listen "/tmp/s" { }\n'
        "}\n"
        "\n"
        'Domain "" { }\n'
    )


def test_long_arrays_and_arrays_of_dictionaries_get_one_item_a_line() -> None:
    hosts = [f"10.{i}.0.0/16" for i in range(12)]
    config = Config(relay_hosts=hosts, options={"rules": [{"a": "1"}, "b"]})
    text = to_text(config).text
    assert text.startswith('Relay_Hosts = (\n  "10.0.0.0/16"\n  "10.1.0.0/16"\n')
    assert 'rules = (\n  [\n    a = "1"\n  ]\n  "b"\n)\n' in text
    assert all(len(line) <= 100 for line in text.splitlines())


def test_text_reads_back_without_problems() -> None:
    config = Config(
        scopes=[GenericScope(name="Domain", instance='a "b"', options={"regex": r"^x\d$", "k": {"NAS-IP": ["1"]}})]
    )
    loaded = load_text(to_text(config).text, "/cfg/x.conf")
    assert loaded.problems == []
    assert build(loaded.root).config.scopes[0].options == {"regex": r"^x\d$", "k": {"NAS-IP": ["1"]}}


def test_each_line_maps_to_the_json_path_it_came_from() -> None:
    config = Config(
        esmtp_listener=EsmtpListener(
            listens=[
                Listen(
                    address=":25",
                    auth_plain_parameters=AuthParameters(uri="file:x", options={"nas": "y"}),
                    peers=[Peer(network="10.0.0.0/8", open_relay=True)],
                )
            ]
        )
    )
    rendered = to_text(config)
    lines = rendered.text.splitlines()
    paths = {line.strip(): json_path(p) for line, p in zip(lines, rendered.map.lines, strict=True)}
    L0 = "$.esmtp_listener.listens[0]"
    assert paths == {
        "ESMTP_Listener {": "$.esmtp_listener",
        'Listen ":25" {': L0,
        "AuthPlainParameters = [": f"{L0}.auth_plain_parameters",
        'uri = "file:x"': f"{L0}.auth_plain_parameters.uri",
        'nas = "y"': f"{L0}.auth_plain_parameters.options.nas",
        "]": f"{L0}.auth_plain_parameters",
        'Peer "10.0.0.0/8" {': f"{L0}.peers[0]",
        "Open_Relay = true": f"{L0}.peers[0].open_relay",
        "}": "$.esmtp_listener",  # the last closing brace; the others map to their own scopes
    }
    assert len(rendered.map.lines) == len(lines)


def test_marks_point_at_names_and_values_within_a_line() -> None:
    config = Config(
        relay_hosts=["10.0.0.0/8", "192.168.0.0/16"], esmtp_listener=EsmtpListener(listens=[Listen(address=":25")])
    )
    rendered = to_text(config)
    line = rendered.text.splitlines()[0]  # Relay_Hosts = ( "10.0.0.0/8" "192.168.0.0/16" )
    find = rendered.map.find
    assert find(1, 1) == (("relay_hosts",), "key")
    assert find(1, line.index("192") + 1) == (("relay_hosts", 1), "value")
    assert find(1, line.index("(") + 1) == (("relay_hosts",), "value")
    listen_line = rendered.text.splitlines().index('  Listen ":25" { }') + 1
    assert find(listen_line, 3) == (("esmtp_listener", "listens", 0), "key")
    assert find(listen_line, 10) == (("esmtp_listener", "listens", 0, "address"), "value")
    assert find(999, 1) == ((), "key")


def test_multi_line_strings_keep_the_map_in_step() -> None:
    config = Config(hostname="a\nb", spool_base="/s")
    rendered = to_text(config)
    assert rendered.text == 'Hostname = "a\nb"\nSpool_Base = "/s"\n'
    assert rendered.map.lines == (("hostname",), ("hostname",), ("spool_base",))
    assert rendered.map.find(3, 1) == (("spool_base",), "key")
    assert rendered.map.find(2, 1) == (("hostname",), "value")
