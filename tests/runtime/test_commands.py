"""Command-line parsing: verbs, paths, parameters, xtext, limits."""

from __future__ import annotations

import pytest

from ecconf.runtime import replies
from ecconf.runtime.commands import (
    LINE_LIMITS,
    decode_xtext,
    line_limit,
    parse_command,
    parse_params,
    parse_path,
)
from ecconf.runtime.replies import ProtocolViolation


def violation(call) -> replies.Reply:
    with pytest.raises(ProtocolViolation) as err:
        call()
    return err.value.reply


def test_verbs():
    assert parse_command(b"ehlo  client.example ") == parse_command(b"EHLO client.example")
    assert parse_command(b"QUIT").arg == ""
    assert violation(lambda: parse_command(b"12 x")) is replies.UNKNOWN_COMMAND
    assert violation(lambda: parse_command(b"NOOP \xff")) is replies.SYNTAX_ERROR


def test_mail_path_and_params():
    path = parse_path("FROM:<a@b.example> SIZE=10 BODY=8BITMIME AUTH=<>", "FROM:", null_ok=True)
    assert path.address == "a@b.example"
    assert path.params == {"SIZE": "10", "BODY": "8BITMIME", "AUTH": "<>"}
    assert parse_path("from:<>", "FROM:", null_ok=True).address == ""
    assert parse_path("FROM:a@b.example", "FROM:", null_ok=True).address == "a@b.example"


def test_quoted_local_part_may_hold_brackets_and_spaces():
    assert parse_path('TO:<"a> b"@c.example>', "TO:", null_ok=False).address == '"a> b"@c.example'


@pytest.mark.parametrize(
    "arg, prefix, reply",
    [
        ("TO:<>", "TO:", replies.BAD_RECIPIENT),
        ("FROM:<@x>", "FROM:", replies.BAD_SENDER),
        ("FROM:<a@b", "FROM:", replies.SYNTAX_ERROR),
        ("<a@b.example>", "FROM:", replies.SYNTAX_ERROR),
        ("FROM:<a@b.example> =x", "FROM:", replies.SYNTAX_ERROR),
        ("FROM:<a@b.example> K=a=b", "FROM:", replies.SYNTAX_ERROR),
    ],
)
def test_bad_paths(arg, prefix, reply):
    assert violation(lambda: parse_path(arg, prefix, null_ok=prefix == "FROM:")) is reply


@pytest.mark.parametrize(
    "arg, prefix, reply",
    [
        ("FROM:<jörg@example.de>", "FROM:", replies.NON_ASCII_SENDER),
        ("FROM:<joerg@exämple.de>", "FROM:", replies.NON_ASCII_SENDER),
        ("FROM:jörg@example.de", "FROM:", replies.NON_ASCII_SENDER),  # without brackets too
        ('TO:<"jö rg"@example.de>', "TO:", replies.NON_ASCII_RECIPIENT),
        ("TO:<@relay.example:用户@例子.广告>", "TO:", replies.NON_ASCII_RECIPIENT),
    ],
)
def test_non_ascii_addresses_need_smtputf8_which_is_not_offered(arg, prefix, reply):
    assert violation(lambda: parse_path(arg, prefix, null_ok=prefix == "FROM:")) is reply
    assert (reply.code, reply.enhanced) == (553, "5.6.7")


def test_params_keywords_without_values():
    assert parse_params("SMTPUTF8 size=5") == {"SMTPUTF8": None, "SIZE": "5"}


def test_xtext():
    assert decode_xtext("alice+2Bx+3Dy@b.example") == "alice+x=y@b.example"
    assert violation(lambda: decode_xtext("a+2")).code == 501
    assert violation(lambda: decode_xtext("a+2b")).code == 501  # hex digits must be upper case


def test_limits():
    assert line_limit("NOOP") == 512
    assert line_limit("AUTH") == 12288
    assert LINE_LIMITS["MAIL"] == 512 + 26 + 500
