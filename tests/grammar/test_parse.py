"""Every construct of the configuration language (SPEC §2) parses to the right nodes, at the right place."""

from __future__ import annotations

import pytest
from shared_paths import MOMENTUM_SAMPLES

from ecconf.compiler.nodes import Array, Dict, File, Include, Option, Scalar, Scope, Statement
from ecconf.compiler.span import Span
from ecconf.compiler.transform import parse_text

PATH = "test.conf"
SAMPLES = MOMENTUM_SAMPLES


def parse(text: str) -> File:
    return parse_text(text, PATH)


def only(text: str) -> Statement:
    body = parse(text).body
    assert len(body) == 1, body
    return body[0]


def option(text: str) -> Option:
    statement = only(text)
    assert isinstance(statement, Option)
    return statement


def scope(text: str) -> Scope:
    statement = only(text)
    assert isinstance(statement, Scope)
    return statement


def span(line: int, column: int, end_line: int, end_column: int) -> Span:
    return Span(PATH, line, column, end_line, end_column)


def plain(value: Scalar | Array | Dict) -> object:
    """A value without positions, to compare shapes."""
    if isinstance(value, Scalar):
        return value.value
    if isinstance(value, Array):
        return [plain(item) for item in value.items]
    return {entry.key: plain(entry.value) for entry in value.entries}


# -- options and values ---------------------------------------------------------------------------------------


def test_option_with_a_quoted_value_and_its_positions() -> None:
    opt = option('Hostname = "mx.example.com"')
    assert opt.name == "Hostname"
    assert opt.name_span == span(1, 1, 1, 9)
    assert isinstance(opt.value, Scalar)
    assert (opt.value.value, opt.value.quoted) == ("mx.example.com", True)
    assert opt.value.span == span(1, 12, 1, 28)
    assert opt.span == span(1, 1, 1, 28)


def test_bare_word_value() -> None:
    opt = option("Idle_Time = 300")
    assert isinstance(opt.value, Scalar)
    assert (opt.value.value, opt.value.quoted) == ("300", False)
    assert opt.value.span == span(1, 13, 1, 16)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("uri = digest:///opt/msys/passwd", "digest:///opt/msys/passwd"),
        ("uri = file:relative/passwords", "file:relative/passwords"),
        ("Peer = 10.0.0.0/8", "10.0.0.0/8"),
        ("Relay = mx.example.com:587", "mx.example.com:587"),
        ("Pattern = ^bounces-\\d+@", "^bounces-\\d+@"),
        ("Value = a*b+c?d!e%f&g;h|i~j`k$l^m@n", "a*b+c?d!e%f&g;h|i~j`k$l^m@n"),
    ],
)
def test_bare_values_with_slashes_colons_and_punctuation(text: str, value: str) -> None:
    opt = option(text)
    assert isinstance(opt.value, Scalar) and opt.value.value == value and not opt.value.quoted


def test_a_hash_ends_a_bare_word() -> None:
    f = parse("Mode = fast#comment\n")
    opt = f.body[0]
    assert isinstance(opt, Option) and isinstance(opt.value, Scalar)
    assert opt.value.value == "fast"
    assert [c.text for c in f.comments] == ["#comment"]


def test_empty_string_and_unicode() -> None:
    assert plain(option('Banner = ""').value) == ""
    opt = option('Banner = "Grüße 📮"')
    assert plain(opt.value) == "Grüße 📮"
    assert opt.value.span == span(1, 10, 1, 19)  # columns count characters, not bytes


