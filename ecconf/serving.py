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
import os
import signal
import sys
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from . import logformat, metrics, systemd
from .compiler.checker import CheckOptions, failed
from .compiler.diagnostics import Diagnostic, Severity
from .compiler.rules.unserved_guarded import CODE as UNSERVED_GUARDED
from .compiler.rules.unserved_guarded import option_of
from .compiler.serve_coverage import Unserved
from .compiler.to_runtime import to_runtime
from .exits import EXIT_FAILED, EXIT_OK
from .pipeline import LintReport, load_serving, render_report, sources_of
from .runtime import listeners, observe
from .runtime.config import ServerConfig
from .runtime.listeners import ListenError, Sharing
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


def checked_reload(options: ServeOptions, quiet: bool = False) -> ServerConfig | None:
    """The re-read config, or None; its diagnostics and any refusal logged (at DEBUG when `quiet`: a worker
    of --workers N, whose supervisor has said it all once already)."""
    path = options.config or str(default_config())
    say: Callable[..., None] = log.debug if quiet else log.error
    try:
        server_config, report = compile_config(options)
    except Exception:
        (log.debug if quiet else log.exception)("reload of %s failed; still serving the previous config", path)
        return None
    text = _shown_diagnostics(report)
    if server_config is None:
        say("reload refused: %s has errors; still serving the previous config\n%s", path, text.rstrip())
        return None
    if not listeners.plan(server_config, {}).wanted:
        say("reload refused: %s enables no Listen; still serving the previous config", path)
        return None
    if text:
        (log.debug if quiet else log.warning)("%s\n%s", path, text.rstrip())
    return server_config


def changes(old: ServerConfig, new: ServerConfig) -> str:
    """What a reload changes, in a few words: Listen added, removed or changed, and the server-wide settings."""
    before = {spec.name: spec for spec in old.listeners}
    after = {spec.name: spec for spec in new.listeners}
    parts = []
    for what, names in (
        ("Listen added", sorted(after.keys() - before.keys())),
        ("Listen removed", sorted(before.keys() - after.keys())),
        ("Listen changed", sorted(n for n in after.keys() & before.keys() if after[n] != before[n])),
    ):
        if names:
            parts.append(f"{what}: {', '.join(names)}")
    for field in ("hostname", "spool_base", "acctlog_path", "message_memory_budget", "base_dir"):
        was, now = getattr(old, field), getattr(new, field)
        if was != now:
            parts.append(f"{field} {was} -> {now}")
    return "; ".join(parts) or "no config change (password files re-read)"


async def reload_config(
    server: Server, options: ServeOptions, prepare: Prepare = _unchanged, quiet: bool = False
) -> bool:
    """Re-read the config and serve it to new sessions; on any problem keep the running config. `quiet`:
    a worker of --workers N (its supervisor says what changed, once)."""
    path = options.config or str(default_config())
    try:
        server_config = await asyncio.to_thread(checked_reload, options, quiet)
        server_config = None if server_config is None else prepare(server_config)
    except Exception:
        log.exception("reload of %s failed; still serving the previous config", path)
        return False
    if server_config is None:
        return False
    old = server.config
    try:
        result = await server.reload(server_config)
    except Exception as exc:  # a port in use, an unreadable certificate, an unwritable spool...
        log.error("reload refused: %s; still serving the previous config", exc)
        return False
    if quiet:
        log.debug("reloaded %s", path)
        return True
    announce(result.added)
    for name in result.removed:
        print(f"ecconf: stopped listening (Listen {name!r})", file=sys.stderr, flush=True)
    log.info("reloaded %s: %s", path, changes(old, server_config))
    return True


async def _reload_on_sighup(
    server: Server, options: ServeOptions, hangup: asyncio.Event, prepare: Prepare, quiet: bool
) -> None:
    while True:
        await hangup.wait()
        hangup.clear()  # signals that arrive while a reload runs are folded into one more reload
        systemd.reloading()
        ok = await reload_config(server, options, prepare, quiet)
        if not quiet:  # a worker's supervisor counts the reload, once
            observe.hooks.reloaded(ok)
        systemd.notify("READY=1")


