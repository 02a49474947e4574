"""E201 unknown-name: undocumented names in the scopes ecconf checks, and silence everywhere else."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_harness import bind, places
from shared_paths import MOMENTUM_SAMPLES

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import unknown_name as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E201"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E201 ")


# The three real Momentum files: in the repository if the lead copied them there, else where the spec keeps them.
SAMPLES = MOMENTUM_SAMPLES


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(3, 5)]
    assert "'SMTP_Extentions'" in found[0].message and "Listen" in found[0].message
    assert "smtp_extensions" in found[0].hint
    assert run(example("Good"), tmp_path / "good.conf") == []


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the real Momentum samples are not on this machine")
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.conf")) if SAMPLES.is_dir() else [])
def test_real_momentum_files_are_clean(tmp_path: Path, name: str) -> None:
    assert run((SAMPLES / name).read_text(encoding="utf-8"), tmp_path / name) == []


def test_module_scopes_at_global_level_are_left_alone(tmp_path: Path) -> None:
    text = """
        outbound_smtp_auth { debug_level = DEBUG }
        scriptlet "scriptlet" { script "x" { source = "lua/x" } }
        Datasource "db" { uri = ( "sqlite:/tmp/x" ) cache_size = 200 }
        ec_logger "acct" { acctlog = "/var/log/acct" frobnicate = 1 }
        domain "example.com" { Not_An_Option = 1 }
        """
    assert run(text, tmp_path / "main.conf") == []


def test_a_global_scope_close_to_a_known_one_is_a_typo(tmp_path: Path) -> None:
    found = run('ESMTP_Listner {\n  Listen ":25" { }\n}\n', tmp_path / "main.conf")
    assert places(found) == [(1, 1)]
    assert "scope" in found[0].message and "esmtp_listener" in found[0].hint


def test_unknown_options_everywhere_ecconf_checks(tmp_path: Path) -> None:
    text = """
        Hostnme = "mx"
        ESMTP_Listener {
          Frobnicate = 1
          Listen ":25" {
            Idel_Time = 30
            Peer "10.0.0.0/8" { Relay_Host = ( 10.0.0.0/8 ) }
          }
        }
        """
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(2, 1), (4, 3), (6, 5), (7, 25)]
    hints = [d.hint for d in sorted(found, key=lambda d: d.span.line)]
    assert "hostname" in hints[0]
    assert "check the spelling" in hints[1]
    assert "idle_time" in hints[2]
    assert "relay_hosts" in hints[3]


def test_unknown_scope_inside_a_listener(tmp_path: Path) -> None:
    found = run('ESMTP_Listener {\n  Lisen ":25" { }\n  Frob { }\n}\n', tmp_path / "main.conf")
    assert places(found) == [(2, 3), (3, 3)]
    assert "did you mean 'listen'" in found[0].hint


def test_option_written_as_a_scope_and_scope_written_as_an_option(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Peer = "10.0.0.0/8"
          Listen ":25" { AuthPlainParameters { uri = "file:///x" } }
        }
        """
    found = sorted(run(text, tmp_path / "main.conf"), key=lambda d: d.span.line)
    assert places(found) == [(3, 3), (4, 18)]
    assert "not an option" in found[0].message and "Peer" in found[0].hint
    assert "not a scope" in found[1].message and "= [ ... ]" in found[1].hint


def test_engine_names_are_known_where_the_engine_reads_them(tmp_path: Path) -> None:
    text = """
        Spool_Base = "/var/spool/ecconf"
        Relay_Hosts = ( 127.0.0.0/8 )
        ESMTP_Listener {
          Peer "10.0.0.0/8" {
            AuthPlainParameters = [ uri = "file:///x" ]
            AuthScramSha256Parameters = [ uri = "file:///x" ]
            Enable = false
          }
        }
        """
    assert run(text, tmp_path / "main.conf") == []


def test_names_are_case_insensitive(tmp_path: Path) -> None:
    text = 'esmtp_listener { LISTEN ":25" { smtp_extensions = ( "AUTH PLAIN" ) IDLE_TIME = 5 } }'
    assert run(text, tmp_path / "main.conf") == []


def test_inside_misplaced_and_generic_scopes_nothing_is_checked(tmp_path: Path) -> None:
    # Listen at global level and Peer inside Peer are E202's; what they hold is not interpreted, so not checked.
    text = """
        Listen ":25" { Frobnicate = 1 }
        ESMTP_Listener { Peer "10.0.0.0/8" { Peer "10.1.0.0/16" { Frobnicate = 1 } } }
        """
    assert run(text, tmp_path / "main.conf") == []


def test_names_in_included_files_point_into_them(tmp_path: Path) -> None:
    (tmp_path / "listen.conf").write_text('Listen ":25" {\n  Banner_Hostnam = "mx"\n}\n')
    found = run('ESMTP_Listener {\n  include "listen.conf"\n}\n', tmp_path / "main.conf")
    assert [(d.span.path, d.span.line, d.span.column) for d in found] == [(str(tmp_path / "listen.conf"), 2, 3)]


def test_names_with_odd_characters_are_left_to_e205(tmp_path: Path) -> None:
    assert run("ESMTP_Listener { Max.Size = 1 Listen:25 { } }", tmp_path / "main.conf") == []


def test_documented_module_stanzas_are_known(tmp_path: Path) -> None:
    # as_logger and exim_logger look like ec_logger, smpp like SNMP: each is a module of its own. as_logger
    # and exim_logger come from Momentum 4's module pages, pe2_logger, gcm_logger and smpp from 3.x and mobile.
    text = """
        as_logger { }
        exim_logger "exim" { }
        pe2_logger "pe2" { }
        gcm_logger "gcm" { }
        smpp { }
        dane { }
        """
    assert run(text, tmp_path / "main.conf") == []


def test_a_small_misspelling_of_a_module_is_a_typo(tmp_path: Path) -> None:
    found = run('ec_loger "x" { }\nexim_loger "y" { }\n', tmp_path / "main.conf")
    assert places(found) == [(1, 1), (2, 1)]
    assert "'ec_logger'" in found[0].hint and "'exim_logger'" in found[1].hint


def test_documented_global_options_are_known(tmp_path: Path) -> None:
    text = """
        use_dane = true
        enable_dane = false
        generic_getter_cache_size = 4194304
        delayed_reroute_domain = "xfer.test"
        Outbound_SMTP_AUTH_Type = "LOGIN"
        Outbound_SMTP_AUTH_User = "msys"
        Outbound_SMTP_AUTH_Pass = "msys"
        Outbound_SMTP_AUTH_Key = "somestring"
        binding_auto_replumb = "enabled"
        binding_auto_replumb_interval = 60
        """
    assert run(text, tmp_path / "main.conf") == []


def test_binding_auto_replumb_is_an_option_not_a_scope(tmp_path: Path) -> None:
    found = run('binding_auto_replumb "x" { }\n', tmp_path / "main.conf")
    assert places(found) == [(1, 1)]
    assert "not a scope" in found[0].message
