"""`ecconf text` through the real command line: Momentum's usual statement order, every typed value written
back (seconds with fractions too), and its promise that the text lints with no finding the JSON did not have
— over the samples, the rules' examples, Momentum's documentation examples and drawn configs."""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import re
import shutil
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from hostile.config_strategies import Drawn, valid_configs
from hypothesis import HealthCheck, given, settings
from shared_paths import REPO, docs_corpus_files

from ecconf import cli
from ecconf.compiler import rules
from ecconf.compiler.build import build
from ecconf.compiler.checker import CheckOptions, check
from ecconf.compiler.fmt import format_tree
from ecconf.compiler.from_json import load_json_text
from ecconf.compiler.includes import load_text
from ecconf.compiler.to_json import dumps
from ecconf.compiler.to_text import to_text
from ecconf.grammar.cst import parse_tree


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def text_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli.main(["text", *args]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


UNUSUAL_ORDER = """\
ESMTP_Listener {
  Listen ":25" {
    Peer "10.0.0.0/8" { Open_Relay = true }
    Idle_Time = 30
  }
  Peer "192.168.0.0/16" { Listener_Sessions = 5 }
  SMTP_Extensions = ( "AUTH LOGIN" )
  AuthLoginParameters = [ uri = "mysqlauth://" ]
}
auth_ds {
  Scheme "mysqlauth" { Authenticate { query = "SELECT 1 FROM u WHERE n = :user" cache = "authdb" } }
}
Datasource "authdb" { uri = ( "mysql:host=localhost;dbname=auth" ) }
Domain "example.com" { max_outbound_connections = 20 }
ec_logger "acct" { acctlog = "/var/log/ecelerity/acct.log" }
Keep_Message_Dicts_In_Memory = true
Spool_Base = "/var/spool/ecelerity"
Hostname = "mx.example.com"
"""


def test_statements_come_in_momentum_s_usual_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = write(tmp_path / "a.conf", UNUSUAL_ORDER)
    out = text_of(capsys, "--no-file-checks", str(conf))
    heads = [line for line in out.splitlines() if re.match(r"\s*[A-Za-z_]+( \S+)? (=|\{)", line)]
    assert [h.split()[0] for h in heads] == [
        "Hostname",
        "Spool_Base",
        "keep_message_dicts_in_memory",
        "ec_logger",  # the modules and data sources the rest uses, as they were ordered...
        "acctlog",
        "auth_ds",
        "Scheme",
        "Authenticate",
        "query",
        "cache",
        "Datasource",
        "uri",
        "ESMTP_Listener",  # ...then the listener: its options, then its Peers, then its Listens
        "SMTP_Extensions",
        "AuthLoginParameters",
        "Peer",
        "Listener_Sessions",
        "Listen",
        "Idle_Time",  # a Listen's options before its Peers
        "Peer",
        "Open_Relay",
        "Domain",  # policy scopes after the listeners
        "max_outbound_connections",
    ]
    # The order is the text's alone: the JSON read back from it is the JSON it was written from.
    assert cli.main(["json", "--no-file-checks", str(conf)]) == 0
    direct = capsys.readouterr().out
    again = write(tmp_path / "b.conf", out)
    assert cli.main(["json", "--no-file-checks", str(again)]) == 0
    assert capsys.readouterr().out == direct


def test_a_module_after_a_policy_scope_stays_after_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Generic scopes are one list in the JSON, in the order written: the text keeps it, and the listener
    # goes after the leading run of modules and data sources only.
    conf = write(tmp_path / "a.conf", 'Domain "d" { }\nauth_ds { }\nESMTP_Listener { Listen ":25" { } }\n')
    out = text_of(capsys, "--no-file-checks", str(conf))
    assert [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")] == [
        "ESMTP_Listener",
        "}",
        "Domain",
        "auth_ds",
    ]


def test_seconds_with_and_without_a_fraction_are_written_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = write(
        tmp_path / "a.conf",
        'ESMTP_Listener { Auth_Failure_Delay = 0.25 Listen ":25" { Proxy_Protocol_Timeout = 10 } }\n',
    )
    out = text_of(capsys, "--no-file-checks", str(conf))
    assert "Auth_Failure_Delay = 0.25\n" in out and "Proxy_Protocol_Timeout = 10\n" in out
    assert cli.main(["json", "--no-file-checks", str(conf), "-o", str(tmp_path / "a.json")]) == 0
    assert "Proxy_Protocol_Timeout = 10\n" in text_of(capsys, str(tmp_path / "a.json"))


# -- the text lints with no finding the JSON did not have --------------------------------------------------


def _run(*args: str) -> tuple[int, str]:
    """The command's status and standard output (standard error dropped: findings are read as JSON)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(args))
    return status, out.getvalue()


def _codes(path: Path, *flags: str) -> Counter[str]:
    status, out = _run("lint", "--isolated", "--format", "json", "--exit-zero", *flags, str(path))
    assert status == 0
    return Counter(finding["code"] for finding in json.loads(out)["diagnostics"])


def _no_new_finding(conf: Path, *flags: str) -> bool:
    """config -> `ecconf json` -> `ecconf text` (written beside it) -> lint: no code more often than the
    config's own lint has it. False when `ecconf json` refuses the config (it has errors)."""
    as_json, as_text = conf.with_suffix(".ecconf.json"), conf.with_name(conf.stem + ".text.conf")
    if _run("json", "--show-secrets", *flags, str(conf), "-o", str(as_json))[0] != 0:
        return False
    assert _run("text", "--show-secrets", *flags, str(as_json), "-o", str(as_text))[0] == 0
    new = _codes(as_text, *flags) - _codes(conf, *flags)
    assert not new, f"{conf.name}: the text has findings the config did not: {dict(new)}\n{as_text.read_text()}"
    return True


def _no_new_finding_in_the_model(text: str, path: str) -> None:
    """The same promise for a config that has errors (the command refuses those): config -> JSON -> text."""
    options = CheckOptions(check_files=False)
    built, before = check(load_text(text, path), options)
    loaded, problems, _ = load_json_text(dumps(built.config), path + ".json")
    assert problems == [] and loaded.root is not None
    written = format_tree(parse_tree(to_text(build(loaded.root).config).text, path))
    _, after = check(load_text(written, path), options)
    new = Counter(d.code for d in after) - Counter(d.code for d in before)
    assert not new, f"{path}: the text has findings the config did not: {dict(new)}\n{written}"


def test_samples_text_has_no_finding_their_json_did_not(tmp_path: Path) -> None:
    shutil.copytree(REPO / "samples", tmp_path / "samples")  # the texts are written beside them
    checked = 0
    for conf in sorted((tmp_path / "samples").rglob("*.conf")):
        if _no_new_finding(conf):
            checked += 1
        elif parses(conf.read_text(encoding="utf-8")):
            _no_new_finding_in_the_model(conf.read_text(encoding="utf-8"), str(conf))
    assert checked >= 5


def _examples() -> list[tuple[str, str]]:
    out = []
    for rule in rules.ALL:
        doc = inspect.getdoc(rule) or ""
        for i, found in enumerate(re.findall(r"^(?:Bad|Good):\n(.*?)(?=^\S|\Z)", doc, re.S | re.M)):
            out.append((f"{rule.CODE}-{i}", textwrap.dedent(found)))
    return out


def test_rule_examples_text_has_no_finding_their_json_did_not(tmp_path: Path) -> None:
    checked = 0
    for name, example in _examples():
        # A folder each: lint checks a file that a neighbour includes (an include-glob example) as part of it.
        (tmp_path / name).mkdir()
        conf = write(tmp_path / name / f"{name}.conf", example)
        if _no_new_finding(conf, "--no-file-checks"):
            checked += 1
        elif parses(example):
            _no_new_finding_in_the_model(example, str(conf))
    assert checked >= len(rules.ALL) // 2


# Every example costs four commands (json, text and two lints): a third of the corpus, every third file of
# it in name order, in the default suite (about 20 s); all of it with `-m soak`. test_docs_corpus.py lints
# every example in the default suite all the same.
@pytest.mark.parametrize(
    "share", [pytest.param(3, id="every-third"), pytest.param(1, id="all", marks=pytest.mark.soak)]
)
def test_docs_corpus_text_has_no_finding_its_json_did_not(tmp_path: Path, share: int) -> None:
    files = docs_corpus_files()
    if not files:
        pytest.skip("the shared corpus is not beside the checkout")
    checked = 0
    for source in sorted(files)[::share]:
        text = source.read_bytes().decode("utf-8")
        conf = write(tmp_path / source.name, text)
        if _no_new_finding(conf, "--no-file-checks"):
            checked += 1
        elif parses(text):
            _no_new_finding_in_the_model(text, str(conf))
    assert checked > 100 // share


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_drawn_configs_text_has_no_finding_their_json_did_not(drawn: Drawn) -> None:
    with tempfile.TemporaryDirectory() as folder:
        conf = write(Path(folder) / "drawn.conf", drawn.text)
        if not _no_new_finding(conf, "--no-file-checks"):
            _no_new_finding_in_the_model(drawn.text, str(conf))


def parses(text: str) -> bool:
    try:
        parse_tree(text, "x.conf")
    except Exception:
        return False
    return True