# -- arrays ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH PLAIN" STARTTLS )',
        'SMTP_Extensions = ("ENHANCEDSTATUSCODES","AUTH PLAIN",STARTTLS)',
        'SMTP_Extensions = ( "ENHANCEDSTATUSCODES", "AUTH PLAIN" , STARTTLS, )',
        'SMTP_Extensions ( "ENHANCEDSTATUSCODES" "AUTH PLAIN" STARTTLS )',
        'SMTP_Extensions = (\n  "ENHANCEDSTATUSCODES"\n  "AUTH PLAIN"   # comment\n  STARTTLS\n)',
    ],
)
def test_array_spellings(text: str) -> None:
    assert plain(option(text).value) == ["ENHANCEDSTATUSCODES", "AUTH PLAIN", "STARTTLS"]


def test_nested_and_empty_arrays_and_bare_networks() -> None:
    assert plain(option("A = ( a ( b ( c ) ) ( ) )").value) == ["a", ["b", ["c"]], []]
    assert plain(option("Relay_Hosts = ( 127.0.0.0/8 10.0.0.0/24 ::1 )").value) == [
        "127.0.0.0/8",
        "10.0.0.0/24",
        "::1",
    ]
    assert plain(option("A = ( , , )").value) == []


def test_array_positions_over_lines() -> None:
    opt = option('A = (\n  one\n  "two"\n)')
    assert isinstance(opt.value, Array)
    assert opt.value.span == span(1, 5, 4, 2)
    assert [item.span for item in opt.value.items] == [span(2, 3, 2, 6), span(3, 3, 3, 8)]


def test_array_holding_a_dictionary() -> None:
    assert plain(option("A = ( [ k = v ] x )").value) == [{"k": "v"}, "x"]


# -- dictionaries ---------------------------------------------------------------------------------------------


def test_dictionary_with_and_without_equals() -> None:
    text = '[\n  uri = "digest:///opt/msys/ecelerity/etc/smtp_passwd"\n  realm = "my choice of realm"\n]'
    with_eq = option(f"AuthDigestMD5Parameters = {text}")
    without = option(f"AuthDigestMD5Parameters {text}")
    expected = {"uri": "digest:///opt/msys/ecelerity/etc/smtp_passwd", "realm": "my choice of realm"}
    assert plain(with_eq.value) == plain(without.value) == expected


def test_nested_dictionaries_quoted_keys_and_container_values() -> None:
    opt = option('A = [ outer = [ inner [ deep = 1 ] ] "quoted key" = x list ( 1 2 ) empty = [ ] ]')
    assert plain(opt.value) == {"outer": {"inner": {"deep": "1"}}, "quoted key": "x", "list": ["1", "2"], "empty": {}}


def test_dictionary_entry_positions() -> None:
    opt = option('P [ uri = "file:///x" ]')
    assert isinstance(opt.value, Dict)
    entry = opt.value.entries[0]
    assert entry.key_span == span(1, 5, 1, 8)
    assert entry.value.span == span(1, 11, 1, 22)
    assert entry.span == span(1, 5, 1, 22)
    assert opt.value.span == span(1, 3, 1, 24)


# -- scopes ---------------------------------------------------------------------------------------------------


def test_anonymous_scope_and_its_positions() -> None:
    s = scope("ESMTP_Listener {\n  Enable = true\n}")
    assert (s.name, s.instance) == ("ESMTP_Listener", None)
    assert s.name_span == span(1, 1, 1, 15)
    assert s.open_span == span(1, 16, 1, 17)
    assert s.span == span(1, 1, 3, 2)
    assert [type(b).__name__ for b in s.body] == ["Option"]


@pytest.mark.parametrize(
    ("text", "instance", "quoted"),
    [
        ('Listen ":25" { }', ":25", True),
        ('Peer "10.0.0.0/8" { }', "10.0.0.0/8", True),
        ("Domain example.com { }", "example.com", False),
        ("Listen /tmp/2025 { }", "/tmp/2025", False),
        ("Listen :25 { }", ":25", False),
        ('Listen "[::1]:587" { }', "[::1]:587", True),
    ],
)
def test_named_scopes(text: str, instance: str, quoted: bool) -> None:
    s = scope(text)
    assert s.instance is not None
    assert (s.instance.value, s.instance.quoted) == (instance, quoted)
    assert s.instance.span.line == 1 and s.instance.span.column == len(s.name) + 2


