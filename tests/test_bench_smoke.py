"""Smoke test for bench/: the generated configs parse, and `python -m bench --quick` runs in seconds."""

from __future__ import annotations

import asyncio
import dataclasses
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
from bench.lint_cost import INPUTS  # noqa: E402


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
    assert "## Targets (issue #15, compiler)" in report
    assert "| 30 Listens: parse + full check >= 1.5x crossplane's parse + analyze |" in report
    assert "| start-up of `ecconf lint` <= 6x `python -c pass` |" in report


def test_issue_15_targets_are_decided_by_the_figures_of_the_run() -> None:
    from bench.bench_startup import Startup
    from bench.report import Results, _targets_15

    startup = [
        Startup("python -c pass", [], [0.03]),
        Startup("ecconf lint (small file)", [], [0.21]),
        Startup("whole process: ecconf lint --no-file-checks (1000 Listens)", [], [0.8]),
        Startup("whole process: python -c crossplane.parse (1000 Listens)", [], [0.32]),
    ]
    rows = "\n".join(_targets_15(Results("x", [], [], [], startup, {})))
    assert "| whole process on 1000 Listens: `ecconf lint --no-file-checks` >= 1.0x" in rows
    assert "| 0.40x (0.80 s vs 0.32 s) | **not met** |" in rows
    assert "| start-up of `ecconf lint` <= 6x `python -c pass` | 7.0x | **not met** |" in rows


def test_issue_15_says_why_a_target_is_not_met_in_the_figures_of_the_run() -> None:
    from bench.bench_compiler import Memory, Timing
    from bench.bench_startup import Startup
    from bench.generate import Corpus
    from bench.report import Results, _why_15

    corpus = Corpus(1000, Path("x"), Path("x"), Path("x"))
    timings = [
        Timing("ecconf-parse", 1000, 1, 1, [0.2]),
        Timing("ecconf-check", 1000, 1, 1, [0.4]),
        Timing("crossplane", 1000, 1, 1, [0.3]),
    ]
    memory = [Memory("ecconf-parse", 1000, 0, 150 * 1024), Memory("ecconf-check", 1000, 0, 300 * 1024)]
    memory.append(Memory("crossplane", 1000, 0, 100 * 1024))
    startup = [
        Startup("ecconf lint (small file)", [], [0.17]),
        Startup("whole process: ecconf lint --no-file-checks (1000 Listens)", [], [0.6]),
        Startup("whole process: python -c crossplane.parse (1000 Listens)", [], [0.3]),
    ]
    text = "\n".join(_why_15(Results("x", [corpus], timings, memory, startup, {})))
    assert "- 1000 Listens: at 1.5x crossplane a full check may take 0.200 s; it takes 0.400 s" in text
    assert "parsing alone 0.200 s (100% of that budget)" in text
    assert "crossplane's takes 0.30 s; `ecconf lint` of a one-line file already takes 0.17 s" in text
    assert "the syntax trees alone (a node per statement and value, a position object per token) take 150.0 MiB" in text
    assert "What was done for these targets" in text
    # All met: nothing to explain.
    fast = [Timing("ecconf-parse", 1000, 1, 1, [0.05]), Timing("ecconf-check", 1000, 1, 1, [0.1]), timings[2]]
    assert _why_15(Results("x", [corpus], fast, [], [], {})) == []


def _load(port: int, mechanism: str, sessions: int = 4) -> dict[str, object]:
    from bench.smtp_load import Target, run_load

    result = asyncio.run(run_load(Target("127.0.0.1", port, mechanism), concurrency=2, sessions=sessions, time_limit=5))
    return dataclasses.asdict(result)


def test_load_client_runs_full_sessions_with_every_mechanism_against_ecconf(tmp_path: Path) -> None:
    from bench import servers

    started = time.perf_counter()
    servers.write_users(tmp_path)
    config = servers.ecconf_config(tmp_path, tmp_path / "spool")
    running = servers.start("ecconf", servers.ecconf_argv(config, "asyncio"))
    try:
        results = {mech: _load(running.port, mech) for mech in ("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5")}
    finally:
        assert running.stop() == 0
    for mech, result in results.items():
        assert (result["sessions"], result["errors"]) == (4, 0), (mech, result["error_samples"])
        assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    stored = list((tmp_path / "spool" / "new").iterdir())
    assert len(stored) == 16
    assert "auth=pass (DIGEST-MD5) smtp.auth=bench" in "".join(p.read_text() for p in stored)
    assert len((tmp_path / "acct.log").read_text().splitlines()) == 16
    assert time.perf_counter() - started < 5


