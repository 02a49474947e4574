"""The sans-IO SMTP submission protocol (RFC 5321, RFC 4954 AUTH, RFC 3207 STARTTLS).

Rule of this room: bytes in (`receive_data`), events and bytes out (`next_event`, `data_to_send`), h11 style.
No sockets, no files, no clock or randomness except the injected callables. Legality of a verb comes from
state.py, reply text from replies.py, the relay decision from policy.py. Every refusal is a
`ProtocolViolation` caught in one place, `_step`, which sends its reply and closes the session when fatal.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

from . import replies
from .authflow import Exchange, MechanismFactory, Outcome, decode_response, is_cancel
from .commands import MAX_PENDING_LINE, SASL_LINE_LIMIT, line_limit, parse_command, parse_path
from .config import SessionPolicy
from .datareader import DataReader
from .events import (
    NEED_DATA,
    PAUSED,
    AuthAttempted,
    AuthStatus,
    Close,
    Envelope,
    Event,
    MessageReceived,
    Sentinel,
    StartTls,
    ValidationContext,
)
from .extensions import ehlo_keywords, offered_mechanisms
from .headers import trace_headers
from .policy import may_relay
from .replies import ProtocolViolation, Reply
from .sasl.base import MechanismContext
from .state import END_AUTH, END_DATA, KNOWN_VERBS, STORED, TLS_UP, WAITING_STATES, State, refusal, transition
from .transaction import Transaction, start_transaction

log = logging.getLogger(__name__)


class SmtpConnection:
    def __init__(
        self,
        policy: SessionPolicy,
        hostname: str,
        mechanisms: MechanismFactory,
        *,
        client: tuple[str, int] = ("", 0),
        clock: Callable[[], float],
        random_bytes: Callable[[int], bytes],
        tls: bool = False,
    ) -> None:
        self.policy = policy
        self.hostname = hostname
        self.client_ip, self.client_port = client
        self.tls = tls
        self.state = State.CONNECTED
        self.helo = ""
        self.esmtp = False
        self._mechanisms = mechanisms
        self._clock = clock
        self._random = random_bytes
        self._in = bytearray()
        self._out = bytearray()
        self._events: deque[Event] = deque()
        self._discarding = False  # skipping the tail of an over-long line
        self._tx = Transaction()
        self._data = DataReader(policy.max_message_size)
        self._exchange: Exchange | None = None  # set only in State.AUTHENTICATING
        self._auth_failures = 0
        self._unknown_commands = 0
        self._set_context(ValidationContext())
        self._send(replies.GREETING.format(host=self.banner_host))

    # ----- the driver's interface -------------------------------------------------------------------

    @property
    def banner_host(self) -> str:
        return self.policy.banner_hostname or self.hostname

    @property
    def reading_data(self) -> bool:
        """In the DATA phase (the driver uses the longer data timeout)."""
        return self.state is State.DATA

    def receive_data(self, data: bytes) -> None:
        """Feed bytes from the client; b"" means the client closed its side."""
        if self.state in (State.CLOSED, State.TLS_HANDSHAKE):
            return  # after STARTTLS's 220 only the handshake may follow; plaintext is dropped
        if not data:
            self._abandon_auth(timeout=False)
            self._close("client closed the connection")
            return
        self._in += data

    def next_event(self) -> Event | Sentinel:
        while not self._events:
            if self.state in WAITING_STATES:
                return PAUSED
            if not self._step():
                return NEED_DATA
        return self._events.popleft()

    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def message_stored(self, queue_id: str) -> None:
        self._send(replies.QUEUED.format(queue_id=queue_id))
        self._end_transaction(STORED)

    def message_rejected(self, reply: Reply) -> None:
        self._send(reply)
        self._end_transaction(STORED)

    def tls_started(self) -> None:
        """The handshake finished: forget everything learnt in clear text (RFC 3207 §4.2)."""
        self.tls = True
        self.helo, self.esmtp = "", False
        self._set_context(ValidationContext())
        self._move(TLS_UP)

    def timeout(self) -> None:
        if self.state is State.CLOSED:
            return
        self._abandon_auth(timeout=True)
        self._send(replies.IDLE_TIMEOUT.format(host=self.banner_host))
        self._close("idle timeout")

    def shutdown(self) -> None:
        if self.state is not State.CLOSED:
            self._send(replies.SHUTTING_DOWN.format(host=self.banner_host))
            self._close("server shutting down")

    # ----- plumbing ---------------------------------------------------------------------------------

    def _send(self, reply: Reply) -> None:
        self._out += reply.render(self.policy.has_extension("ENHANCEDSTATUSCODES"))

    def _move(self, event: str) -> None:
        nxt = transition(self.state, event)
        if nxt is None:
            raise RuntimeError(f"driver called {event} in state {self.state}")
        self.state = nxt

    def _close(self, reason: str) -> None:
        self.state = State.CLOSED
        self._in.clear()
        self._events.append(Close(reason))

    def _set_context(self, context: ValidationContext) -> None:
        can_relay = may_relay(self.policy, self.client_ip, context)
        self.context = ValidationContext(context.auth_name, context.auth_status, context.auth_user, can_relay)

    def _take_line(self, limit: int) -> bytes | None:
        """The next line with its line end; None when incomplete. Over-long lines raise 500 5.5.6."""
        while self._discarding:
            nl = self._in.find(b"\n")
            if nl < 0:
                self._in.clear()
                return None
            del self._in[: nl + 1]
            self._discarding = False
        nl = self._in.find(b"\n")
        if nl < 0:
            if len(self._in) > MAX_PENDING_LINE:
                self._in.clear()
                self._discarding = True
                raise ProtocolViolation(replies.LINE_TOO_LONG)
            return None
        line = bytes(self._in[: nl + 1])
        del self._in[: nl + 1]
        if len(line) > limit:
            raise ProtocolViolation(replies.LINE_TOO_LONG)
        return line

    def _step(self) -> bool:
        """Handle one unit of input; False when more bytes are needed."""
        before = len(self._in)
        try:
            if self.state is State.DATA:
                if self._data.consume(self._in):
                    self._end_data()
                return len(self._in) != before or self.state is not State.DATA
            limit = SASL_LINE_LIMIT if self.state is State.AUTHENTICATING else MAX_PENDING_LINE
            line = self._take_line(limit)
            if line is None:
                return False
            if self.state is State.AUTHENTICATING:
                self._auth_response(line)
            else:
                self._command(line)
        except ProtocolViolation as exc:
            if self.state is State.AUTHENTICATING:
                self._finish_auth(self._exchange_or_fail().failed(exc.reply))
            else:
                self._send(exc.reply)
                if exc.fatal:
                    self._close(exc.reply.text)
        return True

    # ----- commands ---------------------------------------------------------------------------------

    def _command(self, line: bytes) -> None:
        try:
            cmd = parse_command(line.rstrip(b"\n").removesuffix(b"\r"))
            if cmd.verb not in KNOWN_VERBS:
                raise ProtocolViolation(replies.UNKNOWN_COMMAND)
        except ProtocolViolation as exc:
            # Junk (an HTTP request, a binary flood) ends the session after a few lines.
            if exc.reply is replies.UNKNOWN_COMMAND:
                self._unknown_commands += 1
                if self._unknown_commands > self.policy.max_unknown_commands:
                    raise ProtocolViolation(replies.TOO_MANY_ERRORS, fatal=True) from None
            raise
        if len(line) > line_limit(cmd.verb):
            raise ProtocolViolation(replies.LINE_TOO_LONG)
        if transition(self.state, cmd.verb) is None:
            raise ProtocolViolation(refusal(self.state, cmd.verb))
        getattr(self, "_do_" + cmd.verb.lower())(cmd.arg)
        if cmd.verb != "AUTH":  # AUTH moves through its own states
            self._move(cmd.verb)
        if self.state is State.CLOSED:
            self._close("client quit")

    def _no_args(self, verb: str, arg: str) -> None:
        if arg:
            raise ProtocolViolation(replies.NO_ARGUMENTS.format(verb=verb))

    def _do_ehlo(self, arg: str) -> None:
        if not arg:
            raise ProtocolViolation(replies.SYNTAX_ERROR)
        self.helo, self.esmtp, self._tx = arg, True, Transaction()
        greeting = replies.EHLO_OK.format(host=self.banner_host, helo=arg)
        self._send(greeting.with_lines(self.extensions()))

    def _do_helo(self, arg: str) -> None:
        if not arg:
            raise ProtocolViolation(replies.SYNTAX_ERROR)
        self.helo, self.esmtp, self._tx = arg, False, Transaction()
        self._send(replies.HELO_OK.format(host=self.banner_host, helo=arg))

    def extensions(self) -> tuple[str, ...]:
        return ehlo_keywords(self.policy, self.tls, self._mechanisms)

    def offered_mechanisms(self) -> tuple[str, ...]:
        return offered_mechanisms(self.policy, self._mechanisms)

    def _do_noop(self, arg: str) -> None:
        self._send(replies.OK)

    def _do_help(self, arg: str) -> None:
        self._send(replies.HELP)

    def _do_vrfy(self, arg: str) -> None:
        if not arg:
            raise ProtocolViolation(replies.SYNTAX_ERROR)
        self._send(replies.VRFY_CANNOT)

    def _do_rset(self, arg: str) -> None:
        self._no_args("RSET", arg)
        self._tx = Transaction()
        self._send(replies.OK)

    def _do_quit(self, arg: str) -> None:
        self._send(replies.BYE.format(host=self.banner_host))

    def _do_starttls(self, arg: str) -> None:
        self._no_args("STARTTLS", arg)
        if self.tls:
            raise ProtocolViolation(replies.TLS_ACTIVE)
        if not self.esmtp:
            raise ProtocolViolation(replies.HELLO_FIRST)
        if "STARTTLS" not in self.extensions():
            raise ProtocolViolation(replies.NOT_IMPLEMENTED)
        self._send(replies.TLS_READY)
        # Anything pipelined after STARTTLS arrived in clear text and must not be trusted (RFC 3207 §5).
        self._in.clear()
        self._events.append(StartTls())

    # ----- mail transaction -------------------------------------------------------------------------

    def _do_mail(self, arg: str) -> None:
        tx = start_transaction(parse_path(arg, "FROM:", null_ok=True), self.policy.max_message_size)
        # A client that could authenticate is told so; without AUTH on offer, RCPT says "relaying denied".
        if not self.context.can_relay and self.offered_mechanisms():
            raise ProtocolViolation(replies.AUTH_REQUIRED)
        self._tx = tx
        self._send(replies.SENDER_OK)

    def _do_rcpt(self, arg: str) -> None:
        path = parse_path(arg, "TO:", null_ok=False)
        for key in path.params:
            raise ProtocolViolation(replies.UNKNOWN_PARAMETER.format(name=key))
        if not self.context.can_relay:
            raise ProtocolViolation(replies.RELAY_DENIED)
        limit = self.policy.max_recipients_per_message
        if limit and len(self._tx.rcpt_to) >= limit:
            raise ProtocolViolation(replies.TOO_MANY_RECIPIENTS)
        self._tx.rcpt_to.append(path.address)
        self._send(replies.RECIPIENT_OK)

    def _do_data(self, arg: str) -> None:
        self._no_args("DATA", arg)
        self._data = DataReader(self.policy.max_message_size)
        self._send(replies.START_DATA)

    def _end_data(self) -> None:
        self._move(END_DATA)
        if self._data.too_big:
            self.message_rejected(replies.MESSAGE_TOO_BIG)
            return
        tx = self._tx
        envelope = Envelope(
            queue_id=self._random(8).hex().upper(),
            mail_from=tx.mail_from,
            rcpt_to=tuple(tx.rcpt_to),
            helo=self.helo,
            esmtp=self.esmtp,
            tls=self.tls,
            client_ip=self.client_ip,
            client_port=self.client_port,
            context=self.context,
            received_at=self._clock(),
            body=tx.body,
            auth_param=tx.auth_param,
            size_hint=tx.size_hint,
        )
        data = trace_headers(self.hostname, envelope) + self._data.message()
        self._data = DataReader(0)  # drop the buffered content
        self._events.append(MessageReceived(envelope, data))

    def _end_transaction(self, event: str) -> None:
        self._tx = Transaction()
        self._move(event)

    # ----- AUTH -------------------------------------------------------------------------------------

    def _do_auth(self, arg: str) -> None:
        if not self.esmtp:
            raise ProtocolViolation(replies.HELLO_FIRST)
        if self.context.auth_status is AuthStatus.PASS:
            raise ProtocolViolation(replies.AUTH_ALREADY)
        offered = self.offered_mechanisms()
        if not offered:
            raise ProtocolViolation(replies.AUTH_NOT_AVAILABLE)
        parts = arg.split()
        if not 1 <= len(parts) <= 2:
            raise ProtocolViolation(replies.SYNTAX_ERROR)
        name = parts[0].upper()
        if name not in offered:
            raise ProtocolViolation(replies.AUTH_UNKNOWN_MECHANISM)
        spec = self.policy.auth[name]
        ctx = MechanismContext(
            hostname=self.hostname,
            realm=spec.realm or self.hostname,
            stored_cleartext=spec.stored_cleartext,
            random_bytes=self._random,
            clock=self._clock,
        )
        try:
            mechanism = self._mechanisms.create(spec, ctx)
        except Exception:
            log.exception("cannot set up SASL mechanism %s", name)
            raise ProtocolViolation(replies.AUTH_TEMPORARY) from None
        self._exchange = Exchange(spec, mechanism, self.policy)
        self._move("AUTH")
        if len(parts) == 1:
            self._auth_result(self._exchange.start(None))
        elif is_cancel(parts[1].encode()):
            raise ProtocolViolation(replies.AUTH_CANCELLED)
        else:
            self._auth_result(self._exchange.start(decode_response(parts[1].encode())))

    def _auth_response(self, line: bytes) -> None:
        text = line.rstrip(b"\n").removesuffix(b"\r")
        if is_cancel(text):
            raise ProtocolViolation(replies.AUTH_CANCELLED)
        self._auth_result(self._exchange_or_fail().step(decode_response(text)))

    def _exchange_or_fail(self) -> Exchange:
        if self._exchange is None:
            raise RuntimeError("AUTHENTICATING without an exchange")
        return self._exchange

    def _auth_result(self, result: Reply | Outcome) -> None:
        if isinstance(result, Reply):
            self._send(result)  # 334 challenge; stay in the exchange
        else:
            self._finish_auth(result)

    def _finish_auth(self, outcome: Outcome) -> None:
        exchange = self._exchange_or_fail()
        self._exchange = None
        self._move(END_AUTH)
        self._send(outcome.reply)
        self._set_context(ValidationContext(exchange.spec.name, outcome.status, outcome.user))
        passed = outcome.status is AuthStatus.PASS
        self._events.append(
            AuthAttempted(exchange.spec.name, outcome.user, passed, False, exchange.spec.log_authentication)
        )
        if outcome.counts_as_failure:
            self._auth_failures += 1
            if self._auth_failures >= self.policy.max_auth_failures:
                self._send(replies.TOO_MANY_AUTH_FAILURES)
                self._close("too many authentication failures")

    def _abandon_auth(self, timeout: bool) -> None:
        """The client went away or fell silent inside an exchange: record a failed attempt."""
        exchange, self._exchange = self._exchange, None
        if exchange is not None and self.state is State.AUTHENTICATING:
            spec = exchange.spec
            self._events.append(
                AuthAttempted(spec.name, exchange.claimed_user, False, timeout, spec.log_authentication)
            )
