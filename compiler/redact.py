"""Secrets out of what ecconf prints: option values known to hold one, and passwords inside URIs.

Rule of this room: which options hold secrets is data (compiler/data/secret_options.tsv), read here and named
nowhere else; this module only applies it, to the JSON form (`ecconf json`, `ecconf text`) and to the lines a
diagnostic quotes. A redacted value becomes REDACTED; booleans stay (`returns_password = true` says nothing
secret), and the shape of arrays and dictionaries is kept so the output still validates and reads back.
Over-redacting is the safe side: an option of another module that merely has "password" in its name is hidden
too.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .models import Config, dump
from .values import FALSE_WORDS, TRUE_WORDS

REDACTED = "********"
DATA_FILE = "secret_options.tsv"
ANYWHERE = "*"
# Values kept even for a secret option: a switch, not a secret (the config language's boolean spellings).
_BOOLEAN_WORDS = TRUE_WORDS | FALSE_WORDS


@dataclass(frozen=True, slots=True)
class SecretOption:
    option: str  # lower case
    match: str  # "exact", "contains", or "none" (an exact name that holds no secret, whatever else matches)
    scope: str  # lower-case scope name, or ANYWHERE
    holds: str

    def covers(self, name: str, scope: str | None) -> bool:
        if self.scope != ANYWHERE and (scope or "").lower() != self.scope:
            return False
        name = name.lower()
        return self.option in name if self.match == "contains" else name == self.option


@lru_cache(maxsize=1)
def secret_options() -> tuple[SecretOption, ...]:
    """The table, in file order."""
    text = resources.files(__package__).joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    lines = [line for line in io.StringIO(text) if not line.startswith("#")]
    rows = csv.DictReader(lines, delimiter="\t")
    return tuple(SecretOption(r["option"].lower(), r["match"], r["scope"].lower(), r["holds"]) for r in rows)


def is_secret(name: str, scope: str | None = None) -> bool:
    """Whether option `name` (any case) holds a secret inside a scope named `scope` (None: global)."""
    rows = [row for row in secret_options() if row.covers(name, scope)]
    return bool(rows) and not any(row.match == "none" for row in rows)


@lru_cache(maxsize=4096)
def _scope_blind(name: str) -> bool:
    """For text lines, where the scope is not known: a secret in some scope counts everywhere."""
    rows = [row for row in secret_options() if row.covers(name, None if row.scope == ANYWHERE else row.scope)]
    return bool(rows) and not any(row.match == "none" for row in rows)


# Passwords inside URIs and connection strings: scheme://user:PASSWORD@host, and key=PASSWORD pairs
# (pgsql:...;password=..., ldap://...?x-bindpw=..., odbc pwd=...) up to the next separator.
# The scheme's length is bounded so that a long run of scheme characters costs linear time, not quadratic.
_USERINFO = re.compile(r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}://[^\s/@:\"']*:)([^\s/@\"']+)(@)")
# The key may carry a prefix joined by a separator (db_password, x-bindpw), never a word it ends (compass).
# Every key holds one of _PAIR_WORDS (password, passwd and passphrase hold "pass"): the prechecks look for them.
_PAIR_WORDS = ("bindpw", "pass", "pwd", "secret")
_PAIR_KEYS = ("bindpw", "password", "passwd", "passphrase", "pwd", "pass", "secret")
_PAIR = re.compile(rf"(?i)(?<![\w.-])((?:[\w.-]*[_.-])?(?:{'|'.join(_PAIR_KEYS)})\s*=\s*)([^\s;&\"',)]+)")


def redact_uris(text: str) -> str:
    """`text` with every password inside a URI or a key=value connection string replaced by REDACTED."""
    if "@" in text:  # a userinfo password ends at its "@"
        text = _USERINFO.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    # A pair needs its "=" and one of the words; lower() reads ASCII as _PAIR's IGNORECASE does (beyond
    # ASCII a dotless i or a long s also match, so such text is always searched).
    if "=" in text and (not text.isascii() or any(word in text.lower() for word in _PAIR_WORDS)):
        text = _PAIR.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def _hidden(value: Any) -> Any:
    if isinstance(value, bool) or (isinstance(value, str) and value.lower() in _BOOLEAN_WORDS):
        return value
    if isinstance(value, list):
        return [_hidden(v) for v in value]
    if isinstance(value, dict):
        return {k: _hidden(v) for k, v in value.items()}
    return REDACTED


def redact_json(node: Any, scope: str | None = None) -> Any:
    """A copy of JSON data (ecconf's JSON form) with every secret replaced. `scope`: the enclosing scope."""
    if isinstance(node, str):
        return redact_uris(node)
    if isinstance(node, list):
        return [redact_json(v, scope) for v in node]
    if not isinstance(node, dict):
        return node
    inner = node["name"] if isinstance(node.get("name"), str) else scope
    return {
        key: _hidden(value) if key != "name" and is_secret(key, inner) else redact_json(value, inner)
        for key, value in node.items()
    }


def redact_config(config: Config) -> Config:
    """The same configuration with every secret replaced (for `ecconf text`)."""
    from .json_models import validate  # pydantic: `ecconf text` only

    return validate(redact_json(dump(config, exclude_none=True)))


# A line of config text setting an option (`Name = value  # comment`), or a line of JSON (`"name": value`).
_CONF_LINE = re.compile(r"^(\s*)([^\s=#\"'{}()\[\],]+)(\s*=\s*)(.*)$")
_JSON_MEMBER = re.compile(r"(\"((?:[^\"\\]|\\.)*)\"\s*:\s*)(\"(?:[^\"\\]|\\.)*\"|-?[0-9][0-9.eE+-]*)")


def _conf_value(match: re.Match[str]) -> str:
    indent, name, equals, value = match.groups()
    word = value.split("#", 1)[0].strip().strip("\"'").lower()
    if not _scope_blind(name) or word in _BOOLEAN_WORDS or value.lstrip()[:1] in ("[", "(", "{", ""):
        return match.group(0)
    return f'{indent}{name}{equals}"{REDACTED}"'


def _json_value(match: re.Match[str]) -> str:
    return match.group(1) + f'"{REDACTED}"' if _scope_blind(match.group(2)) else match.group(0)


def redact_line(line: str) -> str:
    """One line of a config (or of its JSON form) as a diagnostic may quote it."""
    line = redact_uris(line)
    line = _CONF_LINE.sub(_conf_value, line)
    return _JSON_MEMBER.sub(_json_value, line)


# What a line must hold for redact_line to change it: a URI's "://" or a connection-string key (redact_uris),
# or the name of a secret option as the table spells it (a match of _CONF_LINE or _JSON_MEMBER counts only
# for a name some row covers, and a row covers only names that contain its option, in any case).
_URI_TRIGGERS = ("://", *_PAIR_WORDS)


@lru_cache(maxsize=1)
def _trigger_words() -> tuple[str, ...]:
    return tuple(sorted({*_URI_TRIGGERS, *(row.option for row in secret_options() if row.match != "none")}))


def redact_text(text: str) -> str:
    """A whole file's text, line by line (line ends kept), for the excerpts diagnostics quote.

    Only the lines that hold a trigger word are looked at closely: most lines of a config hold none, and the
    three regular expressions of redact_line cost some 10 us a line. The words are found in the lower-cased
    text, which for ASCII is exactly what the expressions' IGNORECASE reads; beyond ASCII a few characters
    (dotless i, long s, the Kelvin sign) match letters that lower() does not give, so such a text has every
    line read closely."""
    lines = text.split("\n")
    if not text.isascii():
        return "\n".join(redact_line(part) for part in lines)
    low = text.lower()
    ends = list(itertools.accumulate(len(line) + 1 for line in lines))  # offset just past each line's end
    marked: set[int] = set()
    for word in _trigger_words():
        at = low.find(word)
        while at >= 0:
            line = bisect.bisect_right(ends, at)
            marked.add(line)
            at = low.find(word, ends[line])  # the next line that holds it
    for line in marked:
        lines[line] = redact_line(lines[line])
    return "\n".join(lines) if marked else text
