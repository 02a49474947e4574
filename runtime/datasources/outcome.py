"""What an authentication through a datasource can come to, and the errors on the way there.

Rule of this room: three outcomes and no more. OK and FAIL are the datasource's answer; TEMPFAIL means no
answer could be had (the database is down, slow, or out of connections) and is what the SMTP layer turns
into `454 4.7.0 Temporary authentication failure` (RFC 4954 §6). No message here ever holds a password.
"""

from __future__ import annotations

import enum


class Outcome(enum.Enum):
    OK = "ok"
    FAIL = "fail"
    TEMPFAIL = "tempfail"


class DatasourceError(Exception):
    """A datasource or scheme cannot be set up: bad URI, unknown driver, bad scheme options. Config-time."""


class MissingDriver(DatasourceError):
    """The driver's library is not installed; the message names the extra that brings it."""


class TemporaryFailure(Exception):
    """A driver could not answer now (connection refused, timeout, pool exhausted): TEMPFAIL."""


class RejectedInput(Exception):
    """The datasource refused the values themselves (a NUL, bytes it cannot store): a plain FAIL."""
