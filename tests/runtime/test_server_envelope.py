"""The envelope stored beside each message: MAIL FROM, every RCPT (Bcc too), the client and its AUTH identity,
durable before the message is visible in new/; a message never appears without it."""

from __future__ import annotations

import json
import os
import smtplib
import time
from pathlib import Path

import pytest

from ecconf.runtime import spool
from ecconf.runtime.events import Envelope, ValidationContext
from ecconf.runtime.spool import Maildir, SpoolError

MESSAGE = "From: s@b.example\r\nTo: a@y.example\r\nSubject: bcc\r\n\r\nHello.\r\n"


def spooled(base: Path) -> tuple[list[Path], list[Path]]:
    return sorted((base / "new").iterdir()), sorted((base / "envelope").iterdir())


def test_the_envelope_names_a_bcc_recipient_and_matches_its_message(run_server, make_config):
    running = run_server(make_config())
    with smtplib.SMTP("127.0.0.1", running.port, local_hostname="client.example", timeout=10) as smtp:
        smtp.ehlo()
        smtp.user, smtp.password = "alice", "s3cret"
        assert smtp.auth("PLAIN", smtp.auth_plain)[0] == 235
        # The header names a@ only; b@ is a Bcc: nothing in the message itself names it.
        refused = smtp.sendmail("s@b.example", ["a@y.example", "b@y.example"], MESSAGE, mail_options=["BODY=8BITMIME"])
        assert refused == {}
    base = running.config.spool_base
    [message], [sidecar] = spooled(base)
    assert b"b@y.example" not in message.read_bytes()
    assert sidecar == Maildir(base).envelope_path(message)
    raw = sidecar.read_bytes()
    assert b"s3cret" not in raw  # the password never goes in
    record = json.loads(raw)
    assert record["version"] == 1 and record["message"] == message.name
    assert record["queue_id"] in message.name
    assert record["mail_from"] == {"address": "s@b.example", "params": {"SIZE": str(len(MESSAGE)), "BODY": "8BITMIME"}}
    assert [r["address"] for r in record["rcpt_to"]] == ["a@y.example", "b@y.example"]
    assert record["client"]["ip"] == "127.0.0.1" and record["client"]["port"] > 0
    assert (record["helo"], record["esmtp"], record["tls"]) == ("client.example", True, False)
    assert record["auth"] == {"user": "alice", "mechanism": "PLAIN"}


