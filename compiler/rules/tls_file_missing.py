"""S505 tls-file-missing: TLS_Certificate or TLS_Key names a file that does not exist or cannot be read.

The server reads the certificate and key when it starts TLS; a missing or unreadable file makes every TLS
handshake fail (and with Use_SSL, every connection). A relative path is relative to the directory of the
configuration file that names it. Checked wherever the options are set, global scope and modules included;
skipped when files are not to be read (JSON checked away from the server it describes).

Bad:
    ESMTP_Listener {
      TLS_Certificate = "/nonexistent/ecelerity/mx.pem"
      TLS_Key = "/nonexistent/ecelerity/mx.key"
    }

Good:
    ESMTP_Listener {
      Listen ":25" { }
    }
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..nodes import Scalar

CODE = "S505"
SUMMARY = "TLS_Certificate or TLS_Key names a missing or unreadable file"
DEFAULT_SEVERITY = Severity.ERROR
# Its findings depend on the files of the machine linting (see checker: E002 leaves its suppressions alone).
READS_FILES = True

LABELS = {"tls_certificate": "TLS_Certificate", "tls_key": "TLS_Key"}


def _problem(path: Path) -> str | None:
    """What is wrong with the file at `path`, or None when the server could read it."""
    if not path.exists():
        return "does not exist"
    if path.is_dir():
        return "is a directory, not a file"
    if not path.is_file():  # a FIFO would block the open below forever; a device is no certificate either
        return "is not a regular file"
    try:
        with open(path, "rb"):
            pass  # opening is the test: the server needs to read it; what is inside is not this rule's concern
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    if not ctx.check_files:
        return
    for assignment in ctx.facts.assignments:
        option = assignment.option
        label = LABELS.get(option.name.lower())
        value = option.value
        if label is None or not isinstance(value, Scalar) or not value.value.strip():
            continue  # arrays and dictionaries are E301's; an empty value sets nothing
        path = ctx.resolve_path(value.value.strip(), value.span)
        problem = _problem(path)
        if problem is None:
            continue
        shown = value.value if str(path) == value.value.strip() else f"{value.value} (= {path})"
        yield Diagnostic(
            CODE,
            f"{label} file {shown} {problem}",
            value.span,
            hint="point it at the PEM file the server should use; relative paths start at this file's directory",
        )
