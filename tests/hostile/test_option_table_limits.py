"""The "did you mean" lookup under hostile names: a 10 MB name costs nothing, each distinct name one comparison.

The unknown-name rules ask the option table for the closest documented name of every unknown option, and
two rules ask for each one. A config of thousands of garbage names, or one 10 MB name, must not turn that
into minutes of difflib.
"""

from __future__ import annotations

import time

import pytest

from ecconf.compiler import option_table
from ecconf.compiler.option_table import OptionTable, table


def test_suggestions_for_ordinary_typos_are_unchanged() -> None:
    names = table()
    assert names.suggest("SMTPExtensions", "esmtp_listener") == "smtp_extensions"
    assert names.suggest("Relay_Host", "global") == "relay_hosts"
    assert names.suggest("ESMTP_Listner", "global", scopes=True) == "esmtp_listener"
    assert names.suggest("zzzz", "global") is None


def test_a_10_mb_name_gets_no_suggestion_and_costs_no_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> list[str]:
        raise AssertionError("no documented name can be close to a 10 MB one; difflib must not be asked")

    monkeypatch.setattr(option_table.difflib, "get_close_matches", refuse)
    started = time.perf_counter()
    assert table().suggest("a" * 10 * 2**20, "global") is None
    assert time.perf_counter() - started < 0.5


def test_each_distinct_name_is_compared_once(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = OptionTable(list(table()._options.values()) + list(table()._scopes.values()))
    calls: list[str] = []
    real = option_table.difflib.get_close_matches

    def counting(word: str, *args: object, **kwargs: object) -> list[str]:
        calls.append(word)
        return real(word, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(option_table.difflib, "get_close_matches", counting)
    garbage = [f"opt{i}x" for i in range(5000)]
    first = [fresh.suggest(name, "esmtp_listener") for name in garbage]
    second = [fresh.suggest(name, "esmtp_listener") for name in garbage]  # the second rule asks again
    assert first == second
    assert len(calls) == len(garbage)


def test_typo_of_a_10_mb_scope_name_is_answered_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> int:
        raise AssertionError("no known name is within two edits of a 10 MB one; nothing needs comparing")

    monkeypatch.setattr(option_table, "_edits", refuse)
    started = time.perf_counter()
    assert table().typo_of("a" * 10 * 2**20, "global", scopes=True) is None
    assert time.perf_counter() - started < 0.5


def test_typo_of_counts_edits_not_likeness() -> None:
    names = table()
    assert names.typo_of("ESMTP_Listner", "global", scopes=True) == "esmtp_listener"
    assert names.typo_of("ec_loger", "global", scopes=True) == "ec_logger"
    assert names.typo_of("ce_logger", "global", scopes=True) == "ec_logger"  # two letters swapped: one edit
    assert names.typo_of("zz_logger", "global", scopes=True) is None  # like ec_logger, but two edits away
