"""The project's shared protocol vectors (shared/vectors.json), run through the real mechanism code.

The per-mechanism tests spell the RFC values out; this file reads them from the shared vectors so that the
two cannot drift apart.
"""

from __future__ import annotations

import base64
import json

import pytest
from shared_paths import VECTORS

from ecconf.runtime.passwd import digest_line
from ecconf.runtime.sasl import create
from ecconf.runtime.sasl.base import Failure, MechanismContext, Success
from ecconf.runtime.sasl.cram_md5 import compute_digest
from ecconf.runtime.sasl.digest_md5 import compute_ha1, compute_response, parse_directives
from ecconf.runtime.stores import MemoryStore

pytestmark = pytest.mark.skipif(not VECTORS.is_file(), reason="shared/vectors.json is not beside the checkout")


@pytest.fixture(scope="module")
def vectors() -> dict:
    return json.loads(VECTORS.read_text())


def test_cram_md5(vectors: dict) -> None:
    v = vectors["cram_md5_rfc2195"]
    assert base64.b64decode(v["server_challenge_b64"]).decode() == v["challenge"]
    assert compute_digest(v["password"], v["challenge"].encode()) == v["digest_hex"]
    assert base64.b64decode(v["client_response_b64"]).decode() == f"{v['user']} {v['digest_hex']}"


@pytest.mark.parametrize("name", ["digest_md5_rfc2831", "digest_md5_rfc2831_acap"])
def test_digest_md5_response_and_rspauth(vectors: dict, name: str) -> None:
    v = vectors[name]
    ha1 = compute_ha1(v["user"], v["realm"], v["password"])
    if "h_user_realm_password_hex" in v:
        assert ha1.hex() == v["h_user_realm_password_hex"]
    args = (ha1, v["nonce"], v["cnonce"], v["nc"], v["qop"], v["digest_uri"])
    assert compute_response(*args) == v["response"]
    assert compute_response(*args, method=b"") == v["rspauth"]
    if "client_response_text" in v:
        parsed = parse_directives(v["client_response_text"])
        assert parsed["response"] == v["response"] and parsed["digest-uri"] == v["digest_uri"]


def test_plain(vectors: dict) -> None:
    for case in vectors["plain_rfc4616"]:
        store = MemoryStore(cleartext={case["authcid"]: case["password"]})
        step = create("PLAIN", store, MechanismContext(hostname="h")).start(base64.b64decode(case["b64"]))
        if case["outcome"] == "accept":
            assert step == Success(case["authcid"], case["authzid"])
        else:
            assert isinstance(step, Failure)
    v = vectors["plain_rfc4954"]
    store = MemoryStore(cleartext={v["authcid"]: v["password"]})
    step = create("PLAIN", store, MechanismContext(hostname="h")).start(base64.b64decode(v["b64"]))
    assert isinstance(step, Success) and step.authcid == v["authcid"]


def test_htdigest_line(vectors: dict) -> None:
    v = vectors["htdigest"]
    assert digest_line(v["user"], v["realm"], v["password"]) == v["line"]
