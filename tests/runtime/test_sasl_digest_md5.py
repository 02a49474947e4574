"""DIGEST-MD5 (RFC 2831): the RFC's response math, lenient parsing, and strict checks of a full exchange."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecconf.runtime.sasl.base import EXCHANGE_OVER, Challenge, Failure, FailureKind, MechanismContext, Success
from ecconf.runtime.sasl.digest_md5 import (
    DigestMd5Mechanism,
    DirectiveError,
    NonceRegistry,
    _parse_directives_carefully,
    compute_ha1,
    compute_response,
    make_nonce,
    parse_directives,
)
from ecconf.runtime.stores import MemoryStore

# RFC 2831 §4 examples (IMAP and ACAP), the same values as the project's vectors.json.
RFC_IMAP = {
    "nonce": "OA6MG9tEQGm2hh",
    "cnonce": "OA6MHXh6VqTrRk",
    "digest_uri": "imap/elwood.innosoft.com",
    "response": "d388dad90d4bbd760a152321f2143af7",
    "rspauth": "ea40f60335c427b5527b84dbabcdfffd",
}
RFC_ACAP = {
    "nonce": "OA9BSXrbuRhWay",
    "cnonce": "OA9BSuZWMSpW8m",
    "digest_uri": "acap/elwood.innosoft.com",
    "response": "6084c6db3fede7352c551284490fd0fc",
    "rspauth": "2f0b3d7c3c2e486600ef710726aa2eae",
}
RFC_HA1_HEX = "eb5a750053e4d2c34aa84bbc9b0b6ee7"  # H("chris:elwood.innosoft.com:secret")
RFC_CLIENT_TEXT = (
    'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,'
    'cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,'
    "qop=auth"
)

REALM = "elwood.innosoft.com"
HA1 = bytes.fromhex(RFC_HA1_HEX)


def fixed_ctx(*, stored_cleartext: bool = False) -> MechanismContext:
    """Fixed randomness and clock: every mechanism built from it issues the same nonce."""
    return MechanismContext(
        hostname="mx.example.org",
        realm=REALM,
        stored_cleartext=stored_cleartext,
        random_bytes=lambda n: bytes(range(n)),
        clock=lambda: 1_700_000_000.0,
    )


@pytest.fixture
def nonces() -> NonceRegistry:
    return NonceRegistry()


@pytest.fixture
def digest_store() -> MemoryStore:
    return MemoryStore(digest={("chris", REALM): HA1, ("chris", ""): compute_ha1("chris", "", "secret")})


@pytest.fixture
def clear_store() -> MemoryStore:
    return MemoryStore({"chris": "secret", "zoë": "crème brûlée"})


def client_response(challenge: bytes, *, password: str = "secret", user: str = "chris", **over: str) -> bytes:
    """What a client sends back; `over` replaces or (with value "") drops directives."""
    offered = parse_directives(challenge.decode())
    d = {
        "username": user,
        "realm": offered["realm"],
        "nonce": offered["nonce"],
        "cnonce": "c-nonce-1",
        "nc": "00000001",
        "qop": "auth",
        "digest-uri": "smtp/" + REALM,
        "authzid": "",
        "charset": "utf-8",
    }
    d.update(over)
    ha1 = compute_ha1(d["username"], d["realm"], password)
    nonce, cnonce, nc, uri, authzid = d["nonce"], d["cnonce"], d["nc"], d["digest-uri"], d["authzid"]
    d["response"] = over.get("response") or compute_response(ha1, nonce, cnonce, nc, "auth", uri, authzid)
    return ",".join(f'{k}="{v}"' for k, v in d.items() if v).encode()


def expected_rspauth(challenge: bytes, response: bytes, ha1: bytes = HA1) -> bytes:
    d = parse_directives(response.decode())
    nonce = parse_directives(challenge.decode())["nonce"]
    value = compute_response(ha1, nonce, d["cnonce"], d["nc"], "auth", d["digest-uri"], method=b"")
    return b"rspauth=" + value.encode()


def begin(
    store: MemoryStore, nonces: NonceRegistry, *, stored_cleartext: bool = False
) -> tuple[DigestMd5Mechanism, bytes]:
    mech = DigestMd5Mechanism(store, fixed_ctx(stored_cleartext=stored_cleartext), nonces=nonces)
    challenge = mech.start(None)
    assert isinstance(challenge, Challenge)
    return mech, challenge.data


# --- The RFC's math ---


def test_ha1_matches_rfc() -> None:
    assert compute_ha1("chris", REALM, "secret").hex() == RFC_HA1_HEX


@pytest.mark.parametrize("vector", [RFC_IMAP, RFC_ACAP], ids=["imap", "acap"])
def test_response_and_rspauth_match_rfc(vector: dict[str, str]) -> None:
    args = (HA1, vector["nonce"], vector["cnonce"], "00000001", "auth", vector["digest_uri"])
    assert compute_response(*args) == vector["response"]
    assert compute_response(*args, method=b"") == vector["rspauth"]


def test_authzid_enters_a1() -> None:
    args = (HA1, RFC_IMAP["nonce"], RFC_IMAP["cnonce"], "00000001", "auth", RFC_IMAP["digest_uri"])
    assert compute_response(*args, authzid="chris") != RFC_IMAP["response"]


# --- Parsing ---


def test_parse_rfc_client_response() -> None:
    d = parse_directives(RFC_CLIENT_TEXT)
    assert d["username"] == "chris" and d["nc"] == "00000001" and d["qop"] == "auth"
    assert d["response"] == RFC_IMAP["response"] and d["digest-uri"] == RFC_IMAP["digest_uri"]


def test_parse_is_lenient() -> None:
    text = ' Username = "a\\"b\\\\c" ,  NC="00000001",realm=,qop=auth, cnonce=x y ,,'
    assert parse_directives(text) == {
        "username": 'a"b\\c',
        "nc": "00000001",
        "realm": "",
        "qop": "auth",
        "cnonce": "x y",
    }


@pytest.mark.parametrize("text", ['username="a",username="b"', 'username="a', "username", 'a b="c"', "=x"])
def test_parse_errors(text: str) -> None:
    with pytest.raises(DirectiveError):
        parse_directives(text)


# --- The exchange ---


def test_challenge_format(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    _, challenge = begin(digest_store, nonces)
    nonce = make_nonce(bytes(range(16)), 1_700_000_000)
    assert challenge == f'realm="{REALM}",nonce="{nonce}",qop="auth",charset=utf-8,algorithm=md5-sess'.encode()


def test_realm_defaults_to_host_name_and_is_quoted(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech = DigestMd5Mechanism(digest_store, MechanismContext(hostname='odd"host\\'), nonces=nonces)
    challenge = mech.start(None)
    assert isinstance(challenge, Challenge)
    assert challenge.data.startswith(b'realm="odd\\"host\\\\",nonce="')
    assert parse_directives(challenge.data.decode())["realm"] == 'odd"host\\'


def test_full_exchange_with_hashed_secret(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(digest_store, nonces)
    response = client_response(challenge)
    assert mech.step(response) == Challenge(expected_rspauth(challenge, response))
    assert mech.step(b"") == Success("chris", "")
    assert mech.step(b"") == EXCHANGE_OVER


def test_full_exchange_from_clear_text(clear_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(clear_store, nonces, stored_cleartext=True)
    response = client_response(challenge)
    assert mech.step(response) == Challenge(expected_rspauth(challenge, response))
    assert mech.step(b"") == Success("chris")


@pytest.mark.parametrize("encoding", ["utf-8", "iso-8859-1"])
def test_non_ascii_user_hashed_either_way(clear_store: MemoryStore, nonces: NonceRegistry, encoding: str) -> None:
    mech, challenge = begin(clear_store, nonces, stored_cleartext=True)
    offered = parse_directives(challenge.decode())
    ha1 = compute_ha1("zoë", REALM, "crème brûlée", encoding)
    uri = "smtp/" + REALM
    value = compute_response(ha1, offered["nonce"], "cn", "00000001", "auth", uri)
    response = f'username="zoë",realm="{REALM}",nonce="{offered["nonce"]}",cnonce="cn",nc=00000001,'
    response += f'digest-uri="{uri}",response={value},qop=auth,charset=utf-8'
    assert isinstance(mech.step(response.encode()), Challenge)
    assert mech.step(b"") == Success("zoë")


def test_curl_style_response(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(digest_store, nonces)
    nonce = parse_directives(challenge.decode())["nonce"]
    value = compute_response(HA1, nonce, "abc", "00000001", "auth", "SMTP/" + REALM)
    text = (
        f'username="chris",realm="{REALM}",nonce="{nonce}",cnonce="abc",nc="00000001",'
        f'digest-uri="SMTP/{REALM}",response="{value}", qop=auth'
    )
    assert isinstance(mech.step(text.encode()), Challenge)
    assert mech.step(b"") == Success("chris")


def test_missing_realm_means_empty_realm(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(digest_store, nonces)
    assert isinstance(mech.step(client_response(challenge, realm="")), Challenge)
    assert mech.step(b"") == Success("chris")


def test_absent_qop_means_auth(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(digest_store, nonces)
    assert isinstance(mech.step(client_response(challenge, qop="")), Challenge)


def test_authzid_same_as_user_is_accepted(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(digest_store, nonces)
    assert isinstance(mech.step(client_response(challenge, authzid="chris")), Challenge)
    assert mech.step(b"") == Success("chris", "chris")


@pytest.mark.parametrize(
    ("over", "password", "reason"),
    [
        ({}, "wrong", "wrong password"),
        ({"user": "nobody"}, "secret", "unknown user"),
        ({"nc": "00000002"}, "secret", "nonce count is not 00000001"),
        ({"nc": "1"}, "secret", "nonce count is not 00000001"),
        ({"digest-uri": "imap/" + REALM}, "secret", "digest-uri is not for the smtp service"),
        ({"digest-uri": "smtpx/" + REALM}, "secret", "digest-uri is not for the smtp service"),
        ({"nonce": "forged"}, "secret", "nonce is not the one issued"),
        ({"realm": "other.realm"}, "secret", "realm is not the one offered"),
        ({"authzid": "root"}, "secret", "authzid differs from authcid"),
    ],
)
def test_refusals(
    digest_store: MemoryStore, nonces: NonceRegistry, over: dict[str, str], password: str, reason: str
) -> None:
    mech, challenge = begin(digest_store, nonces)
    result = mech.step(client_response(challenge, password=password, **over))
    assert result == Failure(FailureKind.CREDENTIALS, reason, over.get("user", "chris"))
    assert mech.step(b"") == EXCHANGE_OVER


@pytest.mark.parametrize(
    "response",
    [
        b"\xff\xfe",
        b'username="chris',
        b'username="chris",nonce="x"',
        b'username="chris",nonce="n",cnonce="c",nc=00000001,digest-uri="smtp/x",response=abc',
        b'username="chris",nonce="n",cnonce="c",nc=00000001,digest-uri="smtp/x",qop=auth-int,response=' + b"0" * 32,
        b'username="chris",nonce="n",cnonce="c",nc=00000001,digest-uri="smtp/x",charset=latin1,response=' + b"0" * 32,
    ],
)
def test_malformed_responses(digest_store: MemoryStore, nonces: NonceRegistry, response: bytes) -> None:
    mech, _ = begin(digest_store, nonces)
    result = mech.step(response)
    assert isinstance(result, Failure) and result.kind is FailureKind.MALFORMED
    assert "chris" not in result.reason


def test_reply_to_rspauth_must_be_empty(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(digest_store, nonces)
    mech.step(client_response(challenge))
    result = mech.step(b"rspauth=whatever")
    assert isinstance(result, Failure) and result.kind is FailureKind.MALFORMED


def test_initial_response_is_malformed(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech = DigestMd5Mechanism(digest_store, fixed_ctx(), nonces=nonces)
    result = mech.start(b'username="chris"')
    assert isinstance(result, Failure) and result.kind is FailureKind.MALFORMED
    assert mech.step(b"") == EXCHANGE_OVER


def test_file_store_without_stored_cleartext_is_temporary(clear_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(clear_store, nonces)
    result = mech.step(client_response(challenge))
    assert isinstance(result, Failure) and result.kind is FailureKind.TEMPORARY


def test_digest_store_with_stored_cleartext_is_temporary(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(digest_store, nonces, stored_cleartext=True)
    result = mech.step(client_response(challenge))
    assert isinstance(result, Failure) and result.kind is FailureKind.TEMPORARY


# --- Nonces are single-use and short-lived ---


def test_replayed_response_is_refused_on_a_new_mechanism(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    # Fixed randomness and clock make the second mechanism issue the very same nonce: only the record of
    # used nonces stands between the replay and a login.
    mech, challenge = begin(digest_store, nonces)
    response = client_response(challenge)
    assert isinstance(mech.step(response), Challenge)
    again, same_challenge = begin(digest_store, nonces)
    assert same_challenge == challenge
    assert again.step(response) == Failure(FailureKind.CREDENTIALS, "nonce already used", "chris")


def test_a_failed_attempt_uses_the_nonce_too(digest_store: MemoryStore, nonces: NonceRegistry) -> None:
    mech, challenge = begin(digest_store, nonces)
    mech.step(client_response(challenge, password="guess"))
    again, _ = begin(digest_store, nonces)
    assert again.step(client_response(challenge)) == Failure(FailureKind.CREDENTIALS, "nonce already used", "chris")


def test_default_registry_and_randomness(digest_store: MemoryStore) -> None:
    ctx = MechanismContext(hostname="mx.example.org", realm=REALM)
    first = DigestMd5Mechanism(digest_store, ctx)
    challenge = first.start(None)
    assert isinstance(challenge, Challenge)
    response = client_response(challenge.data)
    assert isinstance(first.step(response), Challenge)
    second = DigestMd5Mechanism(digest_store, ctx)
    second_challenge = second.start(None)
    assert isinstance(second_challenge, Challenge) and second_challenge != challenge
    assert second.step(response) == Failure(FailureKind.CREDENTIALS, "nonce is not the one issued", "chris")


def test_stale_nonce_is_refused(digest_store: MemoryStore) -> None:
    registry = NonceRegistry(max_age=60)
    times = iter([1000.0, 1061.0])
    ctx = MechanismContext(hostname="h", realm=REALM, random_bytes=bytes, clock=lambda: next(times))
    mech = DigestMd5Mechanism(digest_store, ctx, nonces=registry)
    challenge = mech.start(None)
    assert isinstance(challenge, Challenge)
    assert mech.step(client_response(challenge.data)) == Failure(FailureKind.CREDENTIALS, "stale nonce", "chris")


def test_registry_forgets_only_what_has_gone_stale() -> None:
    registry = NonceRegistry(max_age=10)
    assert registry.consume("a", 100, 101) is None
    assert registry.consume("a", 100, 105) == "nonce already used"
    assert registry.consume("b", 120, 120) is None  # "a" is past the horizon now and forgotten
    assert len(registry) == 1
    assert registry.consume("a", 100, 120) == "stale nonce"


def test_registry_stays_bounded_and_never_lets_an_evicted_nonce_back() -> None:
    registry = NonceRegistry(max_age=1_000, capacity=3)
    for i, t in zip(range(5), itertools.count(10), strict=False):
        assert registry.consume(f"n{i}", t, t) is None
    assert len(registry) == 3
    assert registry.consume("n0", 10, 20) == "stale nonce"
    assert registry.consume("n1", 11, 20) == "stale nonce"
    assert registry.consume("n4", 14, 20) == "nonce already used"
    assert registry.consume("n5", 15, 20) is None


def test_nonce_embeds_issue_time() -> None:
    assert make_nonce(b"\x00" * 16, 1) != make_nonce(b"\x00" * 16, 2)
    assert all(c.isalnum() or c in "-_" for c in make_nonce(bytes(range(16)), 1_700_000_000))


def test_parse_errors_never_echo_client_text() -> None:
    with pytest.raises(DirectiveError) as caught:
        parse_directives("hunter2=1,hunter2=2")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(DirectiveError, match="directive nc is given twice"):
        parse_directives("nc=1,NC=2")


def _parsed(parse: Callable[[str], dict[str, str]], text: str) -> dict[str, str] | str:
    try:
        return parse(text)
    except DirectiveError as exc:
        return f"error: {exc}"


_DIRECTIVE_CHARS = st.sampled_from(list('abcAB=,"\\ \t\r\nx0-/'))


@settings(max_examples=400, deadline=None)
@given(st.lists(_DIRECTIVE_CHARS, max_size=40).map("".join))
def test_the_quick_directive_split_answers_as_the_careful_parser_does(text: str) -> None:
    assert _parsed(parse_directives, text) == _parsed(_parse_directives_carefully, text)


@pytest.mark.parametrize(
    "text",
    [
        'username="bob",realm="mx.test",nonce="n0",cnonce="c=1",nc=00000001,qop=auth,digest-uri="smtp/mx"',
        "a=bc=d, e = f ,,",
        'a="x"b=y',
        'a="x\\"y"',
        "a=b,a=c",
        'a="open',
        "noequals",
    ],
)
def test_typical_and_odd_directive_lists_parse_the_same_both_ways(text: str) -> None:
    assert _parsed(parse_directives, text) == _parsed(_parse_directives_carefully, text)


def test_a_long_hostile_directive_line_is_refused_in_linear_time() -> None:
    # No timing assert: without possessive quantifiers this input takes the regex engine forever.
    text = "a=" + "b=" * 6000 + '"'
    assert _parsed(parse_directives, text) == _parsed(_parse_directives_carefully, text)


@pytest.mark.parametrize("unit", [",", " ", ", ", "a=b,", 'a="\\"', "k=", "x"], ids=repr)
def test_a_12_kb_adversarial_response_parses_in_linear_time(unit):
    import time

    from ecconf.runtime.sasl.digest_md5 import DirectiveError, parse_directives

    def cost(size: int) -> float:
        text = "a=" + unit * (size // len(unit))
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            try:
                parse_directives(text)
            except DirectiveError:
                pass
            best = min(best, time.perf_counter() - started)
        return best

    small, large = cost(1_200), cost(12_000)
    assert large < 30 * small + 0.002  # ten times the text: about ten times the work, never a hundred
