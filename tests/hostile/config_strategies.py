"""Hypothesis strategies for Momentum config text: valid configs as tokens, and hostile mutations of them.

A config is drawn as a list of tokens (names, `=`, brackets, words, quoted strings) and joined with drawn
separators (spaces, tabs, CR LF, line and block comments), so that a mutation can work on whole tokens
(delete, duplicate, swap, insert one) as well as on characters (insert anything anywhere). The valid half
follows SPEC §2 and grammar/momentum.lark; every word and string it writes is checked against the
grammar's own patterns, so a drawn config that does not parse is a bug in the parser or in this file.

The JSON half: FULL_JSON uses every key of ecconf's JSON form; json_values draws any JSON value (NaN,
infinities, huge integers, surrogates escaped) to splice into it at any of its places. Also used by
tests/fuzz/fuzz_config.py, which runs the same strategies for as long as it is told.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

# The grammar's WORD (grammar/momentum.lark), and the keyword that a word may not be.
WORD = re.compile(r"(?!/\*)[^\s#\"'=\{\}\[\]\(\),\x00-\x1f\x7f]+")
KEYWORD = re.compile(r"(readonly_)?include", re.IGNORECASE)
MAX_DEPTH = 4  # of values and scopes drawn here; the grammar's limit is tested elsewhere

# Characters that go wrong in interesting ways: brackets, quotes, comment starts, escapes, NUL and other
# controls, a BOM, Unicode line and paragraph separators, non-breaking space, astral characters.
HOSTILE = "{}[]()=,\"'#/*\\\x00\x01\x1b\x7f\x85\ufeff\u2028\u2029\u00a0\u3000\r\n\t\x0b\x0c" + "é€😀"

DOCUMENTED = [
    "Hostname",
    "Spool_Base",
    "Relay_Hosts",
    "Enable",
    "SMTP_Extensions",
    "Open_Relay",
    "Idle_Time",
    "Listener_Sessions",
    "Max_Message_Size",
    "Banner_Hostname",
    "TLS_Certificate",
    "TLS_Key",
    "Use_SSL",
    "AuthPlainParameters",
    "AuthLoginParameters",
    "AuthCramMD5Parameters",
    "AuthDigestMD5Parameters",
    "server_name",
    "accept_queue_backlog",
]


def is_word(text: str) -> bool:
    return bool(WORD.fullmatch(text)) and not KEYWORD.fullmatch(text)


def _word_char(char: str) -> bool:
    return is_word(char)


# --- scalars ------------------------------------------------------------------------------------------

plain_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_\-]{0,14}", fullmatch=True).filter(is_word)
names = st.one_of(st.sampled_from(DOCUMENTED), plain_names)

_word_alphabet = st.characters(blacklist_categories=("Cs",)).filter(_word_char)
bare_words = st.one_of(
    plain_names,
    st.sampled_from(["yes", "no", "on", "off", "0", "1", "0660", "300", "/tmp/sock", "file:///etc/pw", "*:25"]),
    st.from_regex(r"[0-9]{1,25}", fullmatch=True),
    st.text(_word_alphabet, min_size=1, max_size=12).filter(is_word),
)


def quote(content: str) -> str:
    """A quoted string the parser reads back as `content` (only `\\"` and `\\\\` are escapes)."""
    return '"' + content.replace("\\", "\\\\").replace('"', '\\"') + '"'


strings = st.text(st.characters(blacklist_categories=("Cs",)), max_size=16).map(quote)
scalars = st.one_of(bare_words, strings)


# --- values, statements, files ------------------------------------------------------------------------


@st.composite
def values(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """One value: a word, a string, an array `( ... )` (space- or comma-separated) or a dictionary."""
    kinds = ["scalar", "scalar", "scalar"] + (["array", "dict"] if depth < MAX_DEPTH else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "scalar":
        return [draw(scalars)]
    if kind == "array":
        tokens = ["("]
        for item in draw(st.lists(values(depth + 1), max_size=4)):
            tokens += item
            tokens += draw(st.sampled_from([[], [","]]))
        return [*tokens, ")"]
    tokens = ["["]
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.one_of(plain_names, strings))
        value = draw(values(depth + 1))
        bare = value[0] in ("(", "[") and draw(st.booleans())  # `key [ ... ]`: the `=` may be left out
        tokens += [key, *([] if bare else ["="]), *value]
    return [*tokens, "]"]


@st.composite
def statements(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """One statement: an option, or a scope (anonymous, named, or the `Name = { ... }` form)."""
    kinds = ["option", "option"] + (["scope"] if depth < MAX_DEPTH else [])
    name = draw(names)
    if draw(st.sampled_from(kinds)) == "option":
        value = draw(values())
        bare = value[0] in ("(", "[") and draw(st.booleans())
        return [name, *([] if bare else ["="]), *value]
    form = draw(st.sampled_from(["anonymous", "named", "equals"]))
    head = [name, draw(scalars)] if form == "named" else [name, "="] if form == "equals" else [name]
    body = draw(st.lists(statements(depth + 1), max_size=3))
    return [*head, "{", *[token for statement in body for token in statement], "}"]


@st.composite
def listeners(draw: st.DrawFn) -> list[str]:
    """An ESMTP_Listener with values the engine types: Listen and Peer scopes, auth dictionaries, booleans."""
    port = draw(st.integers(0, 65535))
    host = draw(st.sampled_from(["", "*", "127.0.0.1", "[::1]", "[2001:db8::1]"]))
    cidr = draw(st.sampled_from(["10.0.0.0/8", "192.0.2.1/24", "::1", "2001:db8::/32", "not-a-cidr"]))
    flag = draw(st.sampled_from(["yes", "no", '"true"', "off", "enabled", "maybe"]))
    mech = draw(st.sampled_from(["Plain", "Login", "CramMD5", "DigestMD5"]))
    extensions = draw(st.lists(st.sampled_from(['"AUTH PLAIN LOGIN"', "STARTTLS", '"8BITMIME"', "XCLIENT"])))
    inner = draw(st.lists(statements(2), max_size=2))
    return [
        "ESMTP_Listener",
        "{",
        "Enable",
        "=",
        flag,
        "SMTP_Extensions",
        "=",
        "(",
        *extensions,
        ")",
        f"Auth{mech}Parameters",
        "[",
        "uri",
        "=",
        '"file:///nonexistent/passwd"',
        "log_authentication",
        "=",
        flag,
        "]",
        "Idle_Time",
        "=",
        draw(st.sampled_from(["300", '"30"', "-1", "soon", "0"])),
        "Listen",
        quote(f"{host}:{port}"),
        "{",
        "Peer",
        quote(cidr),
        "{",
        "Open_Relay",
        "=",
        flag,
        "}",
        *[token for statement in inner for token in statement],
        "}",
        "Relay_Hosts",
        "=",
        "(",
        quote(cidr),
        ")",
        "}",
    ]


@st.composite
def files(draw: st.DrawFn) -> list[str]:
    """The tokens of a whole config file."""
    parts = draw(st.lists(st.one_of(statements(), listeners()), max_size=5))
    return [token for part in parts for token in part]


# --- joining tokens into text -------------------------------------------------------------------------

_comment_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12)
separators = st.one_of(
    st.sampled_from([" ", "  ", "\n", "\t", "\r\n", " \n\n ", "\x0c", "\x0b"]),
    _comment_text.map(lambda text: f" #{text}\n"),
    _comment_text.filter(lambda text: "*/" not in text and not text.endswith("*")).map(lambda text: f" /*{text}*/ "),
)


@st.composite
def joined(draw: st.DrawFn, tokens: list[str]) -> str:
    out = [draw(st.sampled_from(["", "\ufeff", "# head\n", "/* head */\n"]))]
    for token in tokens:
        out.append(token)
        out.append(draw(separators))
    return "".join(out)


@dataclass(frozen=True)
class Drawn:
    """A drawn config: its text, and what was done to it (shown when a property fails)."""

    text: str
    mutations: tuple[str, ...] = ()


@st.composite
def valid_configs(draw: st.DrawFn) -> Drawn:
    return Drawn(draw(joined(draw(files()))))


# --- mutations ----------------------------------------------------------------------------------------

STRAY_TOKENS = [*"{}[]()=,", '"', "#", "/*", "*/", "include"]
hostile_chars = st.one_of(st.sampled_from(HOSTILE), st.characters(blacklist_categories=("Cs",)))


@st.composite
def mutated_configs(draw: st.DrawFn) -> Drawn:
    """A valid config, then one to four mutations on its tokens or its characters."""
    tokens = draw(files())
    done: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert token", "insert text"]))
        if op == "insert text" or not tokens:
            tokens.insert(draw(st.integers(0, len(tokens))), draw(st.text(hostile_chars, min_size=1, max_size=4)))
        elif op == "insert token":
            tokens.insert(draw(st.integers(0, len(tokens))), draw(st.sampled_from(STRAY_TOKENS)))
        else:
            i = draw(st.integers(0, len(tokens) - 1))
            if op == "delete":
                del tokens[i]
            elif op == "duplicate":
                tokens.insert(i, tokens[i])
            else:
                j = draw(st.integers(0, len(tokens) - 1))
                tokens[i], tokens[j] = tokens[j], tokens[i]
        done.append(op)
    text = draw(joined(tokens))
    for _ in range(draw(st.integers(0, 2))):  # characters anywhere, even inside a token or a comment
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(hostile_chars) + text[at:]
        done.append("insert char")
    return Drawn(text, tuple(done))


# --- JSON ---------------------------------------------------------------------------------------------

Parts = tuple[str | int, ...]

# A configuration that uses every key of ecconf's JSON form at least once.
FULL_JSON: dict[str, Any] = {
    "$schema": "urn:ecconf:schema:config:1",
    "hostname": "mail.example.com",
    "spool_base": "/var/spool/ecconf",
    "relay_hosts": ["10.0.0.0/8"],
    "options": {"server_name": "mx", "keep_message_dicts_in_memory": ["a", 1, True]},
    "esmtp_listener": {
        "enable": True,
        "smtp_extensions": ["ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN"],
        "relay_hosts": ["192.0.2.0/24"],
        "open_relay": False,
        "auth_plain_parameters": {"uri": "file:///etc/passwd.txt", "log_authentication": True},
        "auth_digest_md5_parameters": {
            "uri": "digest:///etc/htdigest",
            "realm": "example.com",
            "stored_cleartext": False,
            "options": {"nas-ip-address": "192.0.2.1"},
        },
        "banner_hostname": "mx.example.com",
        "idle_time": 300,
        "listener_sessions": 100,
        "max_message_size": 10485760,
        "max_recipients_per_message": 100,
        "tls_certificate": "/etc/cert.pem",
        "tls_key": "/etc/key.pem",
        "tls_protocols": "TLSv1.2:TLSv1.3",
        "tls_ciphers": "HIGH",
        "use_ssl": False,
        "always_allow": False,
        "always_deny": False,
        "options": {"concurrency": 10},
        "scopes": [{"name": "custom", "instance": "one", "options": {"k": "v"}}],
        "listens": [
            {
                "address": "127.0.0.1:2525",
                "idle_time": 60,
                "peers": [{"network": "127.0.0.0/8", "listener_sessions": 5}],
            }
        ],
        "peers": [{"network": "10.0.0.0/8", "max_message_size": 1000}],
    },
    "ec_loggers": [{"instance": "acct", "acctlog": "/var/log/acct", "options": {"mode": "0640"}}],
    "scopes": [{"name": "threads", "options": {"count": 4}, "scopes": [{"name": "inner"}]}],
}


def json_places(value: Any, parts: Parts = ()) -> Iterator[tuple[Parts, Any]]:
    """Every (path, value) below `value`, depth first; `$schema` is not a place."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "$schema":
                yield (*parts, key), item
                yield from json_places(item, (*parts, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*parts, i), item
            yield from json_places(item, (*parts, i))


def set_at(document: Any, parts: Parts, value: Any) -> None:
    for part in parts[:-1]:
        document = document[part]
    document[parts[-1]] = value


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.characters(whitelist_categories=("Cs",))  # a lone surrogate: json.dumps escapes it as \ud800
)
json_values = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