def test_load_client_counts_refusals_as_errors_and_peers_answer_it(tmp_path: Path) -> None:
    pytest.importorskip("aiosmtpd")  # bench/requirements.txt
    from bench import servers
    from bench.smtp_load import Target, run_load

    passwd, _ = servers.write_users(tmp_path)
    peers = [
        servers.start("canned", servers.canned_argv()),
        servers.start("aiosmtpd", servers.aiosmtpd_argv(passwd, tmp_path / "aiosmtpd")),
    ]
    try:
        for peer in peers:
            assert _load(peer.port, "PLAIN")["errors"] == 0
        wrong = Target("127.0.0.1", peers[1].port, "LOGIN", password="wrong")
        refused = asyncio.run(run_load(wrong, concurrency=1, sessions=2, time_limit=5))
        assert (refused.sessions, refused.errors) == (0, 2)
        assert "535" in refused.error_samples[0]
    finally:
        for peer in peers:
            peer.stop()
    assert len(list((tmp_path / "aiosmtpd" / "new").iterdir())) == 4


def test_load_client_refuses_addresses_off_this_machine() -> None:
    from bench.smtp_load import require_loopback

    require_loopback("127.0.0.1")
    require_loopback("::1")
    with pytest.raises(SystemExit):
        require_loopback("192.0.2.1")


def test_the_server_section_is_replaced_and_kept_by_the_compiler_suite(tmp_path: Path) -> None:
    from bench.report_server import server_section, write_section
    from bench.server_results import Series, ServerResults

    def series(name: str, mech: str, per_second: float, p99: float) -> Series:
        run = {"per_second": per_second, "p50_ms": p99 / 2, "p99_ms": p99, "errors": 0, "error_samples": []}
        return Series(name, mech, [run])

    results = ServerResults("python -m bench server", 50, 1, 100, 1.0)
    results.throughput = [
        series("ecconf", "PLAIN", 2100, 30),
        series("ecconf", "DIGEST-MD5", 1600, 40),
        series("aiosmtpd", "PLAIN", 1000, 80),
        series("canned (uvloop)", "PLAIN", 3000, 20),
    ]
    out = tmp_path / "RESULTS.md"
    out.write_text("# ecconf benchmark results\n\ncompiler tables\n\n## Server\n\nold numbers\n")
    write_section(out, results)
    text = out.read_text()
    assert text.startswith("# ecconf benchmark results\n\ncompiler tables\n\n## Server\n")
    assert "old numbers" not in text
    assert "| ecconf PLAIN >= 2x aiosmtpd | 2.10x | **met** |" in text
    assert "| ecconf PLAIN >= 0.6x canned (uvloop) | 0.70x | **met** |" in text
    assert "| ecconf DIGEST-MD5 within 20 % of PLAIN | 0.76x PLAIN | **not met** |" in text
    assert server_section(text).startswith("## Server\n") and "compiler tables" not in server_section(text)


def test_protocol_cost_runs_whole_sessions_with_every_mechanism() -> None:
    from bench.protocol_cost import MECHANISMS, measure

    costs = measure(sessions=20, rounds=1)  # raises if any session's AUTH or message is refused
    assert set(costs) == set(MECHANISMS)
    assert all(micros > 0 for micros in costs.values())


def test_the_report_says_where_a_session_s_time_goes(tmp_path: Path) -> None:
    from bench.report_server import write_section
    from bench.server_results import Series, ServerResults

    def series(name: str, per_second: float) -> Series:
        run = {"per_second": per_second, "p50_ms": 10, "p99_ms": 20, "errors": 0, "error_samples": []}
        return Series(name, "PLAIN", [run])

    results = ServerResults("python -m bench server", 50, 1, 100, 1.0)
    results.throughput = [series("ecconf", 2500), series("canned (uvloop)", 5000)]  # 400 us vs 200 us a session
    results.protocol = {"PLAIN": 90.0}
    out = tmp_path / "RESULTS.md"
    write_section(out, results)
    text = out.read_text()
    assert "| ecconf | PLAIN | 400 | 90 | 310 |" in text
    assert "that allows 333 µs per session" in text and "the whole session takes 400 µs" in text


