"""Writing password files: `ec_md5passwd` lines and in-place add/change/delete of `file:`/`digest:` stores.

Rule of this room: the line editing is pure (text in, text out, every other line kept byte for byte); the one
function that touches the disk takes an exclusive lock on a sidecar `<file>.lock`, writes a temporary file in
the same directory, fsyncs it, keeps the file's mode, and renames it over the original, so a reader sees the
old file or the new one and two writers never lose each other's update.
"""

from __future__ import annotations

import enum
import fcntl
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from .stores import StoreKind, digest_key

DEFAULT_REALM = "Momentum Console"
REALM_ENV = "EC_DIGEST_REALM"
NEW_FILE_MODE = 0o600


class PasswdError(Exception):
    """The update cannot be made (bad field, user exists or is missing, unreadable file); nothing was written."""


class StoreOp(enum.Enum):
    ADD = "add"  # the user must not exist yet
    CHANGE = "change"  # the user must exist
    SET = "set"  # add or change (what `ec_md5passwd -f` does)
    DELETE = "delete"  # the user must exist; every line for it goes


def default_realm(environ: Mapping[str, str] | None = None) -> str:
    """`$EC_DIGEST_REALM` when set and not empty, else "Momentum Console"."""
    env = os.environ if environ is None else environ
    return env.get(REALM_ENV) or DEFAULT_REALM


def digest_hash(user: str, realm: str, password: str) -> str:
    """hex(MD5("user:realm:password")) as htdigest files and `digest:` stores hold it."""
    return hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()


def digest_line(user: str, realm: str, password: str) -> str:
    """The `user:realm:md5hex` line `ec_md5passwd` prints (no newline)."""
    check_fields(StoreKind.DIGEST, user, password, realm)
    return f"{user}:{realm}:{digest_hash(user, realm, password)}"


def md5passwd(user: str, password: str, realm: str | None = None, path: Path | str | None = None) -> str:
    """What `ec_md5passwd [-f file] [-r realm] user password` does: the line, also written to `path` if given
    (replacing that user's line for that realm, or appending it)."""
    realm = default_realm() if realm is None else realm
    line = digest_line(user, realm, password)
    if path is not None:
        update_store_file(path, StoreKind.DIGEST, StoreOp.SET, user, password, realm)
    return line


def check_fields(kind: StoreKind, user: str, password: str | None, realm: str | None) -> None:
    """Refuse values that would break the line format (PasswdError); messages never include the password."""
    if not user or ":" in user or user.startswith("#") or _has_line_break(user):
        raise PasswdError("a user name must be non-empty, without ':' or line breaks, not starting with '#'")
    if password is not None and (not password or _has_line_break(password)):
        raise PasswdError("a password must be non-empty and without line breaks")
    if kind is StoreKind.DIGEST and realm is not None and (":" in realm or _has_line_break(realm)):
        raise PasswdError("a realm must not contain ':' or line breaks")


def _has_line_break(text: str) -> bool:
    return "\n" in text or "\r" in text


def _line_key(line: str, kind: StoreKind) -> str | None:
    """The user (file:) or "user:realm" (digest:) a line is for; None for comments, blanks, malformed."""
    body = line.rstrip("\r\n")
    if not body or body.startswith("#"):
        return None
    if kind is StoreKind.FILE:
        user, sep, _ = body.partition(":")
        return user if sep else None
    head, sep, _ = body.rpartition(":")
    return head if sep and ":" in head else None


def edit_lines(
    text: str, kind: StoreKind, op: StoreOp, user: str, password: str | None = None, realm: str | None = None
) -> str:
    """The file text after `op` for `user` (and `realm` for digest:); comments and other lines are kept."""
    if kind is StoreKind.DIGEST and realm is None:
        realm = default_realm()
    check_fields(kind, user, password, realm)
    key = user if kind is StoreKind.FILE else digest_key(user, realm or "")
    lines = _split_lines(text)
    matches = [i for i, line in enumerate(lines) if _line_key(line, kind) == key]
    if op is StoreOp.ADD and matches:
        raise PasswdError(f"user {user!r} already exists")
    if op in (StoreOp.CHANGE, StoreOp.DELETE) and not matches:
        raise PasswdError(f"no such user {user!r}")
    if op is StoreOp.DELETE:
        return _without(lines, set(matches))
    if password is None:
        raise PasswdError(f"{op.value} needs a password")
    body = f"{user}:{password}" if kind is StoreKind.FILE else digest_line(user, realm or "", password)
    if matches:
        first = lines[matches[0]]
        ending = "\r\n" if first.endswith("\r\n") else "\n"
        lines[matches[0]] = body + ending
        return _without(lines, set(matches[1:]))  # later duplicates go: one line per user from now on
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(lines) + body + "\n"


def _split_lines(text: str) -> list[str]:
    """Lines with their endings, split on "\n" only, exactly as the stores read them (str.splitlines would
    also split on form feeds and Unicode separators that a password may contain)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _without(lines: list[str], drop: set[int]) -> str:
    return "".join(line for i, line in enumerate(lines) if i not in drop)


def update_store_file(
    path: Path | str,
    kind: StoreKind,
    op: StoreOp,
    user: str,
    password: str | None = None,
    realm: str | None = None,
) -> None:
    """Apply `op` to the password file at `path` in place, atomically and under an exclusive lock.

    ADD and SET create a missing file (mode 0600); CHANGE and DELETE need it. The file's permission bits
    (and owner and group, when allowed) are kept; a symbolic link is followed and stays a link.
    """
    target = Path(os.path.realpath(path))
    if kind is StoreKind.DIGEST and realm is None:
        realm = default_realm()
    check_fields(kind, user, password, realm)
    with _exclusive_lock(target):
        try:
            before: os.stat_result | None = os.stat(target)
            data = target.read_bytes()
        except FileNotFoundError:
            if op in (StoreOp.CHANGE, StoreOp.DELETE):
                raise PasswdError(f"{target}: no such file") from None
            before, data = None, b""
        except OSError as exc:
            raise PasswdError(f"{target}: {exc.strerror}") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PasswdError(f"{target}: not valid UTF-8; not touching it") from None
        new_text = edit_lines(text, kind, op, user, password, realm)
        _replace_atomically(target, new_text.encode("utf-8"), before)


@contextmanager
def _exclusive_lock(target: Path) -> Iterator[None]:
    # A sidecar file, never the data file: the data file is replaced by rename, and a lock on a replaced
    # inode would protect nothing. The lock file is left in place (removing it would race other lockers).
    lock_path = target.with_name(target.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, NEW_FILE_MODE)
    except OSError as exc:
        raise PasswdError(f"{lock_path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _replace_atomically(target: Path, data: bytes, before: os.stat_result | None) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, NEW_FILE_MODE if before is None else stat.S_IMODE(before.st_mode))
        if before is not None:
            with suppress(PermissionError):  # only root may give a file away; others keep their own
                os.fchown(fd, before.st_uid, before.st_gid)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp_name, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)
