"""An unknown user costs every mechanism the same work as a wrong password for a known one, and gets the
same answer: counted (the hash and comparison calls), not timed. SCRAM-SHA-256 also shows an unknown user a
server-first message just like a known user's (same iteration count, a salt that is stable across tries)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from test_protocol_auth import b64, challenge, digest_response, ehlo
from test_sasl_digest_md5 import REALM, begin, client_response, digest_store  # noqa: F401 (fixture)
from test_sasl_scram_sha256 import client_final

from ecconf.runtime import sasl
from ecconf.runtime.events import AuthAttempted
from ecconf.runtime.sasl import cram_md5, digest_md5, plain, scram_sha256
from ecconf.runtime.sasl.base import Challenge, Costly, Failure, FailureKind, MechanismContext
from ecconf.runtime.sasl.digest_md5 import NonceRegistry
from ecconf.runtime.stores import MemoryStore

CLEAR = {"chris": "secret", "zoë": "crème brûlée"}


def counting(calls: Counter[str], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return function(*args, **kwargs)

    return wrapper


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every MD5 and constant-time comparison DIGEST-MD5 makes, and the checks of the other mechanisms."""
    counted: Counter[str] = Counter()
    monkeypatch.setattr(digest_md5, "hashlib", SimpleNamespace(md5=counting(counted, "md5", hashlib.md5)))
    monkeypatch.setattr(
        digest_md5, "hmac", SimpleNamespace(compare_digest=counting(counted, "cmp", hmac.compare_digest))
    )
    for module in (plain, cram_md5):
        monkeypatch.setattr(module, "secrets_equal", counting(counted, "equal", module.secrets_equal))
    monkeypatch.setattr(cram_md5, "compute_digest", counting(counted, "hmac-md5", cram_md5.compute_digest))
    return counted


def digest_work(
    store: MemoryStore, user: str, calls: Counter[str], stored_cleartext: bool
) -> tuple[object, Counter[str]]:
    mech, issued = begin(store, NonceRegistry(), stored_cleartext=stored_cleartext)
    response = client_response(issued, user=user, password="wrong guess")
    calls.clear()
    return mech.step(response), Counter(calls)


@pytest.mark.parametrize(
    ("stored_cleartext", "user"),
    [(False, "chris"), (True, "chris"), (True, "zoë")],
    ids=["digest-store", "clear-store", "clear-store-latin1-password"],
)
def test_digest_md5_unknown_user_does_the_work_of_a_wrong_password(
    digest_store: MemoryStore,  # noqa: F811
    calls: Counter[str],
    stored_cleartext: bool,
    user: str,
) -> None:
    store = MemoryStore(CLEAR) if stored_cleartext else digest_store
    known, known_work = digest_work(store, user, calls, stored_cleartext)
    unknown, unknown_work = digest_work(store, "nobody", calls, stored_cleartext)
    assert known == Failure(FailureKind.CREDENTIALS, "wrong password", user)
    assert unknown == Failure(FailureKind.CREDENTIALS, "unknown user", "nobody")
    assert known_work["md5"] >= 3 and known_work["cmp"] >= 2
    assert unknown_work == known_work


def test_digest_md5_unknown_user_never_matches_the_dummy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a client that knew the dummy H(A1) gets no further: a match for an unknown user is no success."""
    mech, issued = begin(MemoryStore(digest={}), NonceRegistry())
    ha1 = digest_md5._DUMMY_HA1
    fields = digest_md5.parse_directives(client_response(issued, user="nobody").decode())
    fields["response"] = digest_md5.compute_response(
        ha1, fields["nonce"], fields["cnonce"], fields["nc"], "auth", fields["digest-uri"]
    )
    response = ",".join(f'{k}="{v}"' for k, v in fields.items()).encode()
    assert mech.step(response) == Failure(FailureKind.CREDENTIALS, "unknown user", "nobody")


@pytest.mark.parametrize(
    "message", [b"\x00chris\x00wrong guess", b"\x00nobody\x00wrong guess"], ids=["known", "unknown"]
)
def test_plain_compares_once_whoever_the_user(calls: Counter[str], message: bytes) -> None:
    mech = plain.PlainMechanism(MemoryStore(CLEAR), MechanismContext("mx.test"))
    assert isinstance(mech.start(message), Failure)
    assert calls == Counter({"equal": 1})


@pytest.mark.parametrize("user", ["chris", "nobody"])
def test_cram_md5_computes_and_compares_once_whoever_the_user(calls: Counter[str], user: str) -> None:
    mech = cram_md5.CramMd5Mechanism(MemoryStore(CLEAR), MechanismContext("mx.test"))
    assert isinstance(mech.start(None), Challenge)
    calls.clear()
    assert isinstance(mech.step(f"{user} {'0' * 32}".encode()), Failure)
    assert calls == Counter({"hmac-md5": 1, "equal": 1})


def test_digest_md5_over_smtp_unknown_user_and_wrong_password_answer_alike(session) -> None:
    answers = []
    for user, password in (("alice", "wrong"), ("nobody", "s3cret")):
        s = session()
        ehlo(s)
        text = challenge(s.send("AUTH DIGEST-MD5\r\n")).decode()
        line, _ = digest_response(text, user, password, "mx.test")
        reply = s.send(b64(line) + "\r\n")
        attempted = s.of_type(AuthAttempted)
        answers.append((reply, [(a.success, a.penalised, a.delay) for a in attempted], s.conn.state))
    assert answers[0] == answers[1]
    assert answers[0][0].startswith("535 5.7.8")


# --- SCRAM-SHA-256 ---


def server_first(user: str) -> dict[str, str]:
    """The server-first message a mechanism from the registry (the server's own salts) sends `user`."""
    ctx = MechanismContext("mx.test")
    mech = sasl.create("SCRAM-SHA-256", MemoryStore(CLEAR), ctx)
    reply = mech.start(f"n,,n={user},r=client-nonce".encode())
    assert isinstance(reply, Challenge)
    return dict(item.split("=", 1) for item in reply.data.decode().split(","))


def test_scram_server_first_for_an_unknown_user_looks_like_a_known_users() -> None:
    known, unknown, again = server_first("chris"), server_first("nobody"), server_first("nobody")
    assert unknown["i"] == known["i"] == str(scram_sha256.ITERATIONS)
    assert len(base64.b64decode(unknown["s"])) == len(base64.b64decode(known["s"])) == 16
    assert unknown["s"] == again["s"] != known["s"]  # stable per name across tries, as a stored salt is
    assert unknown["r"] != again["r"]  # the server's half of the nonce is fresh each time


def test_scram_unknown_user_asks_for_the_same_key_derivation() -> None:
    steps = []
    for user in ("chris", "nobody"):
        mech = scram_sha256.ScramSha256Mechanism(
            MemoryStore(CLEAR), MechanismContext("mx.test"), salts=scram_sha256.DerivedSalts(b"k" * 32)
        )
        first = f"n,,n={user},r=abc"
        reply = mech.start(first.encode())
        assert isinstance(reply, Challenge)
        final, _ = client_final(first, reply.data.decode(), "wrong guess")
        step = mech.step(final.encode())
        assert isinstance(step, Costly)
        steps.append((step.function, step.args[2], len(step.args[1])))  # type: ignore[arg-type]
        assert isinstance(step.resume(step.function(*step.args)), Failure)
    assert steps[0] == steps[1] == (scram_sha256.salted_password, scram_sha256.ITERATIONS, 16)
