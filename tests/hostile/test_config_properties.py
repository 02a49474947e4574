"""Property tests: mutated configs are accepted or refused at a place inside the text; drawn configs parse,
and their JSON form is deterministic and survives text -> JSON -> text -> JSON.

The strategies are in config_strategies.py; tests/fuzz/fuzz_config.py runs the same properties for minutes
instead of the bounded number of examples here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from config_strategies import Drawn, mutated_configs, valid_configs
from hypothesis import HealthCheck, given, settings

from ecconf.compiler.build import build
from ecconf.compiler.checker import CheckOptions, check
from ecconf.compiler.diagnostics import Diagnostic
from ecconf.compiler.includes import Loaded, load_text
from ecconf.compiler.render import RenderOptions, render
from ecconf.compiler.schema import validate
from ecconf.compiler.to_json import dumps, to_json
from ecconf.compiler.to_text import to_text

# No includes are drawn; the folder does not exist, so an include a mutation spells out finds nothing.
PATH = "/nonexistent-ecconf-fuzz/hostile.conf"
BOUNDED = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(text: str) -> Loaded:
    return load_text(text, PATH)


def syntax_errors(loaded: Loaded) -> list[Diagnostic]:
    return [p for p in loaded.problems if p.code == "E100"]


def assert_placed_inside(diagnostics: list[Diagnostic], text: str) -> None:
    """Every finding about the text has a line of the text and a column on that line (or just after it)."""
    if text.startswith("\ufeff"):
        text = text[1:]  # the loader does not count a byte-order mark as a column
    lines = text.split("\n")
    for d in diagnostics:
        if d.span.path != PATH:
            continue
        assert 1 <= d.span.line <= len(lines), d
        assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1, d


@BOUNDED
@given(mutated_configs())
def test_a_mutated_config_is_accepted_or_refused_at_a_place_inside_it(drawn: Drawn) -> None:
    loaded = load(drawn.text)
    assert len(syntax_errors(loaded)) <= 1  # the parser stops at the first syntax error
    _built, diagnostics = check(loaded, CheckOptions(check_files=False))
    assert_placed_inside(diagnostics, drawn.text)
    for fmt in ("text", "json", "sarif", "github"):
        render(diagnostics, RenderOptions(fmt), loaded.texts)


@BOUNDED
@given(valid_configs())
def test_drawn_configs_parse_and_their_json_is_deterministic_and_survives_text_json_text_json(
    drawn: Drawn,
) -> None:
    loaded = load(drawn.text)
    assert syntax_errors(loaded) == [], drawn.text  # the strategy writes only what the grammar allows
    config = build(loaded.root).config
    first = dumps(config)
    assert dumps(build(load(drawn.text).root).config) == first  # same input, same bytes
    assert validate(to_json(config)) == []  # what `ecconf json` writes, `ecconf lint x.json` reads
    text = to_text(config).text
    again = load(text)
    assert syntax_errors(again) == [], text
    config_again = build(again.root).config
    assert dumps(config_again) == first  # text -> JSON -> text -> JSON
    assert to_text(config_again).text == text  # and the text is a fixed point


RICH = """
Hostname = mx.example.org
relay_hosts = ( 127.0.0.1, "10.0.0.0/8" )
ec_logger "acct" { acctlog = "/var/log/acct" rotate { every = day } }
ESMTP_Listener {
  SMTP_Extensions = ( "AUTH PLAIN LOGIN" STARTTLS )
  AuthPlainParameters = [ uri = "file:///etc/pw" nas-ip-address = ( 1 2 ) z = [ b = c a = d ] ]
  Idle_Time = "30"
  Listen ":25" { Peer "10.1.2.3/8" { Open_Relay = true } Peer ::1 { } }
  Listen "[::1]:587" { Use_SSL = yes }
  zebra = 1 apple = 2 mango = [ z = 1 a = 2 ]
}
Domain "b.example" { x = 1 } Domain "a.example" { y = 2 }
"""


def test_json_bytes_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """Two processes with different string hashing write the same bytes (no set or hash order leaks out)."""
    path = tmp_path / "rich.conf"
    path.write_text("# ecconf: disable-file=E2,A,S\n" + RICH, encoding="utf-8")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "ecconf", "json", "--no-file-checks", str(path)],
            capture_output=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