async def run(
    server_config: ServerConfig,
    options: ServeOptions,
    *,
    sharing: Sharing | None = None,
    on_ready: Callable[[Mapping[str, object]], None] = announce,
    prepare: Prepare = _unchanged,
    parent: int | None = None,
    quiet_reload: bool = False,
) -> int:
    """Serve until SIGTERM/SIGINT, or until `parent` (the read end of a pipe a supervisor holds open) says
    the supervisor is gone."""

    def ready(addresses: Mapping[str, object]) -> None:
        try:  # bound and loaded: root is no longer needed, and nobody is told "ready" before it is gone
            drop_privileges(options.user, options.group)
        except (OSError, KeyError) as exc:
            raise _CannotDrop(f"cannot drop privileges to {options.user or options.group}: {exc}") from exc
        metrics.mark_missing_stores(server.credentials.missing())  # before anyone can be told "ready"
        on_ready(addresses)

    server = Server(server_config, on_ready=ready, sharing=sharing)
    stop, hangup = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, hangup.set)
    if parent is not None:
        loop.add_reader(parent, stop.set)  # readable only at EOF: nobody ever writes to it
    try:
        await server.start()
    except (ListenError, _CannotDrop) as exc:
        print(f"ecconf: {exc}", file=sys.stderr)
        await server.stop(0)
        return EXIT_FAILED
    except OSError as exc:
        print(f"ecconf: cannot start the server: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    if not server.addresses:
        print("ecconf: the config enables no Listen; nothing to serve", file=sys.stderr)
        await server.stop(0)
        return EXIT_FAILED
    reloader = asyncio.create_task(_reload_on_sighup(server, options, hangup, prepare, quiet_reload))
    watcher = asyncio.create_task(_watch_stores(server, options))
    systemd.notify("READY=1")
    await stop.wait()
    systemd.notify("STOPPING=1")
    reloader.cancel()
    watcher.cancel()
    log.info("stopping: waiting up to %.0f s for sessions in flight", options.drain_seconds)
    await server.stop(options.drain_seconds)
    return EXIT_OK


async def _watch_stores(server: Server, options: ServeOptions) -> None:
    """Keep /readyz told whether this process misses a credential store (refresh retries missing ones)."""
    while True:
        metrics.mark_missing_stores(server.credentials.missing())
        await asyncio.sleep(max(options.refresh_interval, 0.5))


def serve(options: ServeOptions) -> int:
    logformat.configure(options.log_level, options.log_format, options.workers)
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
    try:
        handed = systemd.activated(server_config)  # socket activation: systemd bound them already
    except (ValueError, OSError) as exc:
        print(f"ecconf: {exc}", file=sys.stderr)
        return EXIT_FAILED
    service = None
    if options.metrics is not None:
        try:
            service = metrics.Service(options.metrics)
            service.start()
        except (metrics.MetricsUnavailable, OSError, ValueError) as exc:
            print(f"ecconf: --metrics {options.metrics}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            if service is not None:
                service.stop()
            return EXIT_FAILED
    _settle_heap()
    tell_where(server_config, options, service)
    try:
        if options.workers > 1:
            from .workers import supervise

            return supervise(server_config, options, serve_in_process, checked_reload, handed, changes, service)

        def on_ready(addresses: Mapping[str, object]) -> None:
            if service is not None:
                service.ready()  # before the announcement: whoever reads it may ask /readyz at once
            announce(addresses)

        return serve_in_process(server_config, options, sharing=Sharing(sockets=handed), on_ready=on_ready)
    finally:
        if service is not None:
            service.stop()


class _CannotDrop(Exception):
    pass


def drop_privileges(user: str | None, group: str | None) -> None:
    """Become `user` (and `group`, else the user's own group), with no other groups: for good, threads
    included (the C library's setuid applies to every thread). Nothing asked: nothing done."""
    if user is None and group is None:
        return
    import grp
    import pwd

    entry = pwd.getpwnam(user) if user is not None else None
    gid = grp.getgrnam(group).gr_gid if group is not None else entry.pw_gid  # type: ignore[union-attr]
    os.setgroups([])
    os.setgid(gid)
    if entry is not None:
        os.setuid(entry.pw_uid)


def tell_where(config: ServerConfig, options: ServeOptions, service: metrics.Service | None = None) -> None:
    """One start-up line (once, not per worker) naming what this server reads and writes."""
    source = options.config or f"{default_config()} (built-in quick start)"
    spool = config.spool_base.resolve()
    acctlog = config.acctlog_path.resolve() if config.acctlog_path is not None else "none"
    where = f"config {source}; spool {spool}; acctlog {acctlog}"
    if service is not None:
        host, port = service.bound
        where += f"; metrics http://{f'[{host}]' if ':' in host else host}:{port}/metrics"
    print(f"ecconf: {where}", file=sys.stderr, flush=True)


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
