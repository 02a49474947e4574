"""SCRAM-SHA-256 (RFC 7677): the RFC's exchange byte for byte, a client computed here, and every refusal."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from ecconf.runtime.sasl.base import EXCHANGE_OVER, Challenge, Failure, FailureKind, MechanismContext, Success, settle
from ecconf.runtime.sasl.scram_sha256 import ITERATIONS, DerivedSalts, ScramSha256Mechanism, saslprep
from ecconf.runtime.stores import MemoryStore

# RFC 7677 §3 (the same values as the project's vectors.json).
RFC = {
    "user": "user",
    "password": "pencil",
    "client_first": "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "server_first": "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "client_final": "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "server_final": "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
}
RFC_SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
RFC_SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
CTX = MechanismContext(hostname="mx.example.org")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore({"user": "pencil", "a,b=c": "pw"})


def rfc_mechanism(store: MemoryStore) -> ScramSha256Mechanism:
    return ScramSha256Mechanism(store, CTX, salts=lambda user: (RFC_SALT, 4096), nonce=lambda: RFC_SERVER_NONCE)


def client_final(client_first: str, server_first: str, password: str, cbind: str = "") -> tuple[str, bytes]:
    """The client's final message and the server signature it expects, computed as RFC 5802 §3 says."""
    gs2_header = client_first[: client_first.index(",", client_first.index(",") + 1) + 1]
    cbind = cbind or base64.b64encode(gs2_header.encode()).decode()
    attrs = dict(item.split("=", 1) for item in server_first.split(","))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    without_proof = f"c={cbind},r={attrs['r']}"
    bare = client_first.split(",", 2)[2]
    auth_message = f"{bare},{server_first},{without_proof}".encode()
    signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    server_signature = hmac.new(server_key, auth_message, hashlib.sha256).digest()
    return f"{without_proof},p={base64.b64encode(proof).decode()}", b"v=" + base64.b64encode(server_signature)


def exchange(store: MemoryStore, client_first: str, password: str, cbind: str = "") -> tuple[object, object]:
    mech = ScramSha256Mechanism(store, CTX, salts=DerivedSalts(b"k" * 32))
    server_first = mech.start(client_first.encode())
    assert isinstance(server_first, Challenge)
    final, expected_v = client_final(client_first, server_first.data.decode(), password, cbind)
    result = settle(mech.step(final.encode()))
    if result == Challenge(expected_v):
        return result, settle(mech.step(b""))
    return result, None


def test_rfc7677_exchange_byte_for_byte(store: MemoryStore) -> None:
    mech = rfc_mechanism(store)
    assert mech.start(RFC["client_first"].encode()) == Challenge(RFC["server_first"].encode())
    assert settle(mech.step(RFC["client_final"].encode())) == Challenge(RFC["server_final"].encode())
    assert settle(mech.step(b"")) == Success("user")
    assert settle(mech.step(b"")) == EXCHANGE_OVER


def test_client_helper_agrees_with_rfc() -> None:
    final, v = client_final(RFC["client_first"], RFC["server_first"], "pencil")
    assert (final, v.decode()) == (RFC["client_final"], RFC["server_final"])


def test_without_initial_response_the_server_waits(store: MemoryStore) -> None:
    mech = rfc_mechanism(store)
    assert mech.start(None) == Challenge(b"")
    assert settle(mech.step(RFC["client_first"].encode())) == Challenge(RFC["server_first"].encode())


def test_client_that_supports_channel_binding_but_does_not_use_it(store: MemoryStore) -> None:
    assert exchange(store, "y,,n=user,r=abcdef", "pencil", cbind="eSws")[1] == Success("user")


def test_escaped_user_name_and_matching_authzid(store: MemoryStore) -> None:
    assert exchange(store, "n,a=a=2Cb=3Dc,n=a=2Cb=3Dc,r=xyz", "pw")[1] == Success("a,b=c", "a,b=c")


@pytest.mark.parametrize(
    ("client_first", "password", "reason", "user"),
    [
        ("n,,n=user,r=abc", "pencil2", "wrong password", "user"),
        ("n,,n=nobody,r=abc", "pencil", "unknown user", "nobody"),
        ("n,a=admin,n=user,r=abc", "pencil", "authzid differs from authcid", "user"),
    ],
)
def test_refusals_at_the_proof(store: MemoryStore, client_first: str, password: str, reason: str, user: str) -> None:
    assert exchange(store, client_first, password) == (Failure(FailureKind.CREDENTIALS, reason, user), None)


def test_channel_binding_flag_must_match_what_the_client_said(store: MemoryStore) -> None:
    result, _ = exchange(store, "n,,n=user,r=abc", "pencil", cbind="eSws")
    assert result == Failure(FailureKind.CREDENTIALS, "channel binding data does not match", "user")


def test_nonce_must_be_the_combined_one(store: MemoryStore) -> None:
    mech = rfc_mechanism(store)
    mech.start(RFC["client_first"].encode())
    forged = RFC["client_final"].replace("$k0", "$k1")
    assert settle(mech.step(forged.encode())) == Failure(FailureKind.CREDENTIALS, "nonce is not the one issued", "user")


