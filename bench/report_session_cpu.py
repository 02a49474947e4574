"""Render the session-CPU comparison as a sub-section of the Server section of bench/RESULTS.md.

Rule of this room: formatting only; every number arrives measured (session_cpu.py). Like the datasource
sub-section, it runs from its heading to the next `### ` heading, so `python -m bench server --only
"session cpu"` rewrites it alone.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

from .session_cpu import Install, ratio

SUBHEADING = "### CPU per PLAIN session against earlier commits"


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def render(installs: list[Install], notes: list[str], bursts: int, per_burst: int, command: str) -> list[str]:
    if not installs:
        return [SUBHEADING, "", "(not measured)"]
    now, *earlier = installs
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        SUBHEADING,
        "",
        f"`{command}`, {when}. Every server runs at once, pinned to one core; {bursts} bursts of {per_burst:,} "
        "PLAIN sessions (50 at a time, uvloop) go to each in turn, the order alternating. CPU is the server "
        "process's user + system time per session (the loop's thread apart), the ratio the median of the "
        "per-burst ratios with its quartiles. Instructions are user space only, every thread, counted by "
        "callgrind over the same sessions after a warm-up: they hardly move between runs, but leave out the "
        "kernel's work (the sockets, the spool's files). Each earlier commit is served as it was then: its own "
        "code, its own bench config.",
        "",
        "| Server | CPU µs per session | of which the loop's thread | this checkout / it | instructions per session "
        "| this checkout / it |",
        "|---|---|---|---|---|---|",
    ]
    for install in installs:
        cpu = statistics.median(install.burst_cpu) if install.burst_cpu else 0.0
        loop = statistics.median(install.burst_loop) if install.burst_loop else 0.0
        name = "this checkout" if install is now else f"{install.label} ({install.about})"
        if install is now:
            cpu_ratio = instr_ratio = "—"
        else:
            median, q1, q3 = ratio(now, install)
            cpu_ratio = f"{median:.3f} ({q1:.3f} to {q3:.3f})"
            instr_ratio = (
                f"{now.instructions / install.instructions:.3f}" if now.instructions and install.instructions else "n/a"
            )
        instructions = f"{install.instructions:,.0f}" if install.instructions else "n/a"
        out.append(f"| {name} | {cpu:.0f} | {loop:.0f} | {cpu_ratio} | {instructions} | {instr_ratio} |")
    targets = [install for install in earlier if install.target]
    if not targets:
        return [*out, "", "No earlier commit was measured as a target.", *[f"- {note}" for note in notes]]
    out += ["", "| Target (issue 14) | measured | |", "|---|---|---|"]
    for install in targets:
        median, _q1, _q3 = ratio(now, install)
        instr = now.instructions / install.instructions if now.instructions and install.instructions else None
        shown = f"CPU {median:.3f}x" + (f", instructions {instr:.3f}x" if instr is not None else "")
        ok = median <= 1.0 and (instr is None or instr <= 1.0)
        out.append(f"| session CPU no worse than {install.label} ({install.about}) | {shown} | {_verdict(ok)} |")
    return [*out, *([""] if notes else []), *[f"- {note}" for note in notes]]
