"""Fuzz the config reader for as long as you like: the bounded property tests, unbounded.

Run from the checkout (either form):

    python tests/fuzz/fuzz_config.py --seconds 600
    python -m tests.fuzz.fuzz_config --seconds 600 --target mutate --target json

Targets (all by default), each given an equal share of the time, round after round:

- `mutate`: valid configs drawn by tests/hostile/config_strategies.py, then mutated (tokens deleted,
  duplicated, swapped or inserted; hostile characters inserted anywhere). Loading and checking must never
  raise, every finding must sit at a line and column inside the text, and every output format must render;
  a mutant the grammar still accepts must also pass `roundtrip`.
- `roundtrip`: valid configs must parse; `conf -> JSON` must give the same bytes twice, JSON the schema
  accepts, and survive text -> JSON -> text -> JSON with the text a fixed point.
- `json`: any JSON value, whole or spliced into a full configuration, must be accepted or refused with
  positioned E110/E111 findings, never raise.

Each example must also finish within --deadline seconds (default 2): a slow example is reported like a
failure, since hostile input that takes seconds per kilobyte is how a hang starts. Exit status 0 when no
property failed, 1 with hypothesis's smallest failing example printed otherwise. CI runs only the bounded
tests in tests/hostile/; this script is for a longer hunt (`--seed` repeats one).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

HOSTILE = Path(__file__).resolve().parents[1] / "hostile"
if str(HOSTILE) not in sys.path:
    sys.path.insert(0, str(HOSTILE))

from config_strategies import FULL_JSON, Drawn, json_places, json_values, mutated_configs, set_at, valid_configs  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ecconf.compiler.build import build  # noqa: E402
from ecconf.compiler.checker import CheckOptions, check  # noqa: E402
from ecconf.compiler.from_json import load_json_text  # noqa: E402
from ecconf.compiler.includes import load_text  # noqa: E402
from ecconf.compiler.render import FORMATS, RenderOptions, render  # noqa: E402
from ecconf.compiler.schema import validate  # noqa: E402
from ecconf.compiler.to_json import dumps, to_json  # noqa: E402
from ecconf.compiler.to_text import to_text  # noqa: E402

PATH = "/nonexistent-ecconf-fuzz/hostile.conf"
JSON_PATH = "/nonexistent-ecconf-fuzz/hostile.json"
BATCH = 200  # examples per round and target; rounds go on until the time is up


def _inside(diagnostics: Sequence[Any], text: str, path: str) -> None:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    for d in diagnostics:
        if d.span.path == path:
            assert 1 <= d.span.line <= len(lines), d
            assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1, d


def prop_mutate(drawn: Drawn) -> None:
    loaded = load_text(drawn.text, PATH)
    syntax = [p for p in loaded.problems if p.code == "E100"]
    assert len(syntax) <= 1
    _built, diagnostics = check(loaded, CheckOptions(check_files=False))
    _inside(diagnostics, drawn.text, PATH)
    for fmt in FORMATS:
        render(diagnostics, RenderOptions(fmt), loaded.texts)
    if not syntax:  # a mutation the grammar still accepts must round-trip like any config
        _round_trip(loaded, drawn.text)


def prop_roundtrip(drawn: Drawn) -> None:
    loaded = load_text(drawn.text, PATH)
    assert [p for p in loaded.problems if p.code == "E100"] == [], drawn.text
    _round_trip(loaded, drawn.text)


def _round_trip(loaded: Any, source: str) -> None:
    config = build(loaded.root).config
    first = dumps(config)
    assert dumps(build(load_text(source, PATH).root).config) == first
    assert validate(to_json(config)) == []
    text = to_text(config).text
    again = load_text(text, PATH)
    assert [p for p in again.problems if p.code == "E100"] == [], text
    config_again = build(again.root).config
    assert dumps(config_again) == first
    assert to_text(config_again).text == text


def _json_documents() -> st.SearchStrategy[str]:
    import json

    places = [parts for parts, _ in json_places(FULL_JSON)]

    @st.composite
    def documents(draw: st.DrawFn) -> str:
        import copy

        value = draw(json_values)
        place = draw(st.sampled_from([(), *places]))
        document: Any = copy.deepcopy(FULL_JSON)
        if place:
            set_at(document, place, value)
        else:
            document = value
        return json.dumps(document, allow_nan=True, indent=draw(st.sampled_from([None, 2])))

    return documents()


def prop_json(text: str) -> None:
    loaded, problems, _mapping = load_json_text(text, JSON_PATH)
    if loaded.root is not None:
        problems = check(loaded, CheckOptions(check_files=False))[1]
    _inside(problems, text, JSON_PATH)
    for fmt in FORMATS:
        render(problems, RenderOptions(fmt), {JSON_PATH: text})


TARGETS: dict[str, tuple[Callable[[], st.SearchStrategy[Any]], Callable[[Any], None]]] = {
    "mutate": (mutated_configs, prop_mutate),
    "roundtrip": (valid_configs, prop_roundtrip),
    "json": (_json_documents, prop_json),
}


def run_round(name: str, examples: int, deadline: float, chosen_seed: int | None) -> None:
    """One batch of `examples` for a target; raises (after shrinking) when a property fails."""
    strategy, prop = TARGETS[name]
    test = given(strategy())(prop)
    test = settings(
        max_examples=examples,
        deadline=timedelta(seconds=deadline),
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )(test)
    if chosen_seed is not None:
        test = seed(chosen_seed)(test)
    test()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to fuzz (default 60)")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="what to fuzz (default: all)")
    parser.add_argument("--deadline", type=float, default=2.0, help="seconds one example may take (default 2)")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"examples per round and target ({BATCH})")
    parser.add_argument("--seed", type=int, help="repeat the rounds of this seed (one round per target)")
    args = parser.parse_args(argv)
    targets = args.target or sorted(TARGETS)
    stop = time.monotonic() + args.seconds
    rounds = 0
    counts = dict.fromkeys(targets, 0)
    while True:
        for name in targets:
            try:
                run_round(name, args.batch, args.deadline, args.seed)
            except Exception as exc:  # the property failed: hypothesis printed the smallest example
                print(f"fuzz_config: {name}: FAILED after {counts[name]} examples: {type(exc).__name__}: {exc}")
                return 1
            counts[name] += args.batch
        rounds += 1
        if args.seed is not None or time.monotonic() >= stop:
            break
    done = ", ".join(f"{name} {count}" for name, count in counts.items())
    print(f"fuzz_config: no failure in {rounds} round(s): {done} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