def test_lint_cost_inputs_are_under_100_kb(tmp_path: Path) -> None:
    """bench/lint_cost.py's inputs are what it says: small."""
    for number, make in enumerate(INPUTS.values()):
        here = tmp_path / str(number)
        here.mkdir()
        assert make(here).is_file()
        assert sum(p.stat().st_size for p in here.iterdir()) < 100_000


def test_the_datasource_sub_section_is_replaced_alone(tmp_path: Path) -> None:
    from bench import report_datasources
    from bench.report_server import write_section
    from bench.server_results import Series, ServerResults

    def series(name: str, per_second: float, errors: int = 0) -> Series:
        run = {"per_second": per_second, "p50_ms": 10, "p99_ms": 20, "errors": errors, "error_samples": []}
        return Series(name, "PLAIN", [run])

    results = ServerResults("python -m bench server", 50, 1, 100, 1.0)
    results.datasources = [series("file:", 1000), series("SQLite (cached)", 950), series("PostgreSQL (uncached)", 400)]
    out = tmp_path / "RESULTS.md"
    write_section(out, results)  # a whole run renders the sub-section inside the Server section, then the rest
    whole = out.read_text()
    assert "| SQLite (cached) >= 0.9x file: | 0.95x | **met** |" in whole
    assert "| PostgreSQL (uncached) >= 0.5x file: | 0.40x | **not met** |" in whole
    results.datasources = [series("file:", 1000), series("SQLite (cached)", 800, errors=2)]
    text = report_datasources.replace(whole + "### Later\n\nkept\n", report_datasources.render(results))
    assert "| SQLite (cached) >= 0.9x file: | 0.80x | **not met** |" in text
    assert "| zero errors, every store | 2 | **not met** |" in text
    assert "PostgreSQL (uncached)" not in text and text.endswith("### Later\n\nkept\n")
    assert text.split(report_datasources.SUBHEADING)[0] == whole.split(report_datasources.SUBHEADING)[0]


def test_the_disk_spool_target_is_decided_by_the_fsync_runs() -> None:
    from bench.report_server import _targets
    from bench.server_results import Series, ServerResults

    def series(name: str, rate: float) -> Series:
        return Series(name, "PLAIN", [{"per_second": rate, "p50_ms": 1, "p99_ms": 2, "errors": 0}])

    results = ServerResults("x", 50, 1, 10, 1.0)
    results.fsync = [series("ecconf, spool on tmpfs", 3000), series("ecconf, spool on disk", 1770)]
    assert "| ecconf PLAIN, spool on disk >= 0.6x on tmpfs | 0.59x | **not met** |" in _targets(results)
    results.fsync[1] = series("ecconf, spool on disk", 2100)
    assert "| ecconf PLAIN, spool on disk >= 0.6x on tmpfs | 0.70x | **met** |" in _targets(results)


def test_the_server_section_says_why_an_issue_15_target_is_not_met() -> None:
    from bench.report_server import _session_time
    from bench.server_results import Series, ServerResults

    def series(name: str, rate: float) -> Series:
        return Series(name, "PLAIN", [{"per_second": rate, "p50_ms": 1, "p99_ms": 2, "errors": 0}])

    results = ServerResults("x", 50, 1, 10, 1.0)
    results.protocol = {"PLAIN": 90.0}
    results.throughput = [series("ecconf", 4000), series("canned (uvloop)", 5000)]
    results.fsync = [series("ecconf, spool on tmpfs", 4000), series("ecconf, spool on disk", 2000)]
    text = "\n".join(_session_time(results))
    assert "finishes a session every 500 µs there against every 250 µs on tmpfs" in text
    assert "What was done for issue #15's server targets:" in text and "- group commit:" in text
    # Both met: neither the disk's why nor the list.
    results.throughput = [series("ecconf", 4000), series("canned (uvloop)", 4100)]
    results.fsync[1] = series("ecconf, spool on disk", 3000)
    text = "\n".join(_session_time(results))
    assert "Why the spool on disk" not in text and "What was done" not in text
