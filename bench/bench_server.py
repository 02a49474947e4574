"""The server benchmarks: ecconf against aiosmtpd and a canned-reply floor, under the same load client.

Rule of this room: orchestration of bounded measurements; every number is measured in a separate process
(servers pinned to CPU 0, the load client to CPU 1) and handed to report_server.py as it came.

    python -m bench server                   # ~5 minutes; writes the Server section of bench/RESULTS.md
    python -m bench server --quick --out /tmp/RESULTS.md
    python -m bench server --only datasources   # one step; rewrites only its sub-section (here: ~2 minutes)
    python -m bench server --only "session cpu" # against earlier commits (bench/session_cpu.py; ~6 minutes)

Spools are on a tmpfs (/dev/shm) for the throughput runs; the fsync run puts ecconf's spool on the disk
that holds the system temp directory, to show what durability costs there.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import bench_datasources, servers, session_cpu
from .bench_store import write_passwd
from .server_results import Series, ServerResults
from .smtp_load import raise_nofile

SERVER_CPU, CLIENT_CPU = "0", "1"
STEPS = ("throughput", "fsync", "idle memory", "credential store", "reload", "protocol", "datasources", "session cpu")
SUBSECTIONS = {"datasources", "session cpu"}  # steps with a sub-section of their own, rewritten alone by --only
MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5")


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Contender:
    name: str
    argv: list[str]
    mechanisms: tuple[str, ...]
    note: str = ""


def load(port: int, mechanism: str, args: argparse.Namespace, timeline: bool = False) -> dict[str, object]:
    argv = [sys.executable, "-m", "bench.smtp_load", "load", "--port", str(port), "--mech", mechanism]
    argv += ["--concurrency", str(args.concurrency), "--sessions", str(args.sessions)]
    argv += ["--time-limit", str(args.time_limit)] + (["--timeline"] if timeline else [])
    done = subprocess.run([*servers.pin(CLIENT_CPU), *argv], capture_output=True, text=True, cwd=servers.REPO)
    if done.returncode != 0:
        raise RuntimeError(f"load client failed: {done.stderr[-2000:]}")
    result: dict[str, object] = json.loads(done.stdout)
    if not timeline:
        result.pop("timeline", None)
    return result


def contenders(work: Path) -> list[Contender]:
    passwd, _ = servers.write_users(work / "users")
    config = servers.ecconf_config(work / "users", work / "spool-ecconf")
    both = ("PLAIN", "LOGIN")
    out = [
        Contender("ecconf", servers.ecconf_argv(config, "auto"), MECHANISMS, "as installed (`--loop auto`)"),
        Contender(
            "ecconf (asyncio)", servers.ecconf_argv(config, "asyncio"), ("PLAIN", "DIGEST-MD5"), "`--loop asyncio`"
        ),
        Contender("aiosmtpd", servers.aiosmtpd_argv(passwd, work / "spool-aiosmtpd"), both, "asyncio, as documented"),
        Contender("canned (asyncio)", servers.canned_argv("asyncio"), both, "the floor"),
    ]
    if _has_uvloop():
        out.append(Contender("canned (uvloop)", servers.canned_argv("uvloop"), both, "the floor on uvloop"))
    return out


def measure_throughput(work: Path, args: argparse.Namespace, results: ServerResults) -> None:
    field_ = contenders(work)
    series = {(c.name, m): Series(c.name, m) for c in field_ for m in c.mechanisms}
    running = [(c, servers.start(c.name, c.argv, SERVER_CPU)) for c in field_]
    try:
        for _c, r in running:  # warm-up: imports, caches, the first spool directories
            load(r.port, "PLAIN", argparse.Namespace(**{**vars(args), "sessions": 200, "time_limit": 2}))
        for round_ in range(args.rounds):
            for c, r in running:
                for mechanism in c.mechanisms:
                    series[(c.name, mechanism)].runs.append(load(r.port, mechanism, args))
            _log(f"throughput round {round_ + 1}/{args.rounds} done")
    finally:
        for _c, r in running:
            r.stop()
    results.throughput = list(series.values())
    results.notes += [f"{c.name}: {c.note}" for c in field_ if c.note]


def measure_fsync(work: Path, disk: Path, args: argparse.Namespace, results: ServerResults) -> None:
    """ecconf, PLAIN, the same load with the spool on tmpfs and on a real disk."""
    runs = []
    for label, base in (("tmpfs", work), ("disk", disk)):
        servers.write_users(base / "fsync")
        config = servers.ecconf_config(base / "fsync", base / "fsync" / "spool")
        server = servers.start(label, servers.ecconf_argv(config), SERVER_CPU)
        runs.append((Series(f"ecconf, spool on {label}", "PLAIN"), server))
    try:
        for _ in range(args.rounds):
            for series, r in runs:
                series.runs.append(load(r.port, "PLAIN", args))
    finally:
        for _s, r in runs:
            r.stop()
    results.fsync = [s for s, _r in runs]
    results.fsync_dir = str(disk)


def measure_idle(work: Path, count: int, results: ServerResults) -> None:
    """Server RSS before and while `count` sessions sit idle after EHLO."""
    raise_nofile(count + 256)  # the servers inherit the raised limit
    passwd, _ = servers.write_users(work / "idle")
    config = servers.ecconf_config(work / "idle", work / "idle" / "spool")
    peers = (("ecconf", servers.ecconf_argv(config)), ("aiosmtpd", servers.aiosmtpd_argv(passwd, work / "idle-aio")))
    for name, server_argv in peers:
        r = servers.start(name, server_argv, SERVER_CPU)
        try:
            load(r.port, "PLAIN", argparse.Namespace(concurrency=10, sessions=100, time_limit=5))  # warm up
            before = r.rss_kib()
            argv = [sys.executable, "-m", "bench.smtp_load", "idle", "--port", str(r.port), "--count", str(count)]
            client = subprocess.Popen(
                [*servers.pin(CLIENT_CPU), *argv],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=servers.REPO,
            )
            assert client.stdout is not None and client.stdin is not None
            held = json.loads(client.stdout.readline() or "{}")
            during = r.rss_kib()
            client.stdin.close()  # release the sessions
            client.wait(timeout=60)
        finally:
            r.stop()
        n = int(held.get("held", 0))
        per = (during - before) / n if n else 0.0
        results.idle.append({"server": name, "held": n, "errors": held.get("errors", "?"), "before_kib": before,
                             "during_kib": during, "kib_per_connection": per})  # fmt: skip


def measure_store(work: Path, users: int, results: ServerResults) -> None:
    paths = [write_passwd(work / "store" / f"passwd-{n}", n) for n in (1000, users)]
    for path in paths:
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_store", str(path)], capture_output=True, text=True, cwd=servers.REPO
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        results.store.append(json.loads(done.stdout))


def measure_reload(work: Path, users: int, args: argparse.Namespace, results: ServerResults) -> None:
    """Sessions under load while ecconf re-reads a store of `users` users: the worst latency, with and without."""
    folder = work / "reload"
    passwd, _ = servers.write_users(folder, extra_users=users - 1)
    config = servers.ecconf_config(folder, folder / "spool")
    r = servers.start("ecconf", servers.ecconf_argv(config, "auto", "--refresh-interval", "0.25"), SERVER_CPU)
    args = argparse.Namespace(**{**vars(args), "time_limit": max(args.time_limit, 5.0)})  # the reload fits in
    try:
        quiet = load(r.port, "PLAIN", args, timeline=True)
        client = subprocess.Popen(  # the same load again, and a password change a second into it
            [*servers.pin(CLIENT_CPU), sys.executable, "-m", "bench.smtp_load", "load", "--port", str(r.port),
             "--concurrency", str(args.concurrency), "--sessions", str(args.sessions),
             "--time-limit", str(args.time_limit), "--timeline"],
            stdout=subprocess.PIPE, text=True, cwd=servers.REPO,
        )  # fmt: skip
        time.sleep(1.0)  # a benchmark, not a test: the change lands mid-run, whenever exactly
        changed_at = time.time()
        with open(passwd, "a", encoding="ascii") as handle:
            handle.write("newcomer:fresh-password\n")
        out, _ = client.communicate(timeout=args.time_limit + 60)
        busy = json.loads(out)
        give_up = time.monotonic() + 10  # the log line may come after the last session
        while not (reloaded := [line for line in list(r.log) if "reloaded" in line]) and time.monotonic() < give_up:
            time.sleep(0.1)
    finally:
        r.stop()
    results.reload = {
        "users": users,
        "changed_after_s": 1.0,
        "reload_logged": bool(reloaded),
        "reload_ms": _reload_ms(reloaded, changed_at),
        "quiet": {k: quiet[k] for k in ("sessions", "errors", "p50_ms", "p99_ms", "max_ms", "per_second")},
        "reloading": {k: busy[k] for k in ("sessions", "errors", "p50_ms", "p99_ms", "max_ms", "per_second")},
    }


def _reload_ms(lines: list[str], changed_at: float) -> float | None:
    """From the change to the "reloaded" log line (its timestamp, to the millisecond), if it came."""
    for line in lines:
        try:
            stamp = time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")) + int(line[20:23]) / 1000
        except ValueError:
            continue
        return max(0.0, (stamp - changed_at) * 1000)
    return None


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench server", description="ecconf's server benchmarks")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per contender and mechanism")
    parser.add_argument("--sessions", type=int, default=20_000, help="at most this many sessions per run")
    parser.add_argument("--time-limit", type=float, default=3.0, help="start no session after this many seconds")
    parser.add_argument("--idle", type=int, default=5000, help="idle sessions held for the memory measurement")
    parser.add_argument("--users", type=int, default=1_000_000, help="users in the big credential store")
    parser.add_argument("--disk-dir", type=Path, default=Path(tempfile.gettempdir()), help="a real disk's folder")
    parser.add_argument("--quick", action="store_true", help="seconds: tiny counts, one round")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "RESULTS.md")
    parser.add_argument(
        "--only", action="append", choices=STEPS, help="run only this step (repeatable); only 'datasources' and "
        "'session cpu' have sub-sections of their own to rewrite, so the others need a whole run",
    )  # fmt: skip
    parser.add_argument(
        "--against", action="append", metavar="REV", help="session cpu: an earlier commit to compare with "
        "(repeatable; default: " + ", ".join(f"{rev} {about}" for rev, about, _ in session_cpu.BASELINES) + ")",
    )  # fmt: skip
    parser.add_argument("--cpu-bursts", type=int, default=30, help="session cpu: bursts to each server")
    parser.add_argument("--burst-sessions", type=int, default=2000, help="session cpu: sessions per burst")
    parser.add_argument("--callgrind-sessions", type=int, default=1000, help="session cpu: sessions counted")
    args = parser.parse_args(argv)
    if args.only and not set(args.only) <= SUBSECTIONS:
        parser.error("--only: only 'datasources' and 'session cpu' are written on their own (the rest is one section)")
    named = tuple((rev, "named with --against", True) for rev in args.against or ())
    args.baselines = named or session_cpu.BASELINES
    if args.quick:
        args.rounds, args.sessions, args.time_limit, args.idle, args.users = 1, 40, 2.0, 50, 2000
        args.concurrency = min(args.concurrency, 5)
        # This checkout alone, without callgrind: the step's code runs, nothing is installed.
        args.baselines, args.cpu_bursts, args.burst_sessions, args.callgrind_sessions = (), 2, 20, 0
    return args


def measure_session_cpu(args: argparse.Namespace, results: ServerResults) -> None:
    """CPU per PLAIN session of this checkout against earlier commits (bench/session_cpu.py)."""
    results.session_cpu, results.session_cpu_notes = session_cpu.measure(
        args.baselines, args.cpu_bursts, args.burst_sessions, args.callgrind_sessions, _log, (SERVER_CPU, CLIENT_CPU)
    )
    results.session_cpu_bursts = (args.cpu_bursts, args.burst_sessions)


def measure_protocol(args: argparse.Namespace, results: ServerResults) -> None:
    """The sans-IO protocol's own cost per session, in this process (see bench/protocol_cost.py)."""
    from .protocol_cost import measure

    results.protocol = measure(sessions=200, rounds=1) if args.quick else measure()


