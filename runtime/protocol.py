"""The sans-IO SMTP submission protocol (RFC 5321, RFC 4954 AUTH, RFC 3207 STARTTLS).

Rule of this room: bytes in (`receive_data`), events and bytes out (`next_event`, `data_to_send`), h11 style.
No sockets, no files, no clock or randomness except the injected callables. Legality of a verb comes from
state.py, reply text from replies.py, the relay decision from policy.py, which AUTH mechanisms may be
used before TLS from authgate.py. Every refusal is a
`ProtocolViolation` caught in one place, `_step`, which sends its reply and closes the session when fatal.
What AUTH's results do to the session lives beside it, in protocol_auth.py (mixed into SmtpConnection).
Every resource a client can make us hold is bounded here: pending input (linereader.py), message content
(datareader.py; all sessions' together: memory_budget.py), pending output (FLUSH), refused and junk
commands (budgets.py) and AUTH failures, and time (`read_timeout()` tells the driver how long to wait; the
protocol itself never waits).
"""

from __future__ import annotations

from collections.abc import Callable

from . import authgate, replies
from .authdialogue import AuthDialogue
from .authflow import MechanismFactory
from .budgets import JUNK_VERBS, CommandBudget
from .commands import MAX_PENDING_LINE, SASL_LINE_LIMIT, line_limit, parse_command, parse_path
from .config import SessionPolicy
from .datareader import DataReader
from .events import (
    FLUSH,
    NEED_DATA,
    PAUSED,
    AuthStatus,
    Close,
    Envelope,
    Event,
    MessageReceived,
    Sentinel,
    StartTls,
    ValidationContext,
)
from .extensions import keywords_for, offered_mechanisms
from .headers import submission_headers, trace_headers
from .linereader import LineReader
from .memory_budget import MemoryBudget, Reservation
from .policy import may_relay
from .protocol_auth import AuthSteps
from .replies import ProtocolViolation, Reply
from .state import (
    AT_REST_STATES,
    END_DATA,
    GREETED,
    KNOWN_VERBS,
    STORED,
    TLS_UP,
    WAITING_STATES,
    State,
    refusal,
    transition,
)
from .transaction import Transaction, start_transaction

# Replies held back before the driver must send them (FLUSH): a client that pipelines thousands of commands
# without reading its replies makes us wait for it, not buffer for it.
OUTPUT_HIGH_WATER = 64 * 1024
# Recipients per message when Max_Recipients_Per_Message is unset (0): RFC 5321 §4.5.3.1.8 asks for at least
# 100; unbounded, one session held 200 000 of them (about 92 MiB).
DEFAULT_MAX_RECIPIENTS = 1000


