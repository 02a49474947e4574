"""Smoke test for bench/: the generated configs parse, and `python -m bench --quick` runs in seconds."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecconf.compiler.checker import CheckOptions, check
from ecconf.compiler.includes import load

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # bench/ is a directory of the checkout, not an installed package

from bench.generate import generate, load_corpus  # noqa: E402


def test_generated_configs_parse_and_are_equivalent(tmp_path: Path) -> None:
    corpus = generate(tmp_path, listens=150, seed=3)
    assert len(corpus.momentum_files) == 3  # root + two included chunks of at most 100 Listens

    loaded = load(str(corpus.momentum_root))
    built, diagnostics = check(loaded, CheckOptions(check_files=False))
    assert loaded.problems == []
    assert [d for d in diagnostics if d.code.startswith("E")] == []
    assert len(built.config.esmtp_listener.listens) == 150

    document = json.loads(corpus.json_path.read_text(encoding="utf-8"))
    assert len(document["esmtp_listener"]["listen"]) == 150
    assert load_corpus(tmp_path) == corpus

    crossplane = pytest.importorskip("crossplane")
    parsed = crossplane.parse(str(corpus.nginx_root))
    assert parsed["status"] == "ok", parsed["errors"][:3]
    servers = [d for f in parsed["config"][1:] for d in f["parsed"] if d["directive"] == "server"]
    assert len(servers) == 150


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", listens=20, seed=11)
    second = generate(tmp_path / "b", listens=20, seed=11)
    other = generate(tmp_path / "c", listens=20, seed=12)
    assert first.momentum_root.read_bytes() == second.momentum_root.read_bytes()
    assert first.momentum_files[1].read_bytes() == second.momentum_files[1].read_bytes()
    assert first.momentum_files[1].read_bytes() != other.momentum_files[1].read_bytes()


def test_quick_run_writes_the_report(tmp_path: Path) -> None:
    pytest.importorskip("crossplane")
    out = tmp_path / "RESULTS.md"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out), "--work-dir", str(tmp_path / "work")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert elapsed < 5, f"--quick took {elapsed:.1f} s"
    report = out.read_text(encoding="utf-8")
    for heading in ("## Throughput", "## Peak memory", "## Scaling", "## Start-up"):
        assert heading in report
    assert "| 30 | ecconf-check | 1 |" in report
    assert "python -m bench --quick" in report
