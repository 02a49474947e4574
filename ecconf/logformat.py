"""How `ecconf serve` writes its log: text lines, or one JSON object per line (`--log-format json`).

Rule of this room: formatting only. A JSON line has the same facts as a text line — time (UTC, ISO 8601),
level, process id, logger, message, and the traceback when there is one — under fixed keys, so a log
shipper needs no pattern. The "ecconf: listening on ..." announcements are not log records: they stay
plain text on stderr in both formats.
"""

from __future__ import annotations

import json
import logging
import time

FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        line: dict[str, object] = {
            "time": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "pid": record.process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, log_format: str, workers: int) -> None:
    """Log to stderr at `level` in `log_format` ("text" shows the pid only with several workers)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        worker = " [%(process)d]" if workers > 1 else ""
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s{worker} %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), handlers=[handler])