class SmtpConnection(AuthSteps):
    # A server holds one per open session, idle ones included: no per-instance dict.
    __slots__ = tuple(
        "_auth _budget _clock _data _data_started _enhanced _events _in _lines _mechanisms _memory _offered _out "
        "_random _strict _tx _usable client_ip client_port context esmtp helo hostname policy state tls".split()
    )

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
        memory: MemoryBudget | None = None,
    ) -> None:
        self.policy = policy
        self.hostname = hostname
        self.client_ip, self.client_port = client
        self.tls = tls
        self.helo = ""
        self.esmtp = False
        self._mechanisms = mechanisms
        self._clock = clock
        self._random = random_bytes
        self._in = bytearray()
        self._out = bytearray()
        self._events: list[Event] = []  # rarely more than one; a deque costs 700 bytes an idle session
        self._strict = policy.bare_lf == "reject"
        self._enhanced = policy.has_extension("ENHANCEDSTATUSCODES")  # asked for every reply otherwise
        self._lines = LineReader(self._strict, clock)
        self._tx = Transaction()
        self._memory = memory  # shared by the server's sessions; None: content not counted
        self._data = DataReader(0)
        self._data_started = 0.0  # clock reading when the current DATA phase began
        self._auth = AuthDialogue(policy, hostname, mechanisms, random_bytes, clock)
        self._budget = CommandBudget(policy.max_unknown_commands)
        self._verdict_at = -1  # where in _out the AUTH answer being held starts (refuse_verdict)
        self._offered: tuple[str, ...] | None = None
        self._usable: tuple[bool, tuple[str, ...]] | None = None  # (under TLS, what EHLO offers then)
        self._set_context(ValidationContext())
        # With a greeting delay the banner waits for `timeout()`; input before it is an early talker.
        self.state = State.GREETING if policy.greeting_delay > 0 else State.CONNECTED
        if self.state is State.CONNECTED:
            self._send(replies.GREETING.format(host=self.banner_host))

    # ----- the driver's interface -------------------------------------------------------------------

    @property
    def banner_host(self) -> str:
        return self.policy.banner_hostname or self.hostname

    @property
    def reading_data(self) -> bool:
        """In the DATA phase."""
        return self.state is State.DATA

    @property
    def at_rest(self) -> bool:
        """No transaction or AUTH exchange open: a draining server may end the session now."""
        return self.state in AT_REST_STATES

    def read_timeout(self) -> float:
        """How long the driver may wait for more input before it calls `timeout()`."""
        if self.state is State.GREETING:
            return self.policy.greeting_delay
        if self.state is State.DATA:
            left = self._data_started + self.policy.data_deadline - self._clock()
            return max(0.0, min(self.policy.data_timeout, left))
        if self._lines.started is None:  # between lines: the whole of Idle_Time
            return self.policy.idle_time
        return self._lines.time_left(self.policy.idle_time)  # Idle_Time bounds a whole line, not each byte

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
            if len(self._out) >= OUTPUT_HIGH_WATER:
                return FLUSH
            if not self._in or not self._step():  # no input is never a step: skip the call
                return NEED_DATA
        return self._events.pop(0)

    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def message_stored(self, queue_id: str) -> None:
        self._send(replies.QUEUED.format(queue_id=queue_id))
        self._budget.message_accepted()
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
        """The time `read_timeout()` granted has passed without input."""
        if self.state is State.CLOSED:
            return
        if self.state is State.GREETING:  # the client waited for the banner, as it should
            self._move(GREETED)
            self._send(replies.GREETING.format(host=self.banner_host))
            return
        self._abandon_auth(timeout=True)
        if self.state is State.DATA and self._clock() >= self._data_started + self.policy.data_deadline:
            self._send(replies.DATA_DEADLINE.format(host=self.banner_host))
            self._close("DATA deadline passed")
            return
        self._send(replies.IDLE_TIMEOUT.format(host=self.banner_host))
        self._close("idle timeout")

    def shutdown(self) -> None:
        if self.state is not State.CLOSED:
            self._send(replies.SHUTTING_DOWN.format(host=self.banner_host))
            self._close("server shutting down")

    # ----- plumbing ---------------------------------------------------------------------------------

    def _send(self, reply: Reply) -> None:
        self._out += reply.render(self._enhanced)

    def _move(self, event: str) -> None:
        nxt = transition(self.state, event)
        if nxt is None:
            raise RuntimeError(f"driver called {event} in state {self.state}")
        self.state = nxt

    def discard(self) -> None:
        """The driver is done with this session, however it ended: its share of the memory budget goes back."""
        self._data.release()

    def _close(self, reason: str) -> None:
        self.state = State.CLOSED
        self._data.release()
        self._in.clear()
        self._events.append(Close(reason))

    def _set_context(self, context: ValidationContext) -> None:
        can_relay = may_relay(self.policy, self.client_ip, context)
        self.context = ValidationContext(context.auth_name, context.auth_status, context.auth_user, can_relay)

    def _step(self) -> bool:
        """Handle one unit of input; False when more bytes are needed."""
        before = len(self._in)
        try:
            if self.state is State.GREETING:
                if not self._in:
                    return False
                raise ProtocolViolation(replies.EARLY_TALKER.format(host=self.banner_host), fatal=True)
            if self.state is State.DATA:
                if self._data.consume(self._in):
                    self._end_data()
                return len(self._in) != before or self.state is not State.DATA
            limit = SASL_LINE_LIMIT if self.state is State.AUTHENTICATING else MAX_PENDING_LINE
            line = self._lines.take(self._in, limit)
            if line is None:
                return False
            if self.state is State.AUTHENTICATING:
                self._auth_response(line)
            else:
                self._command(line)
        except ProtocolViolation as exc:
            self._refuse(exc)
        return True

    def _refuse(self, exc: ProtocolViolation) -> None:
        if self.state is State.AUTHENTICATING and not exc.fatal:
            self._finish_auth(self._auth.fail(exc.reply))
            return
        reply, fatal = exc.reply, exc.fatal
        # Junk (an HTTP request, a binary flood, a confused script) ends the session after a few lines.
        if not fatal and self._budget.refused(reply.code):
            reply, fatal = replies.TOO_MANY_ERRORS, True
        self._send(reply)
        if fatal:
            self._abandon_auth(timeout=False)
            self._close(reply.text)

    # ----- commands ---------------------------------------------------------------------------------

    def _command(self, line: bytes) -> None:
        cmd = parse_command(line.rstrip(b"\n").removesuffix(b"\r"))
        if cmd.verb not in KNOWN_VERBS:
            raise ProtocolViolation(replies.UNKNOWN_COMMAND)
        if len(line) > line_limit(cmd.verb):
            raise ProtocolViolation(replies.LINE_TOO_LONG)
        nxt = transition(self.state, cmd.verb)
        if nxt is None:
            raise ProtocolViolation(refusal(self.state, cmd.verb))
        if cmd.verb in JUNK_VERBS and self._budget.junk(cmd.verb):
            raise ProtocolViolation(replies.TOO_MANY_JUNK_COMMANDS.format(host=self.banner_host), fatal=True)
        _HANDLERS[cmd.verb](self, cmd.arg)
        if cmd.verb != "AUTH":  # AUTH moves through its own states; no other handler moves
            self.state = nxt
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
        return keywords_for(self.policy, self.tls, self.offered_mechanisms())

    def offered_mechanisms(self) -> tuple[str, ...]:
        """What EHLO offers now, which is what AUTH takes (authgate.py holds PLAIN/LOGIN back until TLS).
        EHLO, MAIL and AUTH each ask; it changes only when TLS starts."""
        usable = self._usable
        if usable is None or usable[0] is not self.tls:
            usable = self._usable = (self.tls, authgate.usable_now(self.policy, self._served(), self.tls))
        return usable[1]

    def _served(self) -> tuple[str, ...]:
        # Worked out once per session (EHLO, MAIL and AUTH all ask); it does not change with TLS.
        if self._offered is None:
            self._offered = offered_mechanisms(self.policy, self._mechanisms)
        return self._offered

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
        tx = start_transaction(parse_path(arg, "FROM:", null_ok=True), self.policy.message_size_limit)
        if why := authgate.sender_refusal(self.policy, self.context, tx.mail_from):
            raise ProtocolViolation(why)
        # A client that could authenticate (now or after STARTTLS) is told so; else RCPT says "relaying denied".
        if not self.context.can_relay and (
            why := authgate.mail_refusal(self.policy, self._served(), self.offered_mechanisms(), self.tls)
        ):
            raise ProtocolViolation(why)
        if self._memory is not None and not self._memory.fits(tx.size_hint):
            raise ProtocolViolation(replies.INSUFFICIENT_STORAGE)  # RFC 1870 §6.1: temporarily no room
        self._tx = tx
        self._send(replies.SENDER_OK)

    def _do_rcpt(self, arg: str) -> None:
        path = parse_path(arg, "TO:", null_ok=False)
        for key in path.params:
            raise ProtocolViolation(replies.UNKNOWN_PARAMETER.format(name=key))
        if not self.context.can_relay:
            raise ProtocolViolation(replies.RELAY_DENIED)
        limit = self.policy.max_recipients_per_message or DEFAULT_MAX_RECIPIENTS
        if len(self._tx.rcpt_to) >= limit:
            raise ProtocolViolation(replies.TOO_MANY_RECIPIENTS)
        self._tx.rcpt_to.append(path.address)
        self._send(replies.RECIPIENT_OK)

    def _do_data(self, arg: str) -> None:
        self._no_args("DATA", arg)
        held = None if self._memory is None else Reservation(self._memory)
        self._data = DataReader(self.policy.message_size_limit, strict=self._strict, reservation=held)
        self._data_started = self._clock()
        self._send(replies.START_DATA)

    def _end_data(self) -> None:
        self._move(END_DATA)
        if (refused := self._data.refusal()) is not None:
            self.message_rejected(refused)
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
            mail_params=tx.mail_params,
        )
        message = self._data.message()
        data = trace_headers(self.hostname, envelope) + submission_headers(self.hostname, envelope, message) + message
        self._data.forget()  # the event holds the content now; the reservation stays until the verdict
        self._events.append(MessageReceived(envelope, data))

    def _end_transaction(self, event: str) -> None:
        self._data.release()
        self._tx = Transaction()
        self._move(event)

    # ----- AUTH (what its results do: protocol_auth.py; the dialogue's memory: authdialogue.py) -------

    def _do_auth(self, arg: str) -> None:
        if not self.esmtp:
            raise ProtocolViolation(replies.HELLO_FIRST)
        if self.context.auth_status is AuthStatus.PASS:
            raise ProtocolViolation(replies.AUTH_ALREADY)
        usable = self.offered_mechanisms()
        if why := authgate.auth_refusal(arg, self._served(), usable):
            raise ProtocolViolation(why)
        initial = self._auth.open(arg, usable)
        self._move("AUTH")
        self._auth_result(self._auth.start(initial))


# Verb -> handler (`_do_<verb>`), looked up once here rather than spelt out for every command.
_HANDLERS: dict[str, Callable[[SmtpConnection, str], None]] = {
    name[4:].upper(): handler for name, handler in vars(SmtpConnection).items() if name.startswith("_do_")
}
