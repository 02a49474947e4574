"""Reading the DATA phase: end-of-data detection, dot-unstuffing, the size limit.

Rule of this room: only `<CRLF>.<CRLF>` ends a message (RFC 5321 §4.1.1.4). A "." line that follows or ends
with a bare LF is content, never the end — that closes the SMTP-smuggling hole of `<LF>.<LF>`, `<CR>.<CR>`
and `<CRLF>.<LF>`. In lenient mode other bare LF line ends are taken as line ends and stored in Maildir form
with LF endings; in strict mode (bare_lf = "reject") the first bare CR or LF raises a fatal violation, so
the session ends before anything is stored. Once the size limit is passed, or the server-wide memory
budget (memory_budget.py) cannot hold the next bytes, content is counted but no longer kept, and read to
the final dot: memory never holds more than the limit, and the client still gets its answer (`refusal`).
"""

from __future__ import annotations

from . import replies
from .linereader import bare_line_end
from .memory_budget import Reservation
from .replies import Reply

# A line longer than this is taken in pieces so the pending buffer stays small.
_CHUNK = 8192


class DataReader:
    __slots__ = tuple(
        "_line_start _lines _partial _prev_crlf _reservation limit over_budget size strict too_big".split()
    )

    def __init__(self, limit: int, *, strict: bool = False, reservation: Reservation | None = None) -> None:
        self.limit = limit  # 0: no limit
        self.strict = strict  # refuse bare CR and bare LF
        self.size = 0  # message octets received so far (line ends counted as CRLF)
        self.too_big = False
        self.over_budget = False  # the memory budget could not hold it: read on, keep nothing
        self._reservation = reservation  # what this message holds of the budget (None: not counted)
        self._lines: list[bytes] = []  # content so far, in pieces that each end with a line's LF
        self._partial = bytearray()  # the start of a line taken in pieces
        self._line_start = True  # the next byte starts a line
        self._prev_crlf = True  # the previous line ended with CRLF (the DATA command counts)

    def consume(self, buf: bytearray) -> bool:
        """Take message lines from `buf` (in place); True once the end-of-data line has been taken."""
        keeping = not (self.too_big or self.over_budget)
        if keeping and self._line_start and self._prev_crlf and self._consume_clean(buf):
            return True
        while True:  # what is left: odd lines, or the unfinished last one
            nl = buf.find(b"\n")
            if nl < 0:
                if len(buf) > _CHUNK:
                    # Keep the last byte: it may be the CR of a CRLF split across reads.
                    self._piece(bytes(buf[:-1]))
                    del buf[:-1]
                return False
            line = bytes(buf[: nl + 1])
            del buf[: nl + 1]
            if self._line_start and self._prev_crlf and line == b".\r\n":
                return True
            crlf = line.endswith(b"\r\n")
            if self.strict and not crlf:
                raise bare_line_end()
            self._piece(line[:-2] if crlf else line[:-1])
            self._end_line()
            self._prev_crlf = crlf

    def _consume_clean(self, buf: bytearray) -> bool:
        """The fast path for the usual case: whole CRLF lines with no bare CR or LF, within the limit, taken
        in bulk; True when that included the end of the data. Takes nothing when anything is unusual: the
        line-by-line path then decides."""
        if buf.startswith(b".\r\n"):
            del buf[:3]
            return True
        end = buf.find(b"\r\n.\r\n")
        cut = end + 2 if end >= 0 else buf.rfind(b"\r\n") + 2
        if cut < 2:
            return False
        chunk = bytes(buf[:cut])
        crlf = chunk.count(b"\r\n")
        if chunk.count(b"\n") != crlf or chunk.count(b"\r") != crlf:
            return False  # a bare CR or LF: the careful path knows what it means in this mode
        # Dot-unstuffing (RFC 5321 §4.5.2) on the whole chunk: no line in it is a lone "." (that would have
        # been the end), so every line that starts with a dot loses exactly that dot.
        if chunk[:1] == b".":
            chunk = chunk[1:]
        chunk = chunk.replace(b"\r\n.", b"\r\n")
        if self.limit and self.size + len(chunk) > self.limit:
            return False  # the careful path counts what passes the limit and stops keeping it
        if self._reservation is not None and not self._reservation.grow_to(self.size + len(chunk)):
            self._drop(over_budget=True)
            return False  # the careful path reads on to the end, keeping nothing
        self.size += len(chunk)
        self._lines.append(chunk.replace(b"\r\n", b"\n"))
        del buf[: cut + 3 if end >= 0 else cut]
        return end >= 0

    def _piece(self, data: bytes) -> None:
        # Every CR in a piece is bare: a line's own CRLF is cut off before, and a piece taken from an
        # unfinished line keeps back its last byte.
        if self.strict and b"\r" in data:
            raise bare_line_end()
        if self._line_start and data.startswith(b".") and data != b".":
            # Dot-unstuffing, RFC 5321 §4.5.2: only when other characters follow, so a lone "." that did
            # not end the message (it followed or ended with a bare LF) is kept as it was sent.
            data = data[1:]
        self._line_start = False
        self._count(len(data))
        if not (self.too_big or self.over_budget):
            self._partial += data

    def _end_line(self) -> None:
        self._count(2)
        if not (self.too_big or self.over_budget):
            self._lines.append(bytes(self._partial) + b"\n")
        self._partial.clear()
        self._line_start = True

    def _count(self, n: int) -> None:
        self.size += n
        if self.limit and self.size > self.limit and not self.too_big:
            self._drop(over_budget=False)
        elif self._reservation is not None and not (self.too_big or self.over_budget):
            if not self._reservation.grow_to(self.size):
                self._drop(over_budget=True)

    def _drop(self, *, over_budget: bool) -> None:
        if over_budget:
            self.over_budget = True
        else:
            self.too_big = True
        self._lines.clear()
        self._partial.clear()
        self.release()

    def refusal(self) -> Reply | None:
        """The answer for a message that was read but not kept: too big (552), or no memory for it (452)."""
        if self.too_big:
            return replies.MESSAGE_TOO_BIG
        return replies.INSUFFICIENT_STORAGE if self.over_budget else None

    def message(self) -> bytes:
        """The content with LF line ends (empty once it is no longer kept)."""
        return b"" if self.too_big or self.over_budget else b"".join(self._lines)

    def forget(self) -> None:
        """Drop the content (handed on as `message()`); the reservation stays until `release`."""
        self._lines = []
        self._partial.clear()

    def release(self) -> None:
        """Give back what this message holds of the memory budget (again: nothing)."""
        if self._reservation is not None:
            self._reservation.release()
            self._reservation = None  # given back for good: the session's later releases cost no call
