"""Render the datasource-store benchmark as a sub-section of the Server section of bench/RESULTS.md.

Rule of this room: formatting only; every number arrives measured. The sub-section runs from its heading to
the next `### ` heading (or the end), so `python -m bench server --only datasources` can replace it alone and
leave the rest of the Server section as its own run wrote it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .server_results import Series, ServerResults

SUBHEADING = "### Datasource stores (ecconf, PLAIN through auth_ds)"
CACHED_TARGET, UNCACHED_PG_TARGET = 0.9, 0.5


def _find(results: ServerResults, name: str) -> Series | None:
    return next((s for s in results.datasources if s.contender == name), None)


def _ratio(series: Series | None, base: Series | None) -> float | None:
    if series is None or base is None or base.median("per_second") <= 0:
        return None
    return series.median("per_second") / base.median("per_second")


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def render(results: ServerResults) -> list[str]:
    if not results.datasources:
        return [SUBHEADING, "", "(not measured)"]
    base = _find(results, "file:")
    out = [
        SUBHEADING,
        "",
        "The same sessions as above, PLAIN only, each store in its own ecconf process; the password is checked by "
        "a query (`returns_password`, stored in clear text, so no hash is timed) against a SQLite file, a "
        "PostgreSQL cluster (psycopg, pooled) and a slapd (ldap3), each on a Unix socket. Cached: ds_core's "
        "answer cache, which every session after the first hits (one user); uncached: `no_cache = true`, one "
        "query per session. `x file:` is the ratio to the `file:` store in the same run.",
        "",
        f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by `{results.command}` ({results.rounds} "
        f"interleaved rounds of at most {results.sessions:,} sessions or {results.time_limit:g} s; medians).",
        *(f"- {note}" for note in results.notes if note.startswith(("PostgreSQL", "LDAP", "datasource runs"))),
        "",
        "`server CPU µs` is the ecconf process's own CPU time per session (/proc, user + system): unlike "
        "sessions/s it hardly moves when other work shares the machine, and `file: / store` is its ratio "
        "inverted, the speed the store would have against `file:` were ecconf's CPU the only limit (the "
        "database's own work runs in its own process and is not in it).",
        "",
        "| Store | sessions/s | p50 ms | p99 ms | errors | x file: | server CPU µs | file: / store CPU |",
        "|---" * 8 + "|",
    ]
    for s in results.datasources:
        ratio, cpu = _ratio(s, base), s.median("cpu_us") if all("cpu_us" in r for r in s.runs) else None
        by_cpu = base.median("cpu_us") / cpu if base is not None and cpu and "cpu_us" in base.runs[0] else None
        out.append(
            f"| {s.contender} | {s.median('per_second'):,.0f} | {s.median('p50_ms'):.1f} | {s.median('p99_ms'):.1f} "
            f"| {s.errors} | {'n/a' if ratio is None else f'{ratio:.2f}'} | {'n/a' if cpu is None else f'{cpu:.0f}'} "
            f"| {'n/a' if by_cpu is None else f'{by_cpu:.2f}'} |"
        )
    out += ["", f"| Target (concurrency {results.concurrency}) | measured | |", "|---|---|---|"]
    goals = [(f"{n} (cached)", CACHED_TARGET) for n in ("SQLite", "PostgreSQL", "LDAP search")]
    goals.append(("PostgreSQL (uncached)", UNCACHED_PG_TARGET))
    for name, goal in goals:
        ratio = _ratio(_find(results, name), base)
        if ratio is not None:
            out.append(f"| {name} >= {goal}x file: | {ratio:.2f}x | {_verdict(ratio >= goal)} |")
    errors = sum(s.errors for s in results.datasources)
    out.append(f"| zero errors, every store | {errors} | {_verdict(errors == 0)} |")
    samples = [sample for s in results.datasources for sample in s.samples][:3]
    if samples:
        out += ["", "First errors: " + "; ".join(f"`{x}`" for x in samples)]
    return out


def replace(text: str, lines: list[str]) -> str:
    """`text` (a whole RESULTS.md) with the sub-section `lines` (its heading first) replaced, or added at the end
    when there is none; any sub-section of the Server section rendered as lines goes in this way."""
    block = "\n".join(lines) + "\n"
    at = text.find("\n" + lines[0] + "\n")
    if at < 0:
        return text.rstrip("\n") + "\n\n" + block
    end = text.find("\n### ", at + 1)
    return text[: at + 1] + block + ("\n" + text[end + 1 :] if end >= 0 else "")
