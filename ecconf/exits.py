"""What every `ecconf` subcommand shares: exit statuses and the one way to say an error.

Rule of this room: exit statuses are a contract (0 clean, 1 findings that fail, 2 usage error or unreadable
input); messages to stderr start with `ecconf: `.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Subparsers = Any  # argparse's _SubParsersAction is private; this is what add_<name> receives


def say_error(message: str) -> None:
    print(f"ecconf: {message}", file=sys.stderr)


def write_output(text: str, output: str | None, stream: TextIO) -> bool:
    """Write to `output` (a file path) or to `stream`; False, having said why, when the file cannot be written."""
    if output is None:
        stream.write(text)
        stream.flush()
        return True
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        say_error(f"cannot write {output}: {exc.strerror or exc}")
        return False
    return True