def run(args: argparse.Namespace, command: str) -> ServerResults:
    results = ServerResults(command, args.concurrency, args.rounds, args.sessions, args.time_limit)
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with (
        tempfile.TemporaryDirectory(prefix="ecconf-bench-", dir=shm) as tmp,
        tempfile.TemporaryDirectory(prefix="ecconf-bench-disk-", dir=args.disk_dir) as disk,
    ):
        work = Path(tmp)
        if shm is None:
            results.notes.append("no /dev/shm here: the 'tmpfs' spools are in the system temp directory")
        steps = (
            ("throughput", lambda: measure_throughput(work, args, results)),
            ("fsync", lambda: measure_fsync(work, Path(disk), args, results)),
            ("idle memory", lambda: measure_idle(work, args.idle, results)),
            ("credential store", lambda: measure_store(work, args.users, results)),
            ("reload", lambda: measure_reload(work, args.users, args, results)),
            ("protocol", lambda: measure_protocol(args, results)),
            ("datasources", lambda: bench_datasources.measure(work, args, results, load, SERVER_CPU, _log)),
            ("session cpu", lambda: measure_session_cpu(args, results)),
        )
        assert tuple(name for name, _ in steps) == STEPS
        for name, step in steps:
            if args.only and name not in args.only:
                continue
            started = time.perf_counter()
            step()
            _log(f"{name} done in {time.perf_counter() - started:.0f} s")
    return results


def main(argv: list[str]) -> int:
    from . import report_datasources
    from .report_server import session_cpu_lines, write_section

    args = parse_args(argv)
    command = shlex.join(["python", "-m", "bench", "server", *argv])
    results = run(args, command)
    if args.only:
        text = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if "datasources" in args.only:
            text = report_datasources.replace(text, report_datasources.render(results))
        if "session cpu" in args.only:
            text = report_datasources.replace(text, session_cpu_lines(results))
        args.out.write_text(text, encoding="utf-8")
        _log(f"wrote the {' and '.join(args.only)} sub-section(s) of {args.out}")
        return 0
    write_section(args.out, results)
    _log(f"wrote the Server section of {args.out}")
    return 0
