"""`ecconf serve`: compile a config and run its SMTP server; SIGHUP reloads it, SIGTERM/SIGINT drain and stop.

Rule of this room: glue only. The config is checked exactly as `ecconf lint` checks it (same diagnostics,
same renderer); a config with errors never starts, and a reload to a config with errors is refused (its
diagnostics go to the log) while the running config keeps serving. The server itself is runtime/server.py;
this file owns the process around it: logging to stderr, one "listening on" line per listener, signals,
exit status.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import signal
import sys
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from .compiler.checker import CheckOptions, failed
from .compiler.diagnostics import Diagnostic, Severity
from .compiler.rules.unserved_guarded import CODE as UNSERVED_GUARDED
from .compiler.rules.unserved_guarded import option_of
from .compiler.serve_coverage import Unserved
from .compiler.to_runtime import to_runtime
from .exits import EXIT_FAILED, EXIT_OK
from .pipeline import LintReport, load_serving, render_report, sources_of
from .runtime import listeners
from .runtime.config import ServerConfig
from .runtime.listeners import Sharing
from .runtime.server import Server
from .serve_options import ServeOptions, announce

log = logging.getLogger("ecconf.serve")


def default_config() -> Path:
    """The embedded quick-start config: 127.0.0.1:2525, user alice / wonderland."""
    return Path(str(resources.files("ecconf").joinpath("samples", "quickstart.conf")))


def compile_config(options: ServeOptions) -> tuple[ServerConfig | None, LintReport]:
    """The runtime config, or None with the report that says why not. An option serve does not apply is
    named in the log; a guarded one (S507) stops the start unless --allow-unserved names it."""
    path = options.config or str(default_config())
    config, diagnostics, ignored = load_serving(path, CheckOptions(check_files=options.check_files))
    diagnostics = [_refused(d, options.allow_unserved) for d in diagnostics]
    report = LintReport(diagnostics, 1, sources=sources_of(diagnostics))
    if config is None or failed(diagnostics, strict=False):
        return None, report
    _name_unserved(ignored)
    server_config = to_runtime(config)
    return dataclasses.replace(server_config, store_refresh_interval=options.refresh_interval), report


def _refused(d: Diagnostic, allowed: tuple[str, ...]) -> Diagnostic:
    """An S507 for an option not named by --allow-unserved stops the start: it becomes an error here."""
    if d.code != UNSERVED_GUARDED or option_of(d) in allowed:
        return d
    return dataclasses.replace(d, severity=Severity.ERROR)


def _name_unserved(ignored: list[Unserved]) -> None:
    """One line naming what serve leaves to Momentum, so that nobody takes it for applied."""
    if ignored:
        shown = ", ".join(f"{u.name} ({u.span.path}:{u.span.line})" for u in ignored[:20])
        more = f" and {len(ignored) - 20} more" if len(ignored) > 20 else ""
        log.warning("ecconf serve does not apply %d statement(s) of this config: %s%s", len(ignored), shown, more)


def _shown_diagnostics(report: LintReport) -> str:
    shown = [d for d in report.diagnostics if d.severity >= Severity.WARNING]
    return render_report(dataclasses.replace(report, diagnostics=shown), "text", False) if shown else ""


Prepare = Callable[[ServerConfig], ServerConfig]


def _unchanged(config: ServerConfig) -> ServerConfig:
    return config


async def reload_config(server: Server, options: ServeOptions, prepare: Prepare = _unchanged) -> bool:
    """Re-read the config and serve it to new sessions; on any problem keep the running config."""
    path = options.config or str(default_config())
    try:
        server_config, report = await asyncio.to_thread(compile_config, options)
        server_config = None if server_config is None else prepare(server_config)
    except Exception:
        log.exception("reload of %s failed; still serving the previous config", path)
        return False
    text = _shown_diagnostics(report)
    if server_config is None:
        log.error("reload refused: %s has errors; still serving the previous config\n%s", path, text.rstrip())
        return False
    if not listeners.plan(server_config, {}).wanted:
        log.error("reload refused: %s enables no Listen; still serving the previous config", path)
        return False
    if text:
        log.warning("%s\n%s", path, text.rstrip())
    try:
        result = await server.reload(server_config)
    except Exception as exc:  # a port in use, an unreadable certificate, an unwritable spool...
        log.error("reload refused: %s; still serving the previous config", exc)
        return False
    announce(result.added)
    for name in result.removed:
        print(f"ecconf: stopped listening (Listen {name!r})", file=sys.stderr, flush=True)
    log.info("reloaded %s", path)
    return True


async def _reload_on_sighup(server: Server, options: ServeOptions, hangup: asyncio.Event, prepare: Prepare) -> None:
    while True:
        await hangup.wait()
        hangup.clear()  # signals that arrive while a reload runs are folded into one more reload
        await reload_config(server, options, prepare)


async def run(
    server_config: ServerConfig,
    options: ServeOptions,
    *,
    sharing: Sharing | None = None,
    on_ready: Callable[[Mapping[str, object]], None] = announce,
    prepare: Prepare = _unchanged,
) -> int:
    server = Server(server_config, on_ready=on_ready, sharing=sharing)
    stop, hangup = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, hangup.set)
    try:
        await server.start()
    except OSError as exc:
        print(f"ecconf: cannot start the server: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    if not server.addresses:
        print("ecconf: the config enables no Listen; nothing to serve", file=sys.stderr)
        await server.stop(0)
        return EXIT_FAILED
    reloader = asyncio.create_task(_reload_on_sighup(server, options, hangup, prepare))
    await stop.wait()
    reloader.cancel()
    log.info("stopping: waiting up to %.0f s for sessions in flight", options.drain_seconds)
    await server.stop(options.drain_seconds)
    return EXIT_OK


def serve(options: ServeOptions) -> int:
    worker = " [%(process)d]" if options.workers > 1 else ""
    logging.basicConfig(
        level=getattr(logging, options.log_level.upper(), logging.INFO),
        stream=sys.stderr,
        format=f"%(asctime)s %(levelname)s{worker} %(name)s: %(message)s",
    )
    server_config, report = compile_config(options)
    sys.stderr.write(_shown_diagnostics(report))
    if server_config is None:
        print("ecconf: the config has errors; not starting", file=sys.stderr)
        return EXIT_FAILED
    try:
        loop_factory(options.loop)
    except ImportError:
        print("ecconf: --loop uvloop needs uvloop (pip install 'ecconf[fast]')", file=sys.stderr)
        return EXIT_FAILED
    _settle_heap()
    if options.workers > 1:
        from .workers import supervise

        return supervise(server_config, options, serve_in_process)
    return serve_in_process(server_config, options)


def _settle_heap() -> None:
    """Move what start-up built (the parser, the config models: hundreds of thousands of objects) out of the
    cyclic collector's sight. Left in, every full collection walks all of it again while sessions wait;
    a busy server spent about 6 % of its time there. Forked workers also keep those pages shared."""
    gc.collect()
    gc.freeze()


def serve_in_process(server_config: ServerConfig, options: ServeOptions, **run_options: Any) -> int:
    """Run one server on this process's event loop until SIGTERM/SIGINT."""
    with asyncio.Runner(loop_factory=loop_factory(options.loop)) as runner:
        return runner.run(run(server_config, options, **run_options))


LOOPS = ("auto", "asyncio", "uvloop")


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop to serve on: uvloop's when asked for, or under "auto" when it is installed."""
    if name == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if name == "uvloop":
            raise
        return None
    return uvloop.new_event_loop
