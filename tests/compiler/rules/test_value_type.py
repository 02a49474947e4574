"""E301 value-type: values that do not fit their option's type, at the value."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import value_type as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E301"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E301 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(3, 18), (4, 17), (5, 27)]
    assert "boolean" in found[0].message and "'maybe'" in found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_every_boolean_spelling_is_accepted(tmp_path: Path) -> None:
    words = ["true", "false", "yes", "no", "on", "off", "enabled", "disabled", "1", "0", '"true"', "TRUE"]
    text = "ESMTP_Listener {\n" + "".join(f'  Listen ":{25 + i}" {{ Use_SSL = {w} }}\n' for i, w in enumerate(words))
    assert run(text + "}\n", tmp_path / "main.conf") == []


def test_quoted_numbers_are_numbers_but_arrays_are_not(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Listener_Sessions = "100"
          Peer "10.0.0.0/8" { Max_Message_Size = ( 1 2 ) }
          Idle_Time = -5
        }
        """
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(4, 42), (5, 15)]
    assert "single value" in found[0].message


def test_documented_generic_options_are_typed_by_their_default(tmp_path: Path) -> None:
    found = run("Keep_Message_Dicts_In_Memory = sometimes\n", tmp_path / "main.conf")
    assert places(found) == [(1, 32)]


def test_documented_value_forms_are_accepted(tmp_path: Path) -> None:
    # Blackhole's page lists "inline" and "internal" beside true/false; adaptive_sweep_rule_enabled is a 0/1
    # flag that the 3.x pages set with `true`.
    text = """
        Blackhole = "inline"
        adaptive_sweep_rule_enabled = true
        use_iflist_cache = off
        """
    assert run(text, tmp_path / "main.conf") == []
    found = run('Blackhole = "outline"\nadaptive_sweep_rule_enabled = maybe\n', tmp_path / "bad.conf")
    assert places(found) == [(1, 13), (2, 31)]
    assert "inline" in found[0].message and "0 or 1" in found[1].message


def test_auth_dictionary_values(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  AuthDigestMD5Parameters = [ uri = "digest:///x" stored_cleartext = perhaps ]\n}\n'
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(2, 70)]
