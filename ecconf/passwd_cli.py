"""`ecconf passwd`: write password lines as ec_md5passwd does, and edit password files in place.

Rule of this room: arguments and prompts only; the store formats and the atomic, locked edit live in
runtime/passwd.py.
"""

from __future__ import annotations

import argparse
import sys

from .exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Subparsers, say_error


def add_passwd(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "passwd",
        parents=[common],
        help="write password lines (like ec_md5passwd) and edit password files in place",
        description="Without -f, print `user:realm:md5hex` as ec_md5passwd does. With -f, set the user in that "
        "htdigest file (or, with --clear, in a clear-text file: store), atomically and under a lock. The realm "
        "defaults to $EC_DIGEST_REALM, else 'Momentum Console'. A missing password is asked for (or read from "
        "standard input when it is not a terminal).",
    )
    p.add_argument("user", nargs="?", help="the user name (asked for when missing)")
    p.add_argument("password", nargs="?", help="the password (asked for when missing; prefer that: argv is visible)")
    p.add_argument("-f", "--file", metavar="FILE", help="the password file to update")
    p.add_argument("-r", "--realm", help="the DIGEST-MD5 realm")
    p.add_argument("--clear", action="store_true", help="FILE is a clear-text `file:` store (user:password)")
    p.add_argument(
        "--scheme",
        metavar="SCHEME",
        help="write user:{SCHEME}hash for a `file:` store instead (SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, ARGON2ID, "
        "SSHA); serves PLAIN and LOGIN only",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--add", dest="op", action="store_const", const="add", help="the user must be new")
    mode.add_argument("--change", dest="op", action="store_const", const="change", help="the user must exist")
    mode.add_argument("--delete", dest="op", action="store_const", const="delete", help="remove the user")
    p.set_defaults(func=cmd_passwd, op="set")


def _ask(prompt: str, *, secret: bool) -> str | None:
    import getpass

    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n") if line else None
    if not secret:
        return input(prompt)
    first = getpass.getpass(prompt)
    if getpass.getpass("again: ") != first:
        say_error("the passwords differ")
        return None
    return first


def cmd_passwd(args: argparse.Namespace) -> int:
    from .runtime.passwd import PasswdError, StoreOp, check_fields, default_realm, digest_line, update_store_file
    from .runtime.stores import StoreKind

    if args.clear and not args.file:
        say_error("--clear needs -f FILE")
        return EXIT_USAGE
    if args.scheme and args.realm:
        say_error("--scheme writes a file: store, which has no realm")
        return EXIT_USAGE
    if args.op != "set" and not args.file:
        say_error(f"--{args.op} needs -f FILE")
        return EXIT_USAGE
    user = args.user if args.user is not None else _ask("user: ", secret=False)
    password = args.password
    if password is None and args.op != "delete":
        password = _ask("password: ", secret=True)
    if not user or (password is None and args.op != "delete"):
        say_error("a user name and a password are needed")
        return EXIT_USAGE
    kind = StoreKind.FILE if args.clear or args.scheme else StoreKind.DIGEST
    realm = None if kind is StoreKind.FILE else (args.realm if args.realm is not None else default_realm())
    try:
        check_fields(kind, user, password, realm)
        stored = password
        if args.scheme and password is not None:
            stored = hashed(args.scheme, password)
        if args.file:
            update_store_file(args.file, kind, StoreOp(args.op), user, stored, realm)
        elif args.scheme:
            print(f"{user}:{stored}")
        if kind is StoreKind.DIGEST and password is not None:
            print(digest_line(user, realm or "", password))
    except PasswdError as exc:
        say_error(str(exc))
        return EXIT_FAILED
    return EXIT_OK


def hashed(scheme: str, password: str) -> str:
    """`{SCHEME}hash` of the password; PasswdError naming the schemes (or the extra) when it cannot be made."""
    from .runtime.passwd import PasswdError
    from .runtime.password_hashes import MissingBackend, UnknownScheme, make

    try:
        return make(scheme, password)
    except (UnknownScheme, MissingBackend) as exc:
        raise PasswdError(str(exc)) from None
