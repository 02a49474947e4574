"""Stored password hashes: every Momentum auth_ds type and every {SCHEME} prefix Dovecot and OpenLDAP write
is checked against values made by other tools (openssl passwd, the bcrypt and argon2-cffi libraries, hashlib
by the format's definition), and malformed or unknown values never match and never raise."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess

import pytest

from ecconf.runtime import password_hashes as ph
from ecconf.runtime.password_hashes import Stored, UnknownScheme, is_costly, make, matches, resolve

PW = "correct horse"
WRONG = "correct horsf"


def _openssl(flag: str, salt: str = "abcdefgh") -> str:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    return subprocess.run(
        ["openssl", "passwd", flag, "-salt", salt, PW], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


def _salted(name: str, salt: bytes) -> str:
    return base64.b64encode(hashlib.new(name, PW.encode() + salt).digest() + salt).decode()


def _both(stored: Stored, user: str = "", realm: str = "") -> tuple[bool, bool]:
    return matches(stored, PW, user, realm), matches(stored, WRONG, user, realm)


@pytest.mark.parametrize("flag", ["-1", "-5", "-6"])
def test_crypt_family_made_by_openssl(flag: str) -> None:
    made = _openssl(flag)
    assert _both(resolve(made, "ucrypt")) == (True, False)
    prefix = {"-1": "MD5-CRYPT", "-5": "SHA256-CRYPT", "-6": "SHA512-CRYPT"}[flag]
    assert _both(resolve(f"{{{prefix}}}{made}")) == (True, False)
    assert _both(resolve(f"{{CRYPT}}{made}")) == (True, False)
    assert is_costly(resolve(made, "ucrypt"))


def test_bcrypt_made_by_the_bcrypt_library() -> None:
    bcrypt = pytest.importorskip("bcrypt", reason="bcrypt comes with the ecconf[hashes] extra")
    made = bcrypt.hashpw(PW.encode(), bcrypt.gensalt(rounds=4)).decode()
    assert _both(resolve(f"{{BLF-CRYPT}}{made}")) == (True, False)
    assert _both(resolve(made, "ucrypt")) == (True, False)


def test_argon2id_made_by_argon2_cffi() -> None:
    argon2 = pytest.importorskip("argon2", reason="argon2-cffi comes with the ecconf[hashes] extra")
    made = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PW)
    stored = resolve(f"{{ARGON2ID}}{made}")
    assert stored.scheme == "argon2" and is_costly(stored)
    assert _both(stored) == (True, False)
    assert _both(resolve(f"{{CRYPT}}{made}")) == (True, False)


def test_plain_and_salted_digests_by_their_definitions() -> None:
    md5, sha1 = hashlib.md5(PW.encode()), hashlib.sha1(PW.encode())
    cases = [
        (md5.hexdigest(), "md5_hex"),
        (md5.hexdigest().upper(), "md5_hex"),
        (base64.b64encode(md5.digest()).decode(), "md5_base64"),
        (sha1.hexdigest(), "sha1_hex"),
        (base64.b64encode(sha1.digest()).decode(), "sha1_base64"),
        (_salted("md5", b"\x01\x02\x03\x04"), "smd5"),
        (_salted("sha1", b"saltsalt"), "ssha1"),
        (PW, "clear"),
    ]
    for value, type_name in cases:
        stored = resolve(value, type_name)
        assert _both(stored) == (True, False), type_name
        assert not is_costly(stored)


def test_rfc2307_prefixes() -> None:
    sha1 = base64.b64encode(hashlib.sha1(PW.encode()).digest()).decode()
    md5 = base64.b64encode(hashlib.md5(PW.encode()).digest()).decode()
    for value in (
        f"{{SHA}}{sha1}",
        f"{{ssha}}{_salted('sha1', b'1234')}",
        f"{{SMD5}}{_salted('md5', b'ab')}",
        f"{{MD5}}{md5}",
        f"{{PLAIN}}{PW}",
    ):
        assert _both(resolve(value, "rfc2307")) == (True, False), value
        assert _both(resolve(value)) == (True, False), value


def test_slappasswd_ssha_when_available() -> None:
    if shutil.which("slappasswd") is None:
        pytest.skip("slappasswd (Debian slapd) is not installed")
    made = subprocess.run(["slappasswd", "-s", PW], capture_output=True, text=True, check=True, timeout=30).stdout
    assert _both(resolve(made.strip())) == (True, False)


def test_digest_md5_and_momentum_md5_are_the_htdigest_hash() -> None:
    ha1 = hashlib.md5(f"alice:example.com:{PW}".encode()).hexdigest()
    for type_name in ("digest-md5", "md5"):
        assert _both(resolve(ha1, type_name), "alice", "example.com") == (True, False)
        assert not matches(resolve(ha1, type_name), PW, "bob", "example.com")


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        ("", "ucrypt"),
        ("$6$salt$", "ucrypt"),
        ("$6$rounds=1$x$notahash", "ucrypt"),
        ("*", "ucrypt"),  # a locked account in /etc/shadow
        ("!$6$abc$def", "ucrypt"),
        ("not base64!!", "ssha1"),
        ("c2hvcnQ=", "ssha1"),  # shorter than a SHA-1 digest: no salt
        ("zz" * 16, "md5_hex"),
        ("", "clear"),
    ],
)
def test_malformed_values_never_match_and_never_raise(value: str, type_name: str) -> None:
    assert matches(resolve(value, type_name), PW) is False
    assert matches(resolve(value, type_name), "") is (value == "" and type_name == "clear")


def test_unknown_and_uncheckable_schemes_are_refused_by_name() -> None:
    with pytest.raises(UnknownScheme, match="NTLM"):
        resolve("{NTLM}abcd")
    with pytest.raises(UnknownScheme, match="unknown password type 'rot13'"):
        resolve("x", "rot13")
    with pytest.raises(UnknownScheme, match="hmac_md5"):
        resolve("x", "hmac_md5")
    with pytest.raises(UnknownScheme, match="prefix"):
        resolve("plain", "rfc2307")
    assert resolve("{unclosed", None) == Stored("clear", "{unclosed")


def test_every_momentum_type_and_dovecot_prefix_is_known() -> None:
    momentum = {
        "clear",
        "digest-md5",
        "hmac_md5",
        "md5",
        "md5_base64",
        "md5_hex",
        "rfc2307",
        "sha1_base64",
        "sha1_hex",
        "smd5",
        "ssha1",
        "ucrypt",
    }
    assert set(ph.TYPE_NAMES) == momentum
    dovecot = {
        "PLAIN",
        "CRYPT",
        "MD5-CRYPT",
        "SHA256-CRYPT",
        "SHA512-CRYPT",
        "BLF-CRYPT",
        "SSHA",
        "SHA",
        "SMD5",
        "ARGON2ID",
    }
    assert dovecot <= set(ph.PREFIXES)
    assert {s for s in ph.TYPE_NAMES.values() if s} | set(ph.PREFIXES.values()) <= ph.SCHEMES


@pytest.mark.parametrize("prefix", ["SHA512-CRYPT", "SHA256-CRYPT", "SSHA", "BLF-CRYPT", "ARGON2ID"])
def test_made_hashes_check_and_are_salted(prefix: str) -> None:
    if prefix == "BLF-CRYPT":
        pytest.importorskip("bcrypt", reason="bcrypt comes with the ecconf[hashes] extra")
    if prefix == "ARGON2ID":
        pytest.importorskip("argon2", reason="argon2-cffi comes with the ecconf[hashes] extra")
    one, two = make(prefix, PW), make(prefix, PW)
    assert one.startswith(f"{{{prefix}}}") and one != two
    assert _both(resolve(one)) == (True, False)
    with pytest.raises(UnknownScheme):
        make("MD4", PW)


def test_a_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def no_bcrypt(name: str, *args: object, **kwargs: object) -> object:
        if name == "bcrypt":
            raise ImportError("no bcrypt here")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_bcrypt)
    with pytest.raises(ph.MissingBackend, match=r"ecconf\[hashes\]"):
        matches(Stored("bcrypt", "$2b$04$" + "a" * 53), PW)