def test_scope_written_with_equals() -> None:
    s = scope('ESMTP_Listener = {\n  Listen ":25" { }\n}')
    assert s.name == "ESMTP_Listener" and s.instance is None
    assert isinstance(s.body[0], Scope) and s.body[0].instance is not None
    assert s.open_span == span(1, 18, 1, 19)


def test_whole_nested_scope_on_one_line() -> None:
    s = scope('ESMTP_Listener { Listen ":25" { Peer "10.0.0.0/8" { Open_Relay = true } Idle_Time = 5 } }')
    listen = s.body[0]
    assert isinstance(listen, Scope) and listen.name == "Listen"
    peer, idle = listen.body
    assert isinstance(peer, Scope) and isinstance(idle, Option)
    assert isinstance(peer.body[0], Option) and peer.body[0].name_span == span(1, 53, 1, 63)
    assert idle.name_span == span(1, 73, 1, 82)


def test_empty_scopes_and_deep_nesting() -> None:
    s = scope("a { b { c { d { } } } }")
    depth = 0
    while s.body:
        child = s.body[0]
        assert isinstance(child, Scope)
        s, depth = child, depth + 1
    assert depth == 3


# -- comments -------------------------------------------------------------------------------------------------


def test_comments_are_collected_with_positions() -> None:
    text = '# head\nA = "x # not a comment" # tail\n/* block\n   over lines */ B = 1 /* inline */\n'
    f = parse(text)
    assert [(s.name, plain(s.value)) for s in f.body if isinstance(s, Option)] == [
        ("A", "x # not a comment"),
        ("B", "1"),
    ]
    assert [(c.text, c.span) for c in f.comments] == [
        ("# head", span(1, 1, 1, 7)),
        ("# tail", span(2, 25, 2, 31)),
        ("/* block\n   over lines */", span(3, 1, 4, 17)),
        ("/* inline */", span(4, 24, 4, 36)),
    ]


def test_comment_markers_inside_strings_are_text() -> None:
    assert plain(option('A = "/* not */ # no"').value) == "/* not */ # no"


def test_block_comments_do_not_nest() -> None:
    f = parse("/* a /* b */ A = 1")
    assert [s.name for s in f.body if isinstance(s, Option)] == ["A"]


def test_a_file_of_comments_only_and_an_empty_file() -> None:
    assert parse("# nothing\n/* at all */\n").body == []
    assert parse("").body == []
    assert parse("\n\n   \t\n").body == []


# -- strings --------------------------------------------------------------------------------------------------


def test_multi_line_string() -> None:
    opt = option('Banner = "first line\nsecond line"')
    assert plain(opt.value) == "first line\nsecond line"
    assert opt.value.span == span(1, 10, 2, 13)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        (r'"say \"hi\""', 'say "hi"'),
        (r'"C:\\path"', "C:\\path"),
        (r'"^bounces-\d+@"', "^bounces-\\d+@"),
        (r'"tab\tstays"', "tab\\tstays"),
        (r'"end\\"', "end\\"),
        (r'"\\\""', '\\"'),
    ],
)
def test_string_escapes(written: str, value: str) -> None:
    assert plain(option(f"A = {written}").value) == value


# -- whole-file matters ---------------------------------------------------------------------------------------


def test_crlf_line_ends() -> None:
    text = 'ESMTP_Listener {\r\n  Listen ":25" {\r\n    Idle_Time = 30\r\n  }\r\n}\r\n'
    s = scope(text)
    listen = s.body[0]
    assert isinstance(listen, Scope)
    idle = listen.body[0]
    assert isinstance(idle, Option) and plain(idle.value) == "30"
    assert idle.name_span == span(3, 5, 3, 14)
    assert s.span == span(1, 1, 5, 2)


