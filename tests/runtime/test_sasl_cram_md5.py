"""CRAM-MD5 (RFC 2195): the RFC's own exchange, replayed through the mechanism with injected randomness."""

from __future__ import annotations

import base64
import re

import pytest

from ecconf.runtime.sasl.base import EXCHANGE_OVER, Challenge, Failure, FailureKind, MechanismContext, Success
from ecconf.runtime.sasl.cram_md5 import CramMd5Mechanism, compute_digest, make_challenge
from ecconf.runtime.stores import MemoryStore

# RFC 2195 §2 (the same values as the project's vectors.json).
RFC = {
    "challenge": "<1896.697170952@postoffice.reston.mci.net>",
    "user": "tim",
    "password": "tanstaaftanstaaf",
    "digest_hex": "b913a602c7eda7a495b4e6e7334d3890",
    "server_challenge_b64": "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
    "client_response_b64": "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
}

RFC_CTX = MechanismContext(
    hostname="postoffice.reston.mci.net",
    random_bytes=lambda n: (1896).to_bytes(n, "big"),
    clock=lambda: 697170952.4,
)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore({"tim": "tanstaaftanstaaf", "tim smith": "other"})


def started(store: MemoryStore, ctx: MechanismContext = RFC_CTX) -> tuple[CramMd5Mechanism, bytes]:
    mech = CramMd5Mechanism(store, ctx)
    challenge = mech.start(None)
    assert isinstance(challenge, Challenge)
    return mech, challenge.data


def test_digest_math_matches_rfc() -> None:
    assert compute_digest(RFC["password"], RFC["challenge"].encode()) == RFC["digest_hex"]


def test_challenge_is_built_like_the_rfc_example() -> None:
    made = make_challenge((1896).to_bytes(8, "big"), 697170952.9, "postoffice.reston.mci.net")
    assert made == RFC["challenge"].encode()


def test_rfc_exchange_byte_for_byte(store: MemoryStore) -> None:
    mech, challenge = started(store)
    assert base64.b64encode(challenge).decode() == RFC["server_challenge_b64"]
    assert mech.step(base64.b64decode(RFC["client_response_b64"])) == Success("tim")
    assert mech.step(base64.b64decode(RFC["client_response_b64"])) == EXCHANGE_OVER


def test_upper_case_hex_is_accepted(store: MemoryStore) -> None:
    mech, _ = started(store)
    assert mech.step(f"tim {RFC['digest_hex'].upper()}".encode()) == Success("tim")


def test_user_name_is_everything_before_the_last_space(store: MemoryStore) -> None:
    mech, challenge = started(store)
    assert mech.step(f"tim smith {compute_digest('other', challenge)}".encode()) == Success("tim smith")


def test_empty_initial_response_is_allowed(store: MemoryStore) -> None:
    assert isinstance(CramMd5Mechanism(store, RFC_CTX).start(b""), Challenge)


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        ("tim " + compute_digest("wrong", RFC["challenge"].encode()), "wrong password"),
        ("tom " + RFC["digest_hex"], "unknown user"),
    ],
)
def test_bad_credentials(store: MemoryStore, response: str, reason: str) -> None:
    mech, _ = started(store)
    result = mech.step(response.encode())
    assert result == Failure(FailureKind.CREDENTIALS, reason, response.split()[0])


def test_an_answer_to_another_challenge_fails(store: MemoryStore) -> None:
    mech, _ = started(store, MechanismContext(hostname="h", random_bytes=lambda n: b"\x01" * n, clock=lambda: 5))
    result = mech.step(base64.b64decode(RFC["client_response_b64"]))
    assert result == Failure(FailureKind.CREDENTIALS, "wrong password", "tim")


@pytest.mark.parametrize(
    "response",
    [
        b"",
        b"tim",
        b" " + RFC["digest_hex"].encode(),
        b"tim b913a602c7eda7a495b4e6e7334d389",
        b"tim b913a602c7eda7a495b4e6e7334d3890f",
        b"tim z913a602c7eda7a495b4e6e7334d3890",
        b"t\xffm b913a602c7eda7a495b4e6e7334d3890",
    ],
)
def test_malformed_responses(store: MemoryStore, response: bytes) -> None:
    mech, _ = started(store)
    result = mech.step(response)
    assert isinstance(result, Failure) and result.kind is FailureKind.MALFORMED
    assert mech.step(base64.b64decode(RFC["client_response_b64"])) == EXCHANGE_OVER


def test_initial_response_is_malformed(store: MemoryStore) -> None:
    mech = CramMd5Mechanism(store, RFC_CTX)
    result = mech.start(b"tim abc")
    assert isinstance(result, Failure) and result.kind is FailureKind.MALFORMED
    assert mech.start(None) == EXCHANGE_OVER


def test_default_randomness_gives_fresh_well_formed_challenges(store: MemoryStore) -> None:
    ctx = MechanismContext(hostname="mx.example.org")
    first, second = started(store, ctx)[1], started(store, ctx)[1]
    assert first != second
    assert re.fullmatch(rb"<\d+\.\d+@mx\.example\.org>", first)


def test_store_without_clear_text_is_temporary() -> None:
    mech, _ = started(MemoryStore(digest={}))
    result = mech.step(base64.b64decode(RFC["client_response_b64"]))
    assert isinstance(result, Failure) and result.kind is FailureKind.TEMPORARY


def test_step_before_start_is_refused(store: MemoryStore) -> None:
    assert CramMd5Mechanism(store, RFC_CTX).step(b"tim " + RFC["digest_hex"].encode()) == EXCHANGE_OVER
