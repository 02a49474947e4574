"""E306 unknown-smtp-extension: SMTP_Extensions items that are not EHLO keywords."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from rule_harness import bind, places

from ecconf.compiler.build import build
from ecconf.compiler.context import CheckContext
from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.includes import load
from ecconf.compiler.option_table import table
from ecconf.compiler.rules import unknown_smtp_extension as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E306"
    assert rule.DEFAULT_SEVERITY is Severity.WARNING
    assert (rule.__doc__ or "").startswith("E306 ")


def extensions(*items: str, where: str = "Listen") -> str:
    listed = " ".join(f'"{i}"' for i in items)
    return f'ESMTP_Listener {{\n  Listen ":25" {{\n    SMTP_Extensions = ( {listed} )\n  }}\n}}\n'


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(3, 25), (3, 46)]
    assert "did you mean 'ENHANCEDSTATUSCODES'" in found[0].hint
    assert "no SASL mechanism" in found[1].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_known_keywords_parameters_and_x_words(tmp_path: Path) -> None:
    items = [
        "ENHANCEDSTATUSCODES",
        "STARTTLS",
        "AUTH CRAM-MD5 DIGEST-MD5",
        "auth plain",
        "PIPELINING",
        "8BITMIME",
        "CHUNKING",
        "SIZE 10485760",
        "DSN",
        "SMTPUTF8",
        "BINARYMIME",
        "XCLIENT",
        "XFORWARD",
        "X-EXPS GSSAPI",
        "AUTH SCRAM-SHA-256",
    ]
    assert run(extensions(*items), tmp_path / "main.conf") == []


@pytest.mark.parametrize(
    ("item", "message", "hint"),
    [
        ("STARTLS", "not a known SMTP extension keyword", "did you mean 'STARTTLS'?"),
        ("AUTH=LOGIN", "old AUTH= form", 'write "AUTH LOGIN"'),
        ("AUTH=", "no SASL mechanism", "AUTH PLAIN"),
        ("AUTH PL@IN", "'PL@IN' is not a SASL mechanism name", "PLAIN"),
        ("AUTH THIS-NAME-IS-LONGER-THAN-20", "not a SASL mechanism name", ""),
        ("", "empty", "remove it"),
        ("FROBNICATE", "not a known SMTP extension keyword", "IANA"),
    ],
)
def test_bad_items(tmp_path: Path, item: str, message: str, hint: str) -> None:
    found = run(extensions("PIPELINING", item), tmp_path / "main.conf")
    assert places(found) == [(3, 38)]
    assert message in found[0].message and hint in found[0].hint


def test_a_single_bare_value_and_other_scopes(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          SMTP_Extensions = STARTLS
          Peer "10.0.0.0/8" { SMTP_Extensions = ( "8BITMIMES" ) }
        }
        pathway "p" { SMTP_Extensions = ( "PIPELINNG" ) }
        """
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(3, 21), (4, 43), (6, 35)]


def test_advertising_finds_the_item_that_decides(tmp_path: Path) -> None:
    # The helper S501/S502 use: the item of the effective list, per client class.
    text = """
        ESMTP_Listener {
          SMTP_Extensions = ( "STARTTLS" )
          Listen ":25" { Peer "10.0.0.0/8" { SMTP_Extensions = ( "PIPELINING" "starttls" ) } }
          Listen ":26" { SMTP_Extensions = ( "PIPELINING" ) }
        }
        """
    path = tmp_path / "main.conf"
    path.write_text(textwrap.dedent(text))
    loaded = load(str(path))
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), [])
    found = {cls.describe(): rule.advertising(ctx, cls, "STARTTLS") for cls in ctx.classes}
    spans = {k: (v.span.line, v.span.column) if v else None for k, v in found.items()}
    assert spans == {
        "Listen ':25'": (3, 23),
        "Listen ':25' for clients in 10.0.0.0/8": (4, 71),
        "Listen ':26'": None,
    }
