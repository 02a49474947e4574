"""What the server counts for an operator's metrics: a small hook interface, no dependency.

Rule of this room: the runtime calls `hooks.<event>(...)` where something worth counting happens; by default
nothing is done. The face (ecconf/metrics.py, with prometheus-client) installs hooks that count; the
runtime never imports a metrics library. Hooks are per process (a worker counts its own sessions) and must
be cheap: they run on the event loop.
"""

from __future__ import annotations


class Hooks:
    """Every hook, each a no-op here."""

    def session_opened(self, listener: str) -> None: ...

    def session_closed(self, listener: str) -> None: ...

    def refused(self, listener: str, code: int) -> None:
        """A connection answered `code` (421) at once instead of being served."""

    def auth(self, mechanism: str, outcome: str) -> None:
        """outcome: "success", "failure", "timeout" or "error" (temporary)."""

    def penalty_held(self) -> None:
        """An AUTH answer held back by the per-address penalty."""

    def stored(self, seconds: float) -> None:
        """A message is on disk, `seconds` after its final dot."""

    def store_size(self, uri: str, entries: int) -> None:
        """A credential store was (re)loaded with `entries` users."""

    def reloaded(self, ok: bool) -> None:
        """A config reload was served (True) or refused (False)."""


hooks = Hooks()


def install(new: Hooks) -> None:
    global hooks
    hooks = new
