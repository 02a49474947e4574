"""Every SMTP reply the server can send.

Rule of this room: reply codes, enhanced status codes (RFC 3463) and texts are spelled here and nowhere else.
Handlers pick a constant (filling `{placeholders}` with `format`), tests compare against the same constants.
Whether the enhanced code goes on the wire is decided at render time (ENHANCEDSTATUSCODES, RFC 2034).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # all splitlines() breaks on


def _clean(value: object) -> str:
    # Values from the client (HELO names, addresses) must never smuggle a line break into a reply.
    text = str(value)
    # isprintable() is False for every character _UNSAFE matches, so a printable value needs no regex.
    return text if text.isprintable() else _UNSAFE.sub("?", text)


@dataclass(frozen=True, slots=True)
class Reply:
    code: int
    enhanced: str  # "" when the reply carries no enhanced status code
    text: str
    more: tuple[str, ...] = ()  # further lines of a multi-line reply

    def format(self, **values: object) -> Reply:
        text = self.text.format(**{k: _clean(v) for k, v in values.items()})
        return Reply(self.code, self.enhanced, text, self.more)

    def with_lines(self, lines: tuple[str, ...]) -> Reply:
        return Reply(self.code, self.enhanced, self.text, tuple(_clean(line) for line in lines))

    @property
    def closes(self) -> bool:
        """221 and 421 end the session once sent."""
        return self.code in (221, 421)

    def render(self, enhanced_codes: bool) -> bytes:
        prefix = f"{self.enhanced} " if enhanced_codes and self.enhanced else ""
        if not self.more:  # most replies: one line
            return f"{self.code} {prefix}{self.text}\r\n".encode("utf-8", "replace")
        lines = (self.text, *self.more)
        out = []
        for i, line in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            out.append(f"{self.code}{sep}{prefix}{line}\r\n")
        return "".join(out).encode("utf-8", "replace")


# Connection level (no enhanced codes on the greeting, RFC 2034 §3).
GREETING = Reply(220, "", "{host} ESMTP ready")
EHLO_OK = Reply(250, "", "{host} greets {helo}")
HELO_OK = Reply(250, "", "{host} greets {helo}")
BYE = Reply(221, "2.0.0", "{host} closing connection")
OK = Reply(250, "2.0.0", "OK")
HELP = Reply(214, "2.0.0", "Commands: EHLO HELO AUTH MAIL RCPT DATA RSET NOOP VRFY HELP QUIT STARTTLS")
VRFY_CANNOT = Reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery")

# Shutting down or refusing a connection.
IDLE_TIMEOUT = Reply(421, "4.4.2", "{host} Idle timeout, closing connection")
CONCURRENCY_LIMIT = Reply(421, "4.4.5", "Service unavailable, concurrency limit reached.")
TOO_MANY_CONNECTIONS = Reply(421, "4.7.0", "Too many connections from your address, closing connection")
SHUTTING_DOWN = Reply(421, "4.3.2", "{host} Service shutting down, closing connection")
TOO_MANY_AUTH_FAILURES = Reply(421, "4.7.0", "Too many authentication failures, closing connection")
TOO_MANY_ERRORS = Reply(421, "4.7.0", "Too many unrecognized commands, closing connection")
TOO_MANY_JUNK_COMMANDS = Reply(421, "4.7.0", "{host} Too many NOOP, RSET, VRFY or HELP commands, closing connection")
DATA_DEADLINE = Reply(421, "4.4.2", "{host} Message transfer took too long, closing connection")
# RFC 5321 §3.1 lets a server answer 554 instead of 220: to a client that Enable = false turns away (a Peer
# scope's), and to a client that did not wait for the banner.
NO_SERVICE = Reply(554, "5.7.1", "No SMTP service here")
EARLY_TALKER = Reply(554, "5.5.1", "{host} Protocol error: data sent before the greeting, closing connection")
# RFC 5321 §2.3.8: lines end with CRLF only. In "reject" mode anything else ends the session (no guessing
# where a message ends, so nothing can be smuggled past us).
BARE_LINE_END = Reply(421, "4.5.2", "Bare <CR> or <LF> received; lines must end with <CR><LF>, closing connection")

# Syntax and sequence.
UNKNOWN_COMMAND = Reply(500, "5.5.1", "Command unrecognized")
LINE_TOO_LONG = Reply(500, "5.5.6", "Line too long")
SYNTAX_ERROR = Reply(501, "5.5.2", "Syntax error in command or arguments")
BAD_SENDER = Reply(501, "5.1.7", "Bad sender address syntax")
BAD_RECIPIENT = Reply(501, "5.1.3", "Bad recipient address syntax")
# RFC 6531 §3.7.4.1, RFC 5248 X.6.7: we do not offer SMTPUTF8, so an address must be ASCII.
NON_ASCII_SENDER = Reply(553, "5.6.7", "Non-ASCII addresses not permitted for that sender (no SMTPUTF8)")
NON_ASCII_RECIPIENT = Reply(553, "5.6.7", "Non-ASCII addresses not permitted for that recipient (no SMTPUTF8)")
BAD_PARAMETER = Reply(501, "5.5.4", "Invalid value for parameter {name}")
UNKNOWN_PARAMETER = Reply(555, "5.5.4", "Parameter {name} not recognized")
NO_ARGUMENTS = Reply(501, "5.5.4", "{verb} takes no arguments")
NOT_IMPLEMENTED = Reply(502, "5.5.1", "Command not implemented")
BAD_SEQUENCE = Reply(503, "5.5.1", "Bad sequence of commands")
HELLO_FIRST = Reply(503, "5.5.1", "Send EHLO first")
NEED_MAIL = Reply(503, "5.5.1", "Need MAIL command first")
NEED_RCPT = Reply(503, "5.5.1", "Need RCPT command first")
NESTED_MAIL = Reply(503, "5.5.1", "Sender already specified")

# Mail transaction.
SENDER_OK = Reply(250, "2.1.0", "Sender OK")
RECIPIENT_OK = Reply(250, "2.1.5", "Recipient OK")
START_DATA = Reply(354, "", "Start mail input; end with <CRLF>.<CRLF>")
QUEUED = Reply(250, "2.0.0", "Message accepted for delivery, queued as {queue_id}")
TOO_MANY_RECIPIENTS = Reply(452, "4.5.3", "Too many recipients")
MESSAGE_TOO_BIG = Reply(552, "5.3.4", "Message size exceeds fixed maximum message size")
RELAY_DENIED = Reply(550, "5.7.1", "Relaying denied")
# RFC 6409 §6.1 lets a submission server check the sender against the authenticated identity; 553 is
# "mailbox name not allowed" (RFC 5321), 5.7.1 "not authorized" (RFC 3463).
SENDER_NOT_OWNED = Reply(553, "5.7.1", "Sender address not owned by the authenticated user")
AUTH_REQUIRED = Reply(530, "5.7.0", "Authentication required")
SPOOL_ERROR = Reply(451, "4.3.0", "Local error in processing, please try again later")
SPOOL_FULL = Reply(452, "4.3.1", "Insufficient system storage")
INSUFFICIENT_STORAGE = SPOOL_FULL  # also for the memory budget of message content (memory_budget.py)

# AUTH (RFC 4954 §6).
AUTH_CHALLENGE = Reply(334, "", "{data}")
AUTH_OK = Reply(235, "2.7.0", "Authentication successful")
AUTH_CANCELLED = Reply(501, "5.7.0", "Authentication cancelled")
AUTH_BAD_BASE64 = Reply(501, "5.5.2", "Cannot decode base64 response")
AUTH_MALFORMED = Reply(501, "5.5.2", "Malformed authentication response")
AUTH_UNKNOWN_MECHANISM = Reply(504, "5.5.4", "Unrecognized authentication type")
AUTH_ALREADY = Reply(503, "5.5.1", "Already authenticated")
AUTH_IN_TRANSACTION = Reply(503, "5.5.1", "AUTH not permitted during a mail transaction")
AUTH_NOT_AVAILABLE = Reply(502, "5.5.1", "AUTH not available")
AUTH_FAILED = Reply(535, "5.7.8", "Authentication credentials invalid")
AUTH_TEMPORARY = Reply(454, "4.7.0", "Temporary authentication failure")
# RFC 4954 §4, §6: PLAIN or LOGIN asked for before TLS where Auth_Require_TLS holds them back.
AUTH_NEEDS_TLS = Reply(538, "5.7.11", "Encryption required for requested authentication mechanism")
STARTTLS_FIRST = Reply(530, "5.7.0", "Must issue a STARTTLS command first")

# STARTTLS (RFC 3207).
TLS_READY = Reply(220, "2.0.0", "Ready to start TLS")
TLS_NOT_AVAILABLE = Reply(454, "4.7.0", "TLS not available")
TLS_ACTIVE = Reply(503, "5.5.1", "TLS already active")


class ProtocolViolation(Exception):
    """The client broke the protocol; `reply` says what to answer. Fatal ones close the session."""

    def __init__(self, reply: Reply, *, fatal: bool = False) -> None:
        super().__init__(f"{reply.code} {reply.enhanced} {reply.text}".replace("  ", " "))
        self.reply = reply
        self.fatal = fatal or reply.closes