def test_byte_order_mark_is_skipped() -> None:
    opt = option('\ufeffHostname = "mx"')
    assert opt.name == "Hostname"
    assert opt.name_span == span(1, 1, 1, 9)


def test_names_keep_their_case() -> None:
    f = parse("esmtp_listener { }\nESMTP_LISTENER { }\nEsmtp_Listener { }")
    assert [s.name for s in f.body if isinstance(s, Scope)] == ["esmtp_listener", "ESMTP_LISTENER", "Esmtp_Listener"]


def test_statement_order_is_kept() -> None:
    f = parse('B = 1\nA { }\ninclude "x"\nC = 2')
    assert [type(s).__name__ for s in f.body] == ["Option", "Scope", "Include", "Option"]


# -- include --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "readonly", "target"),
    [
        ('include "conf.d/listeners.conf"', False, "conf.d/listeners.conf"),
        ("include /etc/ecelerity/conf.d", False, "/etc/ecelerity/conf.d"),
        ('readonly_include "secrets.conf"', True, "secrets.conf"),
        ('INCLUDE "x"', False, "x"),
        ('Readonly_Include "x"', True, "x"),
    ],
)
def test_include_forms(text: str, readonly: bool, target: str) -> None:
    inc = only(text)
    assert isinstance(inc, Include)
    assert inc.readonly is readonly
    assert plain(inc.target) == target
    assert inc.span.column == 1 and inc.span.end_column == len(text) + 1
    assert inc.files == []


def test_include_inside_a_scope() -> None:
    s = scope('ESMTP_Listener {\n  include "listen.conf"\n  readonly_include "tls.conf"\n}')
    assert [(type(b).__name__, getattr(b, "readonly", None)) for b in s.body] == [("Include", False), ("Include", True)]


def test_words_that_start_with_include_are_names_and_values() -> None:
    assert option("Include_Path = 1").name == "Include_Path"
    assert option("includes = 1").name == "includes"
    assert plain(option("A = include").value) == "include"
    listen = scope("Listen include { }")
    assert listen.instance is not None and listen.instance.value == "include"


# -- real files -----------------------------------------------------------------------------------------------

REAL_FILES = {
    "datasource.conf": [("Scope", "Datasource")],
    "scriptlets.conf": [("Scope", "scriptlet")],
    "spe-relay.conf": [
        ("Scope", "outbound_smtp_auth"),
        ("Option", "Keep_Message_Dicts_In_Memory"),
        ("Scope", "domain"),
        ("Scope", "binding"),
    ],
}


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the real Momentum samples are not on this machine")
@pytest.mark.parametrize("suffix", sorted(REAL_FILES))
def test_real_momentum_files_parse(suffix: str) -> None:
    path = next(SAMPLES.glob(f"*{suffix}"))
    f = parse_text(path.read_text(encoding="utf-8"), str(path))
    assert [(type(s).__name__, s.name) for s in f.body if isinstance(s, Option | Scope)] == REAL_FILES[suffix]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the real Momentum samples are not on this machine")
def test_real_file_details() -> None:
    path = next(SAMPLES.glob("*spe-relay.conf"))
    f = parse_text(path.read_text(encoding="utf-8"), str(path))
    domain = f.body[2]
    assert isinstance(domain, Scope) and domain.instance is not None
    assert domain.instance.value == "#spe_relay"  # a quoted '#' is not a comment
    routes = domain.body[0]
    assert isinstance(routes, Option) and plain(routes.value) == ["smtp://smtp.sparkpostmail.com:587"]
    scriptlets = next(SAMPLES.glob("*scriptlets.conf"))
    top = parse_text(scriptlets.read_text(encoding="utf-8"), str(scriptlets)).body[0]
    assert isinstance(top, Scope)
    names = [s.instance.value for s in top.body if isinstance(s, Scope) and s.instance is not None]
    assert names[3] == "delivery-agent" and len(names) == 6
