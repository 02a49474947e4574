"""`file:` stores with `{SCHEME}hash` lines: PLAIN and LOGIN check passwords against crypt, bcrypt, Argon2
and RFC 2307 hashes (a costly check runs as offloaded work, never in place), a hash is never taken for the
password itself, an unknown user costs the same hash as a known one, and a scheme ecconf does not know
refuses the file (lint and serve alike, through the same parser)."""

from __future__ import annotations

import base64
import hashlib
import shutil
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from serving import serving, write_config

from ecconf.runtime.password_hashes import make, resolve
from ecconf.runtime.sasl import create
from ecconf.runtime.sasl.base import Costly, Failure, FailureKind, MechanismContext, Success, settle
from ecconf.runtime.stores import PasswordFileStore, StoreError, StoreKind

CTX = MechanismContext(hostname="mx.test")


def _openssl_sha512(password: str) -> str:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    done = subprocess.run(["openssl", "passwd", "-6", password], capture_output=True, text=True, timeout=30)
    return done.stdout.strip()


def _ssha(password: str, salt: bytes = b"salt1234") -> str:
    return "{SSHA}" + base64.b64encode(hashlib.sha1(password.encode() + salt).digest() + salt).decode()


def _store(tmp_path: Path, lines: str) -> PasswordFileStore:
    path = tmp_path / "users"
    path.write_text(lines)
    path.chmod(0o600)
    return PasswordFileStore("file:users", path, StoreKind.FILE)


def _plain(store: PasswordFileStore, user: str, password: str) -> object:
    return create("PLAIN", store, CTX).start(f"\0{user}\0{password}".encode())


def test_plain_checks_each_scheme_and_offloads_the_costly_ones(tmp_path: Path) -> None:
    crypt = _openssl_sha512("crypt-pw")
    store = _store(tmp_path, f"alice:{{SHA512-CRYPT}}{crypt}\nbob:{_ssha('ssha-pw')}\ncarol:clear-pw\n")
    first = _plain(store, "alice", "crypt-pw")
    assert isinstance(first, Costly)  # SHA-512 crypt is not computed on the event loop
    assert settle(first) == Success("alice")
    assert isinstance(settle(_plain(store, "alice", "wrong")), Failure)
    assert _plain(store, "bob", "ssha-pw") == Success("bob")  # cheap digests are checked in place
    assert _plain(store, "carol", "clear-pw") == Success("carol")
    wrong = settle(_plain(store, "bob", "crypt-pw"))
    assert isinstance(wrong, Failure) and wrong.kind is FailureKind.CREDENTIALS


def test_a_hash_is_never_the_password_and_never_clear_text(tmp_path: Path) -> None:
    crypt = _openssl_sha512("crypt-pw")
    store = _store(tmp_path, f"alice:{{SHA512-CRYPT}}{crypt}\n")
    assert store.cleartext("alice") is None  # CRAM-MD5, DIGEST-MD5 and SCRAM cannot use a hash
    assert isinstance(settle(_plain(store, "alice", f"{{SHA512-CRYPT}}{crypt}")), Failure)
    cram = create("CRAM-MD5", store, CTX)
    cram.start(None)
    assert isinstance(settle(cram.step(b"alice 0123456789abcdef0123456789abcdef")), Failure)


def test_an_unknown_user_costs_the_same_hash(tmp_path: Path) -> None:
    crypt = _openssl_sha512("crypt-pw")
    store = _store(tmp_path, f"carol:clear\nalice:{{SHA512-CRYPT}}{crypt}\n")
    unknown = _plain(store, "nobody", "crypt-pw")
    assert isinstance(unknown, Costly)
    assert unknown.args[0] == resolve(f"{{SHA512-CRYPT}}{crypt}")  # checked against a real hash of the file
    verdict = settle(unknown)
    assert isinstance(verdict, Failure) and verdict.reason == "unknown user"  # even with that hash's password


def test_an_unknown_scheme_refuses_the_file_and_lint_says_where(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"unknown password scheme \{NTLM\}"):
        _store(tmp_path, "alice:{NTLM}0123abcd\n")
    assert _store(tmp_path, "alice:{PLAIN}{NTLM}literal\n").cleartext("alice") == "{NTLM}literal"
    config = write_config(tmp_path, users="alice:{NTLM}S3cr3tHashValue\n")
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "lint", str(config)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "passwd:1:1: error: unknown password scheme {NTLM}" in done.stdout
    assert "S3cr3tHashValue" not in done.stdout + done.stderr


def test_serve_logs_in_with_hashed_passwords_over_smtp(tmp_path: Path) -> None:
    crypt = _openssl_sha512("crypt-pw")
    users = f"alice:{{SHA512-CRYPT}}{crypt}\nbob:{make('SSHA', 'ssha-pw')}\ncarol:{make('SHA256-CRYPT', 'c-pw')}\n"
    config = write_config(tmp_path, mechanisms=("PLAIN", "LOGIN"), users=users)
    with serving(config) as served:
        for user, password, mech in (
            ("alice", "crypt-pw", "PLAIN"),
            ("bob", "ssha-pw", "LOGIN"),
            ("carol", "c-pw", "LOGIN"),
        ):
            with smtplib.SMTP(served.host, served.port, timeout=10) as smtp:
                smtp.ehlo()
                smtp.user, smtp.password = user, password
                code, _ = smtp.auth(mech, getattr(smtp, f"auth_{mech.lower()}"), initial_response_ok=mech == "PLAIN")
                assert code == 235, (user, mech)
        with smtplib.SMTP(served.host, served.port, timeout=10) as smtp, pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login("alice", "wrong")


def test_ecconf_passwd_writes_hashed_lines_the_store_accepts(tmp_path: Path) -> None:
    users = tmp_path / "users"
    users.write_text("")
    users.chmod(0o600)
    for scheme, user in (("SHA512-CRYPT", "alice"), ("SSHA", "bob")):
        done = subprocess.run(
            [sys.executable, "-m", "ecconf", "passwd", "-f", str(users), "--scheme", scheme, user, f"{user}-pw"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    written = users.read_text()
    assert "alice-pw" not in written and "{SHA512-CRYPT}$6$" in written
    assert "rounds=" not in written  # crypt(3)'s own 5000 rounds, which its form leaves unsaid
    store = PasswordFileStore("file:users", users, StoreKind.FILE)
    assert settle(_plain(store, "alice", "alice-pw")) == Success("alice")
    assert settle(_plain(store, "bob", "bob-pw")) == Success("bob")
    bad = subprocess.run(
        [sys.executable, "-m", "ecconf", "passwd", "--scheme", "MD4", "x", "y"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "choose one of" in bad.stderr
