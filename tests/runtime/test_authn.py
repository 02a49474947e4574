"""Credentials: one store per URI, availability per mechanism and secret kind, refresh and retry."""

from __future__ import annotations

from pathlib import Path

from ecconf.runtime.authn import Credentials
from ecconf.runtime.config import MechanismSpec
from ecconf.runtime.sasl.base import MechanismContext
from ecconf.runtime.stores import open_store


def test_stores_open_once_per_uri(tmp_path):
    (tmp_path / "pw").write_text("alice:s3cret\n")
    opened = []

    def opener(uri: str, base: Path):
        opened.append(uri)
        return open_store(uri, base)

    creds = Credentials(tmp_path, opener)
    creds.open_all([MechanismSpec("PLAIN", "file:pw"), MechanismSpec("LOGIN", "file:pw")])
    assert opened == ["file:pw"]
    assert creds.store("file:pw").cleartext("alice") == "s3cret"


def test_availability_follows_secret_kinds(tmp_path):
    (tmp_path / "pw").write_text("alice:s3cret\n")
    (tmp_path / "htd").write_text("alice:r:" + "0" * 32 + "\n")
    creds = Credentials(tmp_path)
    specs = [
        MechanismSpec("PLAIN", "file:pw"),
        MechanismSpec("PLAIN", "digest:htd"),
        MechanismSpec("DIGEST-MD5", "digest:htd"),
        MechanismSpec("DIGEST-MD5", "file:pw"),
        MechanismSpec("DIGEST-MD5", "file:pw", stored_cleartext=True),
        MechanismSpec("GSSAPI", "file:pw"),
        MechanismSpec("PLAIN", "file:missing"),
    ]
    creds.open_all(specs)
    assert [creds.available(s) for s in specs] == [True, False, True, False, True, False, False]
    mech = creds.create(specs[0], MechanismContext(hostname="mx"))
    assert mech.name == "PLAIN"


def test_refresh_reloads_changes_and_retries_missing_stores(tmp_path):
    creds = Credentials(tmp_path)
    spec = MechanismSpec("PLAIN", "file:pw")
    creds.open_all([spec])
    assert not creds.available(spec)  # file missing at start: logged, not fatal
    (tmp_path / "pw").write_text("alice:one\n")
    creds.refresh()
    assert creds.available(spec) and creds.store("file:pw").cleartext("alice") == "one"
    (tmp_path / "pw").write_text("alice:second\n")
    assert creds.refresh() == ["file:pw"]
    assert creds.store("file:pw").cleartext("alice") == "second"
    assert creds.refresh() == []


def test_refresh_keeps_the_last_good_contents_and_logs_why(tmp_path, caplog):
    (tmp_path / "pw").write_text("alice:one\n")
    creds = Credentials(tmp_path)
    spec = MechanismSpec("PLAIN", "file:pw")
    creds.open_all([spec])
    (tmp_path / "pw").unlink()
    assert creds.refresh() == []
    assert creds.available(spec) and creds.store("file:pw").cleartext("alice") == "one"
    assert "keeping the last good contents" in caplog.text and "pw" in caplog.text
    caplog.clear()
    (tmp_path / "pw").write_text("alice:two\nno separator here\n")
    assert creds.refresh() == []
    assert creds.store("file:pw").cleartext("alice") == "one"
    assert "pw:2:" in caplog.text and "alice:two" not in caplog.text


def test_a_name_uri_that_names_no_served_scheme_says_so(tmp_path, caplog):
    credentials = Credentials(tmp_path)
    credentials.open_all([MechanismSpec("PLAIN", "mailauth://")])
    assert credentials.store("mailauth://") is None
    assert "mailauth://: names no auth_ds Scheme this server serves" in caplog.text
