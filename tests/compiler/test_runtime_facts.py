"""The compiler's view of the runtime must be the runtime's own."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from ecconf.compiler import runtime_facts as facts
from ecconf.compiler.models import AuthParameters
from ecconf.compiler.span import Span
from ecconf.compiler.to_runtime import absolute_uri
from ecconf.runtime import sasl
from ecconf.runtime.sasl.base import SecretKind
from ecconf.runtime.stores import open_store, uri_path

HASH = "0123456789abcdef0123456789abcdef"


def test_supported_mechanisms_are_the_runtime_registry() -> None:
    assert facts.SUPPORTED_MECHANISMS == set(sasl.MECHANISMS)
    assert {"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5"} <= facts.SUPPORTED_MECHANISMS


def test_store_kinds_match_real_stores(tmp_path: Path) -> None:
    (tmp_path / "clear").write_text("alice:x\n")
    (tmp_path / "digest").write_text(f"alice:realm:{HASH}\n")
    for uri in (f"file://{tmp_path}/clear", f"digest://{tmp_path}/digest"):
        assert facts.store_kinds(uri) == open_store(uri).secret_kinds
    assert facts.FILE_SCHEMES == {"file", "digest"}


@pytest.mark.parametrize("uri", ["mysqlauth://db/users", "radius://10.0.0.1", "ldap://x", "/bare/path", "x"])
def test_other_schemes_are_external_back_ends(uri: str) -> None:
    assert facts.store_kinds(uri) is None


def test_uri_scheme_is_lower_case() -> None:
    assert facts.uri_scheme("DIGEST:///x") == "digest" and facts.uri_scheme("/x") == ""


@pytest.mark.parametrize(
    ("mechanism", "uri", "cleartext", "served"),
    [
        ("PLAIN", "file:p", False, True),
        ("plain", "digest:d", False, False),
        ("CRAM-MD5", "digest:d", False, False),
        ("DIGEST-MD5", "digest:d", False, True),
        ("DIGEST-MD5", "file:p", False, False),
        ("DIGEST-MD5", "file:p", True, True),
        ("DIGEST-MD5", "digest:d", True, False),
        ("GSSAPI", "file:p", False, False),
    ],
)
def test_can_serve(mechanism: str, uri: str, cleartext: bool, served: bool) -> None:
    kinds = facts.store_kinds(uri)
    assert kinds is not None
    assert facts.can_serve(mechanism, kinds, cleartext) is served


def test_secret_descriptions() -> None:
    assert facts.describe_secrets(frozenset({SecretKind.CLEARTEXT})) == "clear-text passwords"
    assert facts.required_secrets("DIGEST-MD5", False) == {SecretKind.DIGEST_HA1}
    assert facts.required_secrets("NTLM", False) == frozenset()


def test_uri_file_resolves_like_the_server(tmp_path: Path) -> None:
    conf = tmp_path / "etc" / "ecelerity.conf"
    params = AuthParameters(uri="file:pw/users")
    params.set_span_of("uri", Span(str(conf), 1, 1, 1, 2))
    ours = facts.uri_file("file:pw/users", conf.parent)
    assert ours == tmp_path / "etc" / "pw" / "users"
    assert ours.resolve() == uri_path(absolute_uri(params, "file:pw/users"))
    assert facts.uri_file("digest:///abs/d", conf.parent) == Path("/abs/d")


@pytest.mark.parametrize("uri", ["file://otherhost/x", "file://", "digest:"])
def test_uri_file_refuses_what_names_no_local_file(uri: str) -> None:
    with pytest.raises(facts.UriError):
        facts.uri_file(uri, None)


def test_default_realm() -> None:
    assert facts.default_realm("r", "h") == "r"
    assert facts.default_realm(None, "h") == "h"
    assert facts.default_realm("", None) == socket.gethostname()


def test_read_password_file_summarises_without_secrets(tmp_path: Path) -> None:
    path = tmp_path / "d"
    path.write_text(f"# c\nalice:r1:{HASH}\nbob:r1:{HASH}\nbob:r2:{HASH}\nbroken:{HASH}\n")
    path.chmod(0o640)
    summary, why = facts.read_password_file(path, "digest")
    assert why is None and summary is not None
    assert summary.users == {"alice", "bob"} and summary.realms == {"r1": 2, "r2": 1} and summary.entries == 3
    assert summary.mode == 0o640
    assert [(p.line, p.column, p.fatal) for p in summary.problems] == [(5, 1, True)]
    assert HASH not in repr(summary)


def test_read_clear_text_file(tmp_path: Path) -> None:
    path = tmp_path / "p"
    path.write_text("alice:Secret1\nbob:Secret2\nalice:Secret3\n")
    summary, _ = facts.read_password_file(path, "file")
    assert summary is not None and summary.users == {"alice", "bob"} and summary.entries == 2
    assert [(p.line, p.fatal) for p in summary.problems] == [(3, False)]
    assert "Secret" not in repr(summary)


def test_unreadable_files(tmp_path: Path) -> None:
    assert facts.read_password_file(tmp_path / "missing", "file")[0] is None
    assert facts.read_password_file(tmp_path, "file") == (None, "it is a directory")
    if os.geteuid() != 0:  # root reads anything
        (tmp_path / "locked").write_text("a:b\n")
        (tmp_path / "locked").chmod(0)
        summary, why = facts.read_password_file(tmp_path / "locked", "file")
        assert summary is None and why


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "p"
    path.write_text("alice:x\n")
    first, _ = facts.read_password_file(path, "file")
    path.write_text("alice:x\nbob:yy\n")
    second, _ = facts.read_password_file(path, "file")
    assert first is not None and second is not None
    assert first.users == {"alice"} and second.users == {"alice", "bob"}
