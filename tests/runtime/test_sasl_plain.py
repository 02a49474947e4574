"""PLAIN (RFC 4616): the RFC 4616 and RFC 4954 examples, and every way the one message can be wrong."""

from __future__ import annotations

import base64

import pytest

from ecconf.runtime.sasl.base import (
    EXCHANGE_OVER,
    Challenge,
    Failure,
    FailureKind,
    MechanismContext,
    SecretKind,
    StoreUnavailable,
    Success,
)
from ecconf.runtime.sasl.plain import PlainMechanism
from ecconf.runtime.stores import MemoryStore

# RFC 4616 §4 and RFC 4954 §4 examples (the same values as the project's vectors.json).
RFC4616_ACCEPT = ("AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "", "tim", "tanstaaftanstaaf")
RFC4616_REFUSE = ("VXJzZWwAS3VydAB4aXBqM3BsbXE=", "Ursel", "Kurt", "xipj3plmq")
RFC4954 = ("dGVzdAB0ZXN0ADEyMzQ=", "test", "test", "1234")

CTX = MechanismContext(hostname="mx.example.org")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore({"tim": "tanstaaftanstaaf", "Kurt": "xipj3plmq", "test": "1234", "zoë": "pässwörd:with colon"})


def run(store: MemoryStore, message: bytes, **kwargs: bool) -> object:
    return PlainMechanism(store, CTX, **kwargs).start(message)


def test_rfc4616_example_is_accepted(store: MemoryStore) -> None:
    b64, _authzid, authcid, _password = RFC4616_ACCEPT
    assert base64.b64decode(b64) == f"\x00{authcid}\x00{_password}".encode()
    assert run(store, base64.b64decode(b64)) == Success(authcid, "")


def test_rfc4616_authzid_other_than_authcid_is_refused(store: MemoryStore) -> None:
    result = run(store, base64.b64decode(RFC4616_REFUSE[0]))
    assert isinstance(result, Failure)
    assert result.kind is FailureKind.CREDENTIALS
    assert result.reason == "authzid differs from authcid"
    assert result.authcid == "Kurt"


def test_authzid_allowed_when_the_mechanism_is_created_so(store: MemoryStore) -> None:
    assert run(store, base64.b64decode(RFC4616_REFUSE[0]), allow_authzid=True) == Success("Kurt", "Ursel")


def test_rfc4954_example_with_authzid_equal_to_authcid(store: MemoryStore) -> None:
    assert run(store, base64.b64decode(RFC4954[0])) == Success("test", "test")


def test_without_initial_response_the_server_sends_an_empty_challenge(store: MemoryStore) -> None:
    mech = PlainMechanism(store, CTX)
    assert mech.start(None) == Challenge(b"")
    assert mech.step(b"\x00tim\x00tanstaaftanstaaf") == Success("tim")
    assert mech.step(b"\x00tim\x00tanstaaftanstaaf") == EXCHANGE_OVER


def test_utf8_names_and_passwords_with_colons(store: MemoryStore) -> None:
    message = "\x00zoë\x00pässwörd:with colon".encode()
    assert run(store, message) == Success("zoë")


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"\x00tim\x00wrong", "wrong password"),
        (b"\x00nobody\x00tanstaaftanstaaf", "unknown user"),
        (b"\x00tim\x00tanstaaftanstaa", "wrong password"),
        (b"\x00TIM\x00tanstaaftanstaaf", "unknown user"),
    ],
)
def test_bad_credentials(store: MemoryStore, message: bytes, reason: str) -> None:
    result = run(store, message)
    assert isinstance(result, Failure)
    assert (result.kind, result.reason) == (FailureKind.CREDENTIALS, reason)
    assert result.authcid == message.split(b"\x00")[1].decode()


@pytest.mark.parametrize(
    "message",
    [
        b"",
        b"tim",
        b"\x00tim",
        b"\x00tim\x00pw\x00extra",
        b"\x00\x00tanstaaftanstaaf",
        b"\x00tim\x00",
        b"\x00t\xffim\x00tanstaaftanstaaf",
        b"\x00tim\x00tan\xc3",
    ],
)
def test_malformed_messages(store: MemoryStore, message: bytes) -> None:
    result = run(store, message)
    assert isinstance(result, Failure)
    assert result.kind is FailureKind.MALFORMED


def test_reason_never_repeats_the_password(store: MemoryStore) -> None:
    for message in (b"\x00tim\x00s3cr3t-guess", b"\x00tim\x00s3cr3t-guess\x00x", b"s3cr3t-guess"):
        result = run(store, message)
        assert isinstance(result, Failure)
        assert "s3cr3t" not in result.reason


def test_a_store_without_clear_text_is_a_temporary_failure() -> None:
    digest_only = MemoryStore(digest={("tim", "r"): b"\x00" * 16})
    result = run(digest_only, b"\x00tim\x00tanstaaftanstaaf")
    assert isinstance(result, Failure) and result.kind is FailureKind.TEMPORARY


def test_a_store_that_cannot_answer_is_a_temporary_failure() -> None:
    class Down:
        secret_kinds = frozenset({SecretKind.CLEARTEXT})

        def cleartext(self, user: str) -> str | None:
            raise StoreUnavailable("back-end down")

        def digest_ha1(self, user: str, realm: str) -> bytes | None:
            return None

    result = PlainMechanism(Down(), CTX).start(b"\x00tim\x00x")
    assert isinstance(result, Failure) and result.kind is FailureKind.TEMPORARY


def test_start_twice_is_refused(store: MemoryStore) -> None:
    mech = PlainMechanism(store, CTX)
    mech.start(b"\x00tim\x00tanstaaftanstaaf")
    assert mech.start(b"\x00tim\x00tanstaaftanstaaf") == EXCHANGE_OVER
    assert PlainMechanism(store, CTX).step(b"\x00tim\x00tanstaaftanstaaf") == EXCHANGE_OVER
