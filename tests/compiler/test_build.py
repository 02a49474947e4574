from pathlib import Path

from ecconf.compiler.build import BAD_CIDR, LISTEN_ADDRESS, VALUE_TYPE, build
from ecconf.compiler.includes import load, load_text


def built(text: str, path: str = "/virtual/test.conf"):
    loaded = load_text(text, path)
    assert loaded.problems == []
    return build(loaded.root)


def test_names_are_case_insensitive_and_values_typed() -> None:
    b = built(
        """esmtp_listener { LISTEN "127.0.0.1:25" { idle_TIME = "30" open_relay = off
             smtp_extensions = ( "AUTH PLAIN" ) authplainparameters [ uri = "file:p" log_authentication = yes ] } }"""
    )
    listen = b.config.esmtp_listener.listens[0]
    assert listen.idle_time == 30 and listen.open_relay is False
    assert listen.smtp_extensions == ["AUTH PLAIN"]
    assert listen.auth_plain_parameters.uri == "file:p"
    assert listen.auth_plain_parameters.log_authentication is True
    assert b.facts.problems == []


def test_later_assignment_shadows_earlier_and_spans_point_at_the_winner() -> None:
    b = built("ESMTP_Listener {\n idle_time = 10\n idle_time = 20\n}")
    listener = b.config.esmtp_listener
    assert listener.idle_time == 20
    assert listener.span_of("idle_time").line == 3


def test_scopes_with_same_name_and_instance_merge_across_includes(tmp_path: Path) -> None:
    (tmp_path / "more.conf").write_text('ESMTP_Listener { Listen ":25" { max_message_size = 100 } }')
    (tmp_path / "main.conf").write_text(
        'ESMTP_Listener { Listen ":25" { idle_time = 5 } }\ninclude "more.conf"\nESMTP_Listener { Listen ":26" {} }'
    )
    loaded = load(str(tmp_path / "main.conf"))
    config = build(loaded.root).config
    assert [ls.address for ls in config.esmtp_listener.listens] == [":25", ":26"]
    first = config.esmtp_listener.listens[0]
    assert (first.idle_time, first.max_message_size) == (5, 100)


def test_peers_merge_by_normalised_network() -> None:
    b = built('ESMTP_Listener { Peer "10.0.0.0/8" { idle_time = 1 } Peer "10.0.0.0/8" { open_relay = true } }')
    [peer] = b.config.esmtp_listener.peers
    assert (peer.idle_time, peer.open_relay) == (1, True)


def test_bad_values_are_diagnostics_not_exceptions() -> None:
    b = built(
        'ESMTP_Listener { idle_time = soon use_ssl = perhaps Listen "nowhere" {} Peer "10.0.0.0/99" {}'
        " Relay_Hosts = ( 10.0.0.0/8 banana ) }"
    )
    codes = sorted(p.code for p in b.facts.problems)
    assert codes == sorted([VALUE_TYPE, VALUE_TYPE, LISTEN_ADDRESS, BAD_CIDR, BAD_CIDR])
    assert b.config.esmtp_listener.relay_hosts == ["10.0.0.0/8"]
    assert b.config.esmtp_listener.idle_time is None


def test_auth_parameters_must_be_a_dictionary() -> None:
    b = built('ESMTP_Listener { AuthPlainParameters = "file:///x" }')
    [problem] = b.facts.problems
    assert problem.code == VALUE_TYPE and "dictionary" in problem.message
    assert "uri" in problem.hint


def test_unknown_and_documented_options_are_kept_typed() -> None:
    b = built("Keep_Message_Dicts_In_Memory = true\nmy_thing = ( a b )\nESMTP_Listener { require_ehlo = yes }")
    assert b.config.options["keep_message_dicts_in_memory"] is True
    assert b.config.options["my_thing"] == ["a", "b"]
    assert b.config.esmtp_listener.options["require_ehlo"] is True


def test_generic_scopes_and_ec_logger() -> None:
    b = built('ec_logger "acct" { acctlog = "/var/log/acct.log" }\ndomain "#x" { routes = ( "smtp://a" ) }')
    [logger] = b.config.ec_loggers
    assert (logger.instance, logger.acctlog) == ("acct", "/var/log/acct.log")
    [scope] = b.config.scopes
    assert (scope.name, scope.instance, scope.options) == ("domain", "#x", {"routes": ["smtp://a"]})


def test_every_assignment_is_recorded_with_its_scope_kind() -> None:
    b = built('Hostname = a\nESMTP_Listener { idle_time = 1 Listen ":25" { Peer "::1" { enable = true } } }')
    kinds = [(a.scope_kind, a.option.name) for a in b.facts.assignments]
    assert kinds == [("global", "Hostname"), ("esmtp_listener", "idle_time"), ("peer", "enable")]


def test_assignments_are_also_indexed_by_lower_case_name_in_text_order() -> None:
    text = 'SpoolBase = a\nESMTP_Listener { Idle_Time = 1 Listen ":25" { idle_time = 2 } Domain x { IDLE_TIME = 3 } }'
    b = built(text)
    assert sorted(b.facts.by_name) == ["idle_time", "spoolbase"]
    assert [a.option.name for a in b.facts.by_name["idle_time"]] == ["Idle_Time", "idle_time", "IDLE_TIME"]
    assert sum(map(len, b.facts.by_name.values())) == len(b.facts.assignments)


def test_spoolbase_is_a_synonym_of_spool_base() -> None:
    assert built('SpoolBase = "/var/spool/x"').config.spool_base == "/var/spool/x"
    assert built('Spool_Base = "/var/spool/y"').config.spool_base == "/var/spool/y"
