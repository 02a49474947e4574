"""LOGIN: the Username:/Password: dialogue, with and without an initial response."""

from __future__ import annotations

import pytest

from ecconf.runtime.sasl.base import EXCHANGE_OVER, Challenge, Failure, FailureKind, MechanismContext, Success
from ecconf.runtime.sasl.login import PASSWORD_PROMPT, USERNAME_PROMPT, LoginMechanism
from ecconf.runtime.stores import MemoryStore

CTX = MechanismContext(hostname="mx.example.org")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore({"alice": "wonder land", "bob smith": "p:w"})


def test_prompts_are_the_customary_ones() -> None:
    assert (USERNAME_PROMPT, PASSWORD_PROMPT) == (b"Username:", b"Password:")


def test_full_dialogue(store: MemoryStore) -> None:
    mech = LoginMechanism(store, CTX)
    assert mech.start(None) == Challenge(b"Username:")
    assert mech.step(b"alice") == Challenge(b"Password:")
    assert mech.step(b"wonder land") == Success("alice")
    assert mech.step(b"wonder land") == EXCHANGE_OVER


def test_initial_response_is_the_user_name(store: MemoryStore) -> None:
    mech = LoginMechanism(store, CTX)
    assert mech.start(b"bob smith") == Challenge(b"Password:")
    assert mech.step(b"p:w") == Success("bob smith")


@pytest.mark.parametrize(
    ("user", "password", "reason"),
    [(b"alice", b"wonderland", "wrong password"), (b"carol", b"wonder land", "unknown user")],
)
def test_bad_credentials(store: MemoryStore, user: bytes, password: bytes, reason: str) -> None:
    mech = LoginMechanism(store, CTX)
    mech.start(user)
    result = mech.step(password)
    assert result == Failure(FailureKind.CREDENTIALS, reason, user.decode())
    assert mech.step(b"wonder land") == EXCHANGE_OVER


@pytest.mark.parametrize(
    ("user", "password"),
    [(b"", None), (b"\xff", None), (b"alice", b""), (b"alice", b"\xc3(")],
)
def test_malformed(store: MemoryStore, user: bytes, password: bytes | None) -> None:
    mech = LoginMechanism(store, CTX)
    assert mech.start(None) == Challenge(USERNAME_PROMPT)
    result = mech.step(user)
    if password is not None:
        assert result == Challenge(PASSWORD_PROMPT)
        result = mech.step(password)
    assert isinstance(result, Failure) and result.kind is FailureKind.MALFORMED


def test_no_clear_text_in_store_is_temporary() -> None:
    mech = LoginMechanism(MemoryStore(digest={}), CTX)
    mech.start(b"alice")
    result = mech.step(b"wonder land")
    assert isinstance(result, Failure) and result.kind is FailureKind.TEMPORARY


def test_start_twice_is_refused(store: MemoryStore) -> None:
    mech = LoginMechanism(store, CTX)
    mech.start(None)
    assert mech.start(b"alice") == EXCHANGE_OVER
    assert LoginMechanism(store, CTX).step(b"alice") == EXCHANGE_OVER
