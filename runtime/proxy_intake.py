"""The phase before the session on a Proxy_Protocol listener: read the header, then hand the connection on.

Rule of this room: part of the shell, but it touches no asyncio itself: only the Link's input interface
(wait_input / take_input / close, the loop's clock) and the sans-IO HeaderReader. Nothing is written to the
connection before the header is read: no banner, no 421. Every refusal (missing, malformed, slow, oversized,
LOCAL, UNKNOWN or a family without a client address, an untrusted source) closes it without a word and
logs the proxy's address. A header that names a client hands the connection to `admit` with that address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .config import SessionPolicy
from .link import Link
from .listeners import Slot
from .policy import client_address
from .proxy_protocol import HeaderReader, ProxyHeader, ProxyHeaderError

log = logging.getLogger(__name__.rpartition(".")[0] + ".server")  # the server's log

Admit = Callable[[Link, tuple[str, int]], None]


def unwelcome(policy: SessionPolicy, ip: str, waiting: int) -> str | None:
    """Why a connection to a Proxy_Protocol listener is closed before its header is read, or None: a source
    Proxy_Protocol_Trusted does not name, or Listener_Sessions connections (`waiting`) already waiting for
    theirs: headers not yet come hold no session, but each holds a socket for Proxy_Protocol_Timeout. A
    Unix socket's peers are local processes, which its file permissions admit: no address to check."""
    trusted, addr = policy.proxy_protocol_trusted, client_address(ip)
    if trusted and addr is not None and not any(addr.version == n.version and addr in n for n in trusted):
        return "not a trusted PROXY source (Proxy_Protocol_Trusted)"
    cap = policy.listener_sessions
    if cap and waiting >= cap:
        return f"{cap} connections already wait for a PROXY header"
    return None


def refusal(header: ProxyHeader) -> str | None:
    """Why a well-formed header is still refused, or None. Every header must name the client: everything
    the server decides keys on that address, and the proxy's own one would stand in for every client."""
    if header.command == "LOCAL":
        return "v2 LOCAL header (a proxy's health check) names no client"
    if header.source is None:
        return f"v{header.version} {header.family} header names no client address"
    return None


class ProxyIntake:
    """Waits up to `timeout` seconds in all for one complete header on `link`."""

    __slots__ = ("_admit", "_deadline", "_done", "_gone", "_link", "_name", "_reader", "slot")

    def __init__(self, slot: Slot, link: Link, timeout: float, admit: Admit, gone: Callable[[Link], None]) -> None:
        self.slot = slot  # the listener it came in on
        self._name, self._link, self._admit, self._gone = slot.spec.name, link, admit, gone
        self._reader = HeaderReader()
        self._deadline = link.loop.time() + timeout  # for the whole header: trickling bytes do not extend it
        self._done = False

    def start(self) -> None:
        self._wait()

    # ----- the link's input callbacks (see Link.wait_input) ------------------------------------------

    def on_input(self, data: bytes) -> None:
        if self._done:
            return
        if not data:
            self._refuse("closed before a complete PROXY header", quiet=self._reader.buffered == 0)
            return
        try:
            header = self._reader.feed(data)
        except ProxyHeaderError as exc:
            self._refuse(exc.reason)
            return
        if header is None:
            self._wait()
            return
        why = refusal(header)
        if why is not None:
            self._refuse(why, quiet=header.command == "LOCAL")
            return
        self._done = True
        self._gone(self._link)
        assert header.source is not None
        self._link.unread(self._reader.rest)  # what the client sent after the header is the session's
        proxy = self._link.peer()
        log.debug("%s: %s:%s speaks for %s:%s (PROXY v%d)", self._name, *proxy, *header.source, header.version)
        self._link.set_client(header.source)
        self._admit(self._link, header.source)

    def on_timeout(self) -> None:
        if self._done:
            return
        if self._link.loop.time() < self._deadline:
            self._wait()
            return
        self._refuse("no complete PROXY header in time (Proxy_Protocol_Timeout)")

    def on_shutdown(self) -> None:
        self.abandon()

    def abandon(self) -> None:
        """The server stops: a connection whose header has not come is closed unanswered."""
        if not self._done:
            self._done = True
            self._gone(self._link)
            self._link.close()

    # -------------------------------------------------------------------------------------------------

    def _wait(self) -> None:
        link = self._link
        chunk = link.take_input()
        if chunk is not None:
            self.on_input(chunk)
            return
        link.wait_input(self, max(0.0, self._deadline - link.loop.time()))

    def _refuse(self, reason: str, quiet: bool = False) -> None:
        """Closed without a banner. A proxy's health checks (a LOCAL header, or a connection closed before
        any byte) would log a line every few seconds: those go to the debug log."""
        self._done = True
        self._gone(self._link)
        ip, port = self._link.peer()
        (log.debug if quiet else log.warning)("%s: refusing %s:%s: %s", self._name, ip, port, reason)
        self._link.stop_waiting()
        self._link.close()