def test_a_message_that_cannot_be_published_gets_451_and_leaves_no_envelope(run_server, make_config):
    running = run_server(make_config(listen_values={"open_relay": True}))
    base = running.config.spool_base
    # new/ is in the way (a file, so even root cannot rename into it): the rename fails after the envelope
    # has been written and synced.
    (base / "new").rmdir()
    (base / "new").write_text("in the way")
    with smtplib.SMTP("127.0.0.1", running.port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.mail("s@b.example")[0] == 250
        assert smtp.rcpt("a@y.example")[0] == 250
        assert smtp.data(MESSAGE) == (451, b"4.3.0 Local error in processing, please try again later")
        assert smtp.noop()[0] == 250
    assert os.listdir(base / "tmp") == [] and os.listdir(base / "envelope") == []


def test_an_envelope_that_cannot_be_made_durable_means_no_message(tmp_path, monkeypatch):
    maildir = Maildir(tmp_path)
    maildir.ensure()
    real = spool._fsync_dir

    def fail_envelope_dir(path: str | Path) -> None:
        if Path(path).name == "envelope":
            raise OSError(5, "Input/output error")
        real(path)

    monkeypatch.setattr(spool, "_fsync_dir", fail_envelope_dir)
    with pytest.raises(SpoolError):
        maildir.deliver(b"x\n", "Q", 1.0, lambda name: b"{}\n")
    assert spooled(tmp_path) == ([], []) and os.listdir(tmp_path / "tmp") == []


def test_the_envelope_is_durable_before_its_message_is_renamed_into_new(tmp_path, monkeypatch):
    maildir = Maildir(tmp_path)
    maildir.ensure()
    steps: list[str] = []
    real_fsync_dir, real_rename = spool._fsync_dir, os.rename

    def fsync_dir(path: str | Path) -> None:
        steps.append("sync " + Path(path).name)
        real_fsync_dir(path)

    def rename(src: str, dst: str) -> None:
        # At the moment the message becomes visible its envelope is there, complete.
        envelope = maildir.envelope_path(Path(dst))
        steps.append("rename, envelope " + envelope.read_text())
        real_rename(src, dst)

    monkeypatch.setattr(spool, "_fsync_dir", fsync_dir)
    monkeypatch.setattr(spool.os, "rename", rename)
    names = [maildir.stage(b"m\n", f"Q{n}", 1.0, lambda name: b'{"m":"%s"}\n' % name.encode()) for n in range(2)]
    results = maildir.commit(names)
    assert all(isinstance(r, str) for r in results)
    # One fsync of envelope/ for the batch, before any rename; one of new/ after them.
    assert steps[0] == "sync envelope" and steps[-1] == "sync new" and len(steps) == 4
    assert all(step.startswith("rename, envelope {") for step in steps[1:3])


def test_the_record_keeps_no_secret_and_escapes_client_text():
    from ecconf.runtime.envelope import record
    from ecconf.runtime.events import AuthStatus

    env = Envelope(
        queue_id="Q",
        mail_from="",
        rcpt_to=("x@y",),
        helo="evil\u2028\udcff",
        esmtp=True,
        tls=True,
        client_ip="::1",
        client_port=1,
        context=ValidationContext("SCRAM-SHA-256", AuthStatus.PASS, "bob", True),
        received_at=0.0,
        mail_params=(("AUTH", "<>"),),
    )
    raw = record(env, "0.P1Q0RQ.host")
    assert raw.isascii() and raw.count(b"\n") == 1
    doc = json.loads(raw)
    assert doc["helo"] == "evil\u2028\udcff" and doc["mail_from"] == {"address": "", "params": {"AUTH": "<>"}}
    assert doc["received"] == "1970-01-01T00:00:00Z" and doc["auth"]["mechanism"] == "SCRAM-SHA-256"


def _documented(env: Envelope, message: str) -> dict[str, object]:
    """The record's fields as envelope.py documents them, in its order."""
    ctx = env.context
    passed = ctx.auth_status.value == "pass"
    return {
        "version": 1,
        "message": message,
        "queue_id": env.queue_id,
        "received_at": env.received_at,
        "received": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(env.received_at)),
        "mail_from": {"address": env.mail_from, "params": dict(env.mail_params)},
        "rcpt_to": [{"address": rcpt, "params": {}} for rcpt in env.rcpt_to],
        "client": {"ip": env.client_ip, "port": env.client_port},
        "helo": env.helo,
        "esmtp": env.esmtp,
        "tls": env.tls,
        "auth": {"user": ctx.auth_user, "mechanism": ctx.auth_name} if passed else None,
    }


@pytest.mark.parametrize(
    "text",
    ["", "plain", 'quote " and \\ backslash', "tab\tnewline\nnul\x00", "caf\u00e9 \u2028 \U0001f600", "\udcff"],
)
@pytest.mark.parametrize("status", ["pass", "fail", "none"])
def test_the_record_is_what_json_writes_for_its_documented_fields(text, status):
    """Written out by hand for speed, the record is byte for byte what a JSON encoder (ASCII, compact) writes
    for the documented dictionary, for any client text in any field."""
    from ecconf.runtime.envelope import record
    from ecconf.runtime.events import AuthStatus

    env = Envelope(
        queue_id="00000A1B2C3D",
        mail_from=text,
        rcpt_to=(text, "b@y.example", text + "2"),
        helo=text,
        esmtp=status != "none",
        tls=status == "pass",
        client_ip="2001:db8::1",
        client_port=65535,
        context=ValidationContext("PLAIN", AuthStatus(status), text, status == "pass"),
        received_at=1700000000.123456,
        mail_params=(("BODY", "8BITMIME"), ("X-" + text, None), ("AUTH", text), ("BODY", "7BIT")),
    )
    name = "1700000000.P1Q2R00000A1B2C3D.host"
    raw = record(env, name)
    assert raw == json.dumps(_documented(env, name), ensure_ascii=True, separators=(",", ":")).encode() + b"\n"
    assert json.loads(raw) == _documented(env, name)
