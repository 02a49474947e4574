"""The mechanism registry and the secret table the linter reads: every entry exists, agrees and works."""

from __future__ import annotations

import pytest

from ecconf.runtime.sasl import MECHANISMS, REQUIRED_SECRETS, can_serve, create
from ecconf.runtime.sasl.base import Challenge, Costly, Failure, FailureKind, MechanismContext, SecretKind, settle
from ecconf.runtime.sasl.digest_md5 import parse_directives
from ecconf.runtime.stores import MemoryStore

CTX = MechanismContext(hostname="mx.example.org")
CLEAR = frozenset({SecretKind.CLEARTEXT})
HA1 = frozenset({SecretKind.DIGEST_HA1})


def test_registry_names_match_classes() -> None:
    assert set(MECHANISMS) == {"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-256"}
    for name, cls in MECHANISMS.items():
        assert cls.name == name == name.upper()


def test_secret_table_covers_every_mechanism() -> None:
    assert set(REQUIRED_SECRETS) == set(MECHANISMS)
    for table in REQUIRED_SECRETS.values():
        assert set(table) == {False, True} and all(table.values())


@pytest.mark.parametrize("name", sorted(MECHANISMS))
def test_create_is_case_insensitive_and_fresh(name: str) -> None:
    store = MemoryStore({"u": "p"})
    first, second = create(name.lower(), store, CTX), create(name, store, CTX)
    assert type(first) is MECHANISMS[name] and first is not second
    assert isinstance(first.start(None), Challenge)


def test_create_unknown_raises_key_error() -> None:
    with pytest.raises(KeyError):
        create("GSSAPI", MemoryStore({}), CTX)


@pytest.mark.parametrize(
    ("mech", "kinds", "stored_cleartext", "expected"),
    [
        ("plain", CLEAR, False, True),
        ("LOGIN", HA1, False, False),
        ("CRAM-MD5", HA1, True, False),
        ("SCRAM-SHA-256", CLEAR, False, True),
        ("DIGEST-MD5", HA1, False, True),
        ("DIGEST-MD5", CLEAR, False, False),
        ("DIGEST-MD5", CLEAR, True, True),
        ("DIGEST-MD5", HA1, True, False),
        ("DIGEST-MD5", CLEAR | HA1, False, True),
    ],
)
def test_can_serve(mech: str, kinds: frozenset[SecretKind], stored_cleartext: bool, expected: bool) -> None:
    assert can_serve(mech, kinds, stored_cleartext) is expected


def first_answer(name: str, challenge: bytes) -> bytes:
    """A well-formed first answer for user "u" (wrong as credentials; only the failure kind matters)."""
    if name == "DIGEST-MD5":
        nonce = parse_directives(challenge.decode())["nonce"]
        text = f'username="u",nonce="{nonce}",cnonce="c",nc=00000001,digest-uri="smtp/h",response={"0" * 32}'
        return text.encode()
    return {
        "PLAIN": b"\x00u\x00wrong",
        "LOGIN": b"u",
        "CRAM-MD5": b"u " + b"0" * 32,
        "SCRAM-SHA-256": b"n,,n=u,r=abc",
    }[name]


@pytest.mark.parametrize("name", sorted(MECHANISMS))
@pytest.mark.parametrize("stored_cleartext", [False, True])
def test_table_agrees_with_behaviour(name: str, stored_cleartext: bool) -> None:
    """A store the table says cannot serve a mechanism makes it answer TEMPORARY; one it can serve does not."""
    ctx = MechanismContext(hostname="h", stored_cleartext=stored_cleartext)
    for kinds, store in ((CLEAR, MemoryStore({"u": "p"})), (HA1, MemoryStore(digest={("u", "h"): b"\x00" * 16}))):
        mech = create(name, store, ctx)
        result = mech.start(None)
        answers = 0
        while isinstance(result, Challenge) and answers < 3:
            result = settle(mech.step(first_answer(name, result.data) if answers == 0 else b"wrong"))
            answers += 1
        assert isinstance(result, Failure), (kinds, result)
        temporary = result.kind is FailureKind.TEMPORARY
        assert temporary is not can_serve(name, kinds, stored_cleartext), (kinds, result)


def test_a_store_that_checks_passwords_itself_serves_plain_and_login_only() -> None:
    verify = frozenset({SecretKind.VERIFY})
    assert can_serve("PLAIN", verify) and can_serve("login", verify)
    for mech in ("CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-256"):
        assert not can_serve(mech, verify) and not can_serve(mech, verify, stored_cleartext=True)


class _Asking:
    """A VERIFY store, as an auth_ds scheme is: its answer is awaited, and may be "cannot say" (None)."""

    secret_kinds = frozenset({SecretKind.VERIFY})

    def __init__(self, answer: bool | None) -> None:
        self.answer = answer

    def cleartext(self, user: str) -> str | None:
        return None

    def digest_ha1(self, user: str, realm: str) -> bytes | None:
        return None

    def known(self, user: str, password: str, realm: str) -> bool | None:
        return None  # nothing at hand: every answer is awaited

    async def check(self, user: str, password: str, realm: str) -> bool | None:
        return self.answer if password == "pw" else False


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
@pytest.mark.parametrize(
    ("answer", "password", "expected"),
    [(True, "pw", None), (True, "other", FailureKind.CREDENTIALS), (None, "pw", FailureKind.TEMPORARY)],
)
def test_a_verify_store_is_awaited_and_may_be_temporary(
    mech: str, answer: bool | None, password: str, expected: FailureKind | None
) -> None:
    mechanism = create(mech, _Asking(answer), CTX)  # type: ignore[arg-type]
    if mech == "PLAIN":
        step = mechanism.start(b"\0alice\0" + password.encode())
    else:
        mechanism.start(b"alice")
        step = mechanism.step(password.encode())
    result = settle(step)
    if expected is None:
        assert not isinstance(result, Failure)
    else:
        assert isinstance(result, Failure) and result.kind is expected


class _AtHand(_Asking):
    """A store with the answer at hand (a datasource's fresh cached answer): nothing is awaited."""

    def known(self, user: str, password: str, realm: str) -> bool | None:
        return password == "pw"

    async def check(self, user: str, password: str, realm: str) -> bool | None:
        raise AssertionError("an answer at hand is not awaited")


@pytest.mark.parametrize(("password", "expected"), [("pw", None), ("other", FailureKind.CREDENTIALS)])
def test_an_answer_at_hand_is_given_without_awaiting(password: str, expected: FailureKind | None) -> None:
    mechanism = create("PLAIN", _AtHand(True), CTX)  # type: ignore[arg-type]
    step = mechanism.start(f"\0alice\0{password}".encode())
    assert not isinstance(step, Costly)
    assert (step.kind if isinstance(step, Failure) else None) is expected
