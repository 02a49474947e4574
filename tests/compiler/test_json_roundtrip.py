"""Round trips, crossplane style: text -> JSON -> text -> JSON gives the same JSON (positions never enter the
JSON); JSON -> text -> JSON gives the JSON back; random models survive to_text and the parser."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_paths import MOMENTUM_SAMPLES

from ecconf.compiler.build import build
from ecconf.compiler.from_json import load_json, load_json_text
from ecconf.compiler.includes import load, load_text
from ecconf.compiler.models import (
    AuthParameters,
    Config,
    EcLogger,
    EsmtpListener,
    GenericScope,
    Listen,
    Peer,
)
from ecconf.compiler.schema import validate
from ecconf.compiler.to_json import dumps, to_json
from ecconf.compiler.to_text import to_text

ROOT = Path(__file__).resolve().parents[2]
SHARED_SAMPLES = MOMENTUM_SAMPLES


def sample_configs() -> list[Path]:
    found = sorted(ROOT.glob("samples/**/*.conf")) + sorted(ROOT.glob("tests/fixtures/**/*.conf"))
    return found + (sorted(SHARED_SAMPLES.iterdir()) if SHARED_SAMPLES.is_dir() else [])


def again(config: Config, where: Path) -> Config:
    """to_text, then parse and build as a config file beside `where`."""
    loaded = load_text(to_text(config).text, str(where / "again.conf"))
    assert [p for p in loaded.problems if p.code == "E100"] == [], to_text(config).text
    return build(loaded.root).config


def assert_text_json_text_json(config: Config, where: Path) -> None:
    first = dumps(config)
    assert dumps(again(config, where)) == first  # same data, same key order, same bytes


@pytest.mark.parametrize("path", sample_configs(), ids=lambda p: p.name)
def test_every_sample_round_trips(path: Path, tmp_path: Path) -> None:
    config = build(load(str(path)).root).config
    assert validate(to_json(config)) == []
    assert_text_json_text_json(config, tmp_path)


EVERYTHING = """
# comments go; everything else stays
Hostname = mx.example.org
spool_base = "/var/spool/ecconf"
relay_hosts = ( 127.0.0.1, "10.0.0.0/8" )
keep_message_dicts_in_memory = "on"
ec_logger "acct" { acctlog = "/var/log/acct" Mode = "0600" rotate { every = day } }
ec_logger { acctlog = /tmp/b }
ESMTP_Listener = {
  enable = yes
  smtp_extensions = "AUTH PLAIN"
  open_relay = "0"
  authloginparameters [ uri = "file:///a" log_authentication = enabled ]
  AuthPlainParameters = [ URI = file:p extension = AUTH extension_argument = PLAIN NAS-IP-Address = ( 1 2 ) ]
  AuthCramMD5Parameters = [ ]
  AuthDigestMD5Parameters = [ uri = "digest:///d" realm = "r \\"q\\"" stored_cleartext = "true" ]
  AuthScramSHA256Parameters = [ uri = "file:s" ]
  Banner_Hostname = banner
  Idle_Time = "30"
  Listener_Sessions = 5
  Max_Message_Size = 0
  Max_Recipients_Per_Message = "100"
  TLS_Certificate = /c.pem TLS_Key = /k.pem TLS_Protocols = "TLSv1.2:TLSv1.3" TLS_Ciphers = "HIGH:!aNULL"
  Use_SSL = off
  Always_Allow = false
  Always_Deny = disabled
  accept_queue_backlog = "16"
  File_Mode = 0660
  pattern = "^bounces-\\d+@"
  nested = [ a = [ b = ( 1 [ c = d ] "two words" ) ] "key with space" = x ]
  scriptlet "s" { script x { source = "lua/x" } }
  Listen ":25" {
    SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH LOGIN" "AUTH CRAM-MD5" )
    Peer "10.1.2.3/8" { Open_Relay = true }
    Peer ::1 { }
  }
  Listen ":25" { Idle_Time = 10 }
  Listen "[::1]:587" { Use_SSL = yes Relay_Hosts = ( "2001:db8::/32" ) }
  Listen /tmp/sock { }
  Peer "192.168.0.0/16" { Max_Message_Size = 1000 foo = bar }
}
Domain "example.com" { routes = ( "smtp://a:25" ) }
Domain "example.com" { other = 1 }
"""


def test_every_engine_option_and_spelling_round_trips(tmp_path: Path) -> None:
    loaded = load_text(EVERYTHING, str(tmp_path / "ecelerity.conf"))
    assert loaded.problems == []
    built = build(loaded.root)
    assert built.facts.problems == []
    config = built.config
    data = to_json(config)
    listener = data["esmtp_listener"]
    assert (listener["enable"], listener["open_relay"], listener["use_ssl"]) == (True, False, False)
    assert (listener["idle_time"], listener["max_recipients_per_message"]) == (30, 100)
    assert listener["auth_digest_md5_parameters"]["stored_cleartext"] is True
    assert listener["listens"][0]["idle_time"] == 10  # the two Listen ":25" merged
    assert validate(data) == []
    assert_text_json_text_json(config, tmp_path)


def test_includes_are_merged_into_one_json_and_one_text(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "a.conf").write_text('ESMTP_Listener { Listen ":25" { Enable = true } }\n')
    (tmp_path / "conf.d" / "b.conf").write_text('ESMTP_Listener { Listen ":25" { Idle_Time = 5 } }\n')
    (tmp_path / "main.conf").write_text('Hostname = mx\ninclude "conf.d"\n')
    config = build(load(str(tmp_path / "main.conf")).root).config
    assert to_json(config)["esmtp_listener"] == {"listens": [{"address": ":25", "enable": True, "idle_time": 5}]}
    assert_text_json_text_json(config, tmp_path)


@pytest.mark.parametrize("path", sorted(ROOT.glob("samples/json/*.json")), ids=lambda p: p.name)
def test_sample_json_round_trips_through_text(path: Path) -> None:
    loaded, problems, mapping = load_json(str(path))
    assert problems == [] and loaded is not None and mapping is not None
    assert loaded.problems == []
    built = build(loaded.root)
    assert built.facts.problems == []
    assert dumps(built.config) == path.read_text(encoding="utf-8")


# -- random models ------------------------------------------------------------------------------------------

# The language's own punctuation and escapes, often; any other character now and then.
TEXT = st.text(
    st.sampled_from(list("\\\"\n #{}[]()=,'/*:-aZ1")) | st.characters(blacklist_categories=("Cs",)), max_size=8
)
NAME = st.from_regex(r"[a-z][a-z0-9_.:/-]{0,8}", fullmatch=True)
OPTION_NAME = NAME.map(lambda n: "x_" + n)  # not documented: kept as written
TYPED_OPTIONS = {
    "allow_ip_literal": st.booleans(),
    "allow_null_envelope_sender": st.booleans(),
    "accept_queue_backlog": st.integers(0, 2**40),
    "address_metrics_lifetime": st.integers(0, 2**40),
}
SCOPE_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n.lower() not in {"include", "readonly_include", "esmtp_listener", "ec_logger", "listen", "peer"}
)
PLAIN = st.recursive(
    TEXT, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6
)


def network(version: int) -> st.SearchStrategy[str]:
    bits = 32 if version == 4 else 128
    return st.tuples(st.ip_addresses(v=version), st.integers(0, bits)).map(
        lambda t: str(ipaddress.ip_network(f"{t[0]}/{t[1]}", strict=False))
    )


NETWORK = network(4) | network(6)
PLAIN_OPTIONS = st.dictionaries(OPTION_NAME, PLAIN, max_size=3)


@st.composite
def typed_options(draw: st.DrawFn) -> dict[str, Any]:
    out = draw(PLAIN_OPTIONS)
    for name in draw(st.lists(st.sampled_from(sorted(TYPED_OPTIONS)), unique=True, max_size=2)):
        out[name] = draw(TYPED_OPTIONS[name])
    return out


GENERIC = st.recursive(
    st.builds(GenericScope, name=SCOPE_NAME, instance=st.none() | TEXT, options=PLAIN_OPTIONS),
    lambda inner: st.builds(
        GenericScope,
        name=SCOPE_NAME,
        instance=st.none() | TEXT,
        options=PLAIN_OPTIONS,
        scopes=st.lists(inner, max_size=2),
    ),
    max_leaves=3,
)
AUTH = st.none() | st.builds(
    AuthParameters,
    uri=st.none() | TEXT,
    realm=st.none() | TEXT,
    stored_cleartext=st.none() | st.booleans(),
    log_authentication=st.none() | st.booleans(),
    extension=st.none() | TEXT,
    extension_argument=st.none() | TEXT,
    options=st.dictionaries(NAME.map(lambda n: "x_" + n), PLAIN, max_size=2),
)
BOOL = st.none() | st.booleans()
COUNT = st.none() | st.integers(0, 2**40)
LISTENER_FIELDS: dict[str, Any] = {
    "enable": BOOL,
    "smtp_extensions": st.none() | st.lists(TEXT, max_size=3),
    "relay_hosts": st.none() | st.lists(NETWORK, max_size=3),
    "open_relay": BOOL,
    "auth_login_parameters": AUTH,
    "auth_cram_md5_parameters": AUTH,
    "banner_hostname": st.none() | TEXT,
    "idle_time": COUNT,
    "max_message_size": COUNT,
    "tls_ciphers": st.none() | TEXT,
    "use_ssl": BOOL,
    "options": typed_options(),
    "scopes": st.lists(GENERIC, max_size=1),
}
PEERS = st.lists(st.builds(Peer, network=NETWORK, **LISTENER_FIELDS), max_size=2, unique_by=lambda p: p.network)
LISTENS = st.lists(
    st.builds(Listen, address=TEXT, peers=PEERS, **LISTENER_FIELDS), max_size=2, unique_by=lambda ls: ls.address
)
CONFIGS = st.builds(
    Config,
    hostname=st.none() | TEXT,
    spool_base=st.none() | TEXT,
    relay_hosts=st.none() | st.lists(NETWORK, max_size=2),
    options=typed_options(),
    esmtp_listener=st.none() | st.builds(EsmtpListener, listens=LISTENS, peers=PEERS, **LISTENER_FIELDS),
    ec_loggers=st.lists(
        st.builds(EcLogger, instance=st.none() | TEXT, acctlog=st.none() | TEXT, options=PLAIN_OPTIONS),
        max_size=2,
        unique_by=lambda lg: lg.instance or "",
    ),
    scopes=st.lists(GENERIC, max_size=2),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(config=CONFIGS)
def test_random_models_survive_to_text_and_the_parser(config: Config, tmp_path: Path) -> None:
    data = to_json(config)
    assert validate(data) == []
    assert to_json(again(config, tmp_path)) == data
    # and the same through the JSON front door
    loaded, problems, _mapping = load_json_text(json.dumps(data), str(tmp_path / "random.json"))
    assert problems == [] and loaded.root is not None
    assert to_json(build(loaded.root).config) == data
