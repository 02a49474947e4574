from pathlib import Path

from ecconf.compiler.build import build
from ecconf.compiler.includes import load
from ecconf.compiler.to_runtime import to_runtime
from ecconf.runtime.policy import resolve


def compile_file(tmp_path: Path, text: str, name: str = "main.conf"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    loaded = load(str(path))
    assert loaded.problems == []
    return to_runtime(build(loaded.root).config, default_hostname="fallback.test")


def test_layers_follow_the_fallback_order(tmp_path: Path) -> None:
    server = compile_file(
        tmp_path,
        """
        relay_hosts = ( 192.0.2.0/24 )
        ESMTP_Listener {
          SMTP_Extensions = ( "AUTH PLAIN" )
          AuthPlainParameters = [ uri = "file:passwd" ]
          idle_time = 100
          Peer "10.0.0.0/8" { idle_time = 200 }
          Listen "127.0.0.1:0" { Peer "10.1.0.0/16" { idle_time = 300 open_relay = yes } }
          Listen "[::1]:0" { enable = false }
        }
        """,
    )
    assert server.hostname == "fallback.test"
    [spec] = server.listeners  # the disabled Listen is not served
    assert (spec.address.kind, spec.address.host, spec.address.port) == ("tcp", "127.0.0.1", 0)
    layers = spec.layers
    assert resolve(layers, "10.1.2.3").idle_time == 300 and resolve(layers, "10.1.2.3").open_relay
    assert resolve(layers, "10.9.9.9").idle_time == 200
    policy = resolve(layers, "203.0.113.5")
    assert policy.idle_time == 100 and not policy.open_relay
    assert [str(n) for n in policy.relay_hosts] == ["192.0.2.0/24"]
    assert policy.auth["PLAIN"].uri == f"file://{tmp_path / 'passwd'}"


def test_relative_uris_resolve_against_the_file_that_names_them(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "auth.conf").write_text(
        'ESMTP_Listener { AuthDigestMD5Parameters = [ uri = "digest:htdigest" ] }'
    )
    server = compile_file(
        tmp_path,
        'include "conf.d/auth.conf"\nESMTP_Listener { SMTP_Extensions = ("AUTH DIGEST-MD5") Listen ":0" {} }',
    )
    spec = resolve(server.listeners[0].layers, None).auth["DIGEST-MD5"]
    assert spec.uri == f"digest://{tmp_path / 'conf.d' / 'htdigest'}"
    assert spec.realm == "fallback.test"  # the realm defaults to the Hostname


def test_legacy_extension_synonym_advertises_the_mechanism(tmp_path: Path) -> None:
    server = compile_file(
        tmp_path,
        """ESMTP_Listener { Listen ":0" {
             AuthCramMD5Parameters = [ uri = "file:///p" extension = AUTH extension_argument = CRAM-MD5 ] } }""",
    )
    policy = resolve(server.listeners[0].layers, "127.0.0.1")
    assert policy.listed_mechanisms == ("CRAM-MD5",)


def test_spool_acctlog_and_tls_paths(tmp_path: Path) -> None:
    server = compile_file(
        tmp_path,
        """Spool_Base = "/var/spool/ecconf"
           ec_logger "a" { acctlog = "/var/log/acct" }
           ESMTP_Listener { TLS_Certificate = "cert.pem" TLS_Key = "/k.pem" TLS_Protocols = "TLSv1.2:TLSv1.3"
                            Listen "/tmp/ecconf.sock" {} }""",
    )
    assert server.spool_base == Path("/var/spool/ecconf") and server.acctlog_path == Path("/var/log/acct")
    assert server.listeners[0].address.kind == "unix"
    policy = resolve(server.listeners[0].layers, None)
    assert policy.tls_certificate == tmp_path / "cert.pem" and policy.tls_key == Path("/k.pem")
    assert policy.tls_protocols == ("TLSv1.2", "TLSv1.3")


def test_auth_require_tls_is_carried_per_layer_and_unset_stays_unset(tmp_path: Path) -> None:
    server = compile_file(
        tmp_path,
        """
        ESMTP_Listener {
          Auth_Require_TLS = false
          Listen "127.0.0.1:0" { Peer "10.0.0.0/8" { Auth_Require_TLS = true } }
          Listen "127.0.0.2:0" { }
        }
        """,
    )
    first, _second = server.listeners
    assert resolve(first.layers, "10.1.2.3").auth_require_tls is True
    assert resolve(first.layers, "192.0.2.1").auth_require_tls is False
    bare = compile_file(tmp_path, 'ESMTP_Listener { Listen "127.0.0.1:0" { } }', "bare.conf")
    assert resolve(bare.listeners[0].layers, "192.0.2.1").auth_require_tls is None


def test_message_memory_budget_reaches_the_server_and_defaults_to_the_runtime_one(tmp_path: Path) -> None:
    from ecconf.compiler.option_table import table
    from ecconf.runtime.memory_budget import DEFAULT_MESSAGE_MEMORY_BUDGET

    listener = 'ESMTP_Listener { Listen "127.0.0.1:2525" {} }'
    server = compile_file(tmp_path, "Message_Memory_Budget = 1048576\n" + listener)
    assert server.message_memory_budget == 1048576
    assert compile_file(tmp_path, listener, "other.conf").message_memory_budget == DEFAULT_MESSAGE_MEMORY_BUDGET
    documented = table().option("message_memory_budget")
    assert documented is not None and int(documented.default) == DEFAULT_MESSAGE_MEMORY_BUDGET


def test_max_connections_per_address_reaches_the_policy_and_a_peer_may_raise_it(tmp_path: Path) -> None:
    server = compile_file(
        tmp_path,
        """
        ESMTP_Listener {
          Max_Connections_Per_Address = 4
          Listen "127.0.0.1:0" { Peer "10.0.0.0/8" { Max_Connections_Per_Address = 0 } }
        }
        """,
    )
    [spec] = server.listeners
    assert resolve(spec.layers, "192.0.2.1").max_connections_per_address == 4
    assert resolve(spec.layers, "10.1.2.3").max_connections_per_address == 0  # the office NAT: no cap
    assert resolve((), None).max_connections_per_address == 20  # the default


def test_listen_on_every_ipv6_address_written_with_a_star(tmp_path: Path) -> None:
    server = compile_file(tmp_path, 'ESMTP_Listener {\n  Listen "[*]:2525" { }\n}\n')
    assert [(spec.address.host, spec.address.port) for spec in server.listeners] == [("::", 2525)]


def test_proxy_protocol_reaches_the_policy_per_listen_and_peer(tmp_path: Path) -> None:
    server = compile_file(
        tmp_path,
        """
        ESMTP_Listener {
          Proxy_Protocol_Trusted = ( "10.0.0.0/8" "2001:db8::/32" )
          Listen "127.0.0.1:0" { Proxy_Protocol = true  Proxy_Protocol_Timeout = 7.5 }
          Listen "127.0.0.1:1" { Peer "10.0.0.0/8" { Proxy_Protocol = true } }
        }
        """,
    )
    first, second = server.listeners
    policy = resolve(first.layers, "10.1.2.3")
    assert policy.proxy_protocol and policy.proxy_protocol_timeout == 7.5
    assert [str(n) for n in policy.proxy_protocol_trusted] == ["10.0.0.0/8", "2001:db8::/32"]
    assert resolve(second.layers, "10.1.2.3").proxy_protocol
    assert not resolve(second.layers, "192.0.2.1").proxy_protocol  # another source connects directly
    assert resolve((), None).proxy_protocol_timeout == 60  # Momentum's default


def test_penalty_exempt_networks_and_the_redis_store_reach_the_server(tmp_path: Path) -> None:
    server = compile_file(
        tmp_path,
        'Auth_Penalty_Exempt = ( "127.0.0.1" "10.1.0.0/16" )\nAuth_Penalty_Redis = "redis://127.0.0.1:6379/0"\n'
        'ESMTP_Listener { Listen "127.0.0.1:2525" {} }',
    )
    assert server.auth_penalty_redis == "redis://127.0.0.1:6379/0"
    policy = resolve(server.listeners[0].layers, "10.1.2.3")
    assert [str(n) for n in policy.auth_penalty_exempt] == ["127.0.0.1/32", "10.1.0.0/16"]
    bare = compile_file(tmp_path, 'ESMTP_Listener { Listen "127.0.0.1:0" { } }', "bare.conf")
    assert bare.auth_penalty_redis is None and resolve(bare.listeners[0].layers, "10.1.2.3").auth_penalty_exempt == ()


def test_auth_ds_scopes_become_specs_and_unservable_datasources_are_left_out(tmp_path: Path) -> None:
    config = compile_file(
        tmp_path,
        'Datasource "authdb" { uri = ( "sqlite:auth.db" ) cache_life = 60 }\n'
        'Datasource "legacy" { uri = ( "mysql:host=db;password=x" ) }\n'
        "auth_ds {\n"
        '  Scheme "mailauth" { Authenticate { query = "SELECT 1 FROM u WHERE n = :u" cache = "authdb"'
        ' map = [ u = "%{username}" ] } }\n'
        '  Scheme "old" { Authenticate { query = "SELECT 1 FROM u WHERE n = :u" cache = "legacy"'
        ' map = [ u = "%{username}" ] } }\n'
        "}\n",
    )
    spec = config.auth_ds
    assert list(spec.datasources) == ["authdb"] and list(spec.schemes) == ["mailauth"]
    assert spec.datasources["authdb"].cache.life == 60 and spec.base_dir == tmp_path.resolve()
    assert spec.schemes["mailauth"].cache == "authdb"


def test_no_auth_ds_no_specs(tmp_path: Path) -> None:
    assert not compile_file(tmp_path, 'Hostname = "mx.test"\n').auth_ds
