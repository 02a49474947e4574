"""The fuzz entry point still runs: one tiny round of every target (the long runs are not for CI)."""

from __future__ import annotations

import fuzz_config
import pytest


def test_one_small_round_of_every_target_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert fuzz_config.main(["--seconds", "0", "--batch", "3"]) == 0
    assert "no failure in 1 round(s): json 3, mutate 3, roundtrip 3 examples" in capsys.readouterr().out


def test_a_failing_property_is_reported_with_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_drawn: object) -> None:
        raise AssertionError("planted")

    strategy, _prop = fuzz_config.TARGETS["mutate"]
    monkeypatch.setitem(fuzz_config.TARGETS, "mutate", (strategy, broken))
    assert fuzz_config.main(["--seconds", "0", "--batch", "3", "--target", "mutate"]) == 1
    assert "fuzz_config: mutate: FAILED" in capsys.readouterr().out