def test_unknown_user_gets_a_salt_like_anyone_else(store: MemoryStore) -> None:
    salts = DerivedSalts(b"secret")
    replies = []
    for user in ("user", "nobody"):
        mech = ScramSha256Mechanism(store, CTX, salts=salts)
        reply = mech.start(f"n,,n={user},r=abc".encode())
        assert isinstance(reply, Challenge)
        replies.append(dict(item.split("=", 1) for item in reply.data.decode().split(",")))
    assert [len(base64.b64decode(r["s"])) for r in replies] == [16, 16]
    assert [r["i"] for r in replies] == [str(ITERATIONS)] * 2
    assert salts("nobody") == salts("nobody") != salts("user")


@pytest.mark.parametrize(
    "client_first",
    [
        b"",
        b"n,,",
        b"x,,n=user,r=abc",
        b"n,,m=ext,n=user,r=abc",
        b"n,,n=us=er,r=abc",
        b"n,,n=,r=abc",
        b"n,,n=user,r=",
        b"n,,r=abc,n=user",
        b"n,z=x,n=user,r=abc",
        b"n,,n=\xff,r=abc",
    ],
)
def test_malformed_client_first(store: MemoryStore, client_first: bytes) -> None:
    mech = rfc_mechanism(store)
    result = mech.start(client_first)
    assert isinstance(result, Failure) and result.kind is FailureKind.MALFORMED
    assert settle(mech.step(RFC["client_final"].encode())) == EXCHANGE_OVER


def test_channel_binding_is_refused(store: MemoryStore) -> None:
    result = rfc_mechanism(store).start(b"p=tls-unique,,n=user,r=abc")
    assert result == Failure(FailureKind.MALFORMED, "channel binding is not supported")


@pytest.mark.parametrize(
    "final",
    [
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=not base64!",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA",
        "c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    ],
)
def test_malformed_client_final(store: MemoryStore, final: str) -> None:
    mech = rfc_mechanism(store)
    mech.start(RFC["client_first"].encode())
    result = settle(mech.step(final.encode()))
    assert isinstance(result, Failure) and result.kind is FailureKind.MALFORMED


def test_reply_to_server_final_must_be_empty(store: MemoryStore) -> None:
    mech = rfc_mechanism(store)
    mech.start(RFC["client_first"].encode())
    settle(mech.step(RFC["client_final"].encode()))
    result = settle(mech.step(b"v=x"))
    assert isinstance(result, Failure) and result.kind is FailureKind.MALFORMED


def test_store_without_clear_text_is_temporary() -> None:
    result = rfc_mechanism(MemoryStore(digest={})).start(RFC["client_first"].encode())
    assert isinstance(result, Failure) and result.kind is FailureKind.TEMPORARY


def test_default_server_nonces_are_fresh(store: MemoryStore) -> None:
    first = ScramSha256Mechanism(store, CTX).start(b"n,,n=user,r=abc")
    second = ScramSha256Mechanism(store, CTX).start(b"n,,n=user,r=abc")
    assert isinstance(first, Challenge) and isinstance(second, Challenge)
    assert first.data.split(b",")[0] != second.data.split(b",")[0]
    assert b"," not in first.data.split(b",")[0][len("r=abc") :]


# RFC 4013 §3 examples.
@pytest.mark.parametrize(
    ("text", "prepared"),
    [("I\u00adX", "IX"), ("user", "user"), ("USER", "USER"), ("\u00aa", "a"), ("\u2168", "IX")],
)
def test_saslprep_examples(text: str, prepared: str) -> None:
    assert saslprep(text) == prepared


@pytest.mark.parametrize("text", ["\u0007", "\u0627\u0031"])
def test_saslprep_prohibited(text: str) -> None:
    with pytest.raises(ValueError):
        saslprep(text)


def test_password_is_saslprepped_like_a_client_would(store: MemoryStore) -> None:
    roman = MemoryStore({"user": "\u2168"})  # a client sends SaltedPassword of saslprep("Ⅸ") == "IX"
    assert exchange(roman, "n,,n=user,r=abc", "IX")[1] == Success("user")


def test_stored_keys_serve_the_exchange_with_their_own_salt_and_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ecconf.runtime.password_hashes import make_scram
    from ecconf.runtime.stores import PasswordFileStore, StoreKind

    path = tmp_path / "users"
    path.write_text(f"user:{make_scram('pencil', iterations=4096, salt=RFC_SALT)}\n")
    store = PasswordFileStore("file:users", path, StoreKind.FILE)
    assert store.cleartext("user") is None  # the keys are not a password
    mech = ScramSha256Mechanism(store, CTX, salts=DerivedSalts(b"k" * 32))
    first = mech.start(b"n,,n=user,r=abc")
    assert isinstance(first, Challenge)
    assert f"s={base64.b64encode(RFC_SALT).decode()},i=4096" in first.data.decode()
    final, expected_v = client_final("n,,n=user,r=abc", first.data.decode(), "pencil")
    assert settle(mech.step(final.encode())) == Challenge(expected_v)
    wrong = ScramSha256Mechanism(store, CTX, salts=DerivedSalts(b"k" * 32))
    server_first = wrong.start(b"n,,n=user,r=abc")
    assert isinstance(server_first, Challenge)
    bad, _ = client_final("n,,n=user,r=abc", server_first.data.decode(), "not-pencil")
    assert isinstance(settle(wrong.step(bad.encode())), Failure)
