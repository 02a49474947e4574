"""Per-session command budgets: refused commands, and commands that move nothing forward (Postfix's "junk").

Rule of this room: counting only. The protocol asks after each refusal and before each junk command whether
the session's budget is spent, and sends the 421 itself. Unknown, malformed and out-of-sequence commands
count at once against `max_unknown_commands`. NOOP, RSET, VRFY and HELP are free up to JUNK_COMMAND_LIMIT
since the last accepted message; each one after that counts against the same budget, as Postfix's
smtpd_junk_command_limit feeds its error counter. So a client that pipelines thousands of NOOPs is cut off
after JUNK_COMMAND_LIMIT + max_unknown_commands of them, while one that sends a NOOP between messages never is.
"""

from __future__ import annotations

# Refusals that count towards max_unknown_commands: unknown, malformed or out-of-sequence commands.
BAD_COMMAND_CODES = frozenset({500, 501, 502, 503, 504, 555})
# Commands a client may send without moving a transaction forward.
JUNK_VERBS = frozenset({"NOOP", "RSET", "VRFY", "HELP"})
# Junk commands per message before each further one counts as a bad command (Postfix's default, 100).
JUNK_COMMAND_LIMIT = 100


class CommandBudget:
    __slots__ = ("_junk", "_max_errors", "errors")

    def __init__(self, max_errors: int) -> None:
        self._max_errors = max_errors
        self.errors = 0  # bad commands so far, junk beyond the limit included
        self._junk = 0  # junk commands since the session began or a message was accepted

    def refused(self, code: int) -> bool:
        """A command was refused with `code`; True when that spends the budget (the session ends)."""
        return code in BAD_COMMAND_CODES and self._count()

    def junk(self, verb: str) -> bool:
        """`verb` is about to be answered; True when it is junk that spends the budget (the session ends)."""
        if verb not in JUNK_VERBS:
            return False
        self._junk += 1
        return self._junk > JUNK_COMMAND_LIMIT and self._count()

    def message_accepted(self) -> None:
        self._junk = 0

    def _count(self) -> bool:
        self.errors += 1
        return self.errors > self._max_errors
