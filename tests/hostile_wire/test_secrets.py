"""Secrets stay secret: real AUTH sessions (good, bad, malformed, a broken store, a corrupted password file) at
DEBUG level leave no password, no base64 of one and no stored hash in the logs or on stderr; secrets are
compared in constant time; challenges come from the OS CSPRNG; a replayed DIGEST-MD5 response is refused."""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
import inspect
import logging
import os
import re
import socket
import time
from pathlib import Path

import ecconf.runtime
from ecconf.runtime.config import MechanismSpec
from ecconf.runtime.sasl import base as sasl_base
from ecconf.runtime.server import Server

RUNTIME = Path(ecconf.runtime.__file__).resolve().parent
GOOD, WRONG = "Corr3ct-Horse-Battery", "Tr0ub4dor-and-3"
REALM = "mx.test"
HA1 = hashlib.md5(f"alice:{REALM}:{GOOD}".encode()).hexdigest()


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


class Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.reader = self.sock.makefile("rb")
        assert self.reader.readline().startswith(b"220 ")
        self.say("EHLO c")

    def say(self, line: str | bytes) -> bytes:
        self.sock.sendall((line.encode() if isinstance(line, str) else line) + b"\r\n")
        while True:
            reply = self.reader.readline()
            if reply[3:4] != b"-":
                return reply

    def close(self) -> None:
        self.reader.close()  # the file object holds the socket open too
        self.sock.close()


def challenge(reply: bytes) -> bytes:
    assert reply.startswith(b"334 "), reply
    return base64.b64decode(reply[4:].strip())


def digest_answer(challenge_text: bytes, password: str) -> str:
    """The client side of RFC 2831, from the RFC."""
    nonce = re.search(rb'nonce="([^"]+)"', challenge_text).group(1).decode()
    cnonce, nc, uri = "OA6MHXh6VqTrRk", "00000001", f"smtp/{REALM}"
    ha1 = hashlib.md5(f"alice:{REALM}:{password}".encode()).digest()
    a1 = hashlib.md5(ha1 + f":{nonce}:{cnonce}".encode()).hexdigest()
    a2 = hashlib.md5(f"AUTHENTICATE:{uri}".encode()).hexdigest()
    response = hashlib.md5(f"{a1}:{nonce}:{nc}:{cnonce}:auth:{a2}".encode()).hexdigest()
    return (
        f'username="alice",realm="{REALM}",nonce="{nonce}",cnonce="{cnonce}",nc={nc},qop=auth,'
        f'digest-uri="{uri}",response={response},charset=utf-8'
    )


def config_with_both_stores(make_config, tmp_path):
    (tmp_path / "passwd").write_text(f"alice:{GOOD}\n")
    (tmp_path / "htdigest").write_text(f"alice:{REALM}:{HA1}\n")
    auth = {m: MechanismSpec(m, "file:passwd", log_authentication=True) for m in ("PLAIN", "LOGIN", "CRAM-MD5")}
    auth["DIGEST-MD5"] = MechanismSpec("DIGEST-MD5", "digest:htdigest", realm=REALM, log_authentication=True)
    return make_config(listener_values={"auth": auth, "auth_penalty_base": 0.0, "auth_failure_delay": 0.0})


def run_every_kind_of_auth(port: int, sent: list[str]) -> None:
    for password in (GOOD, WRONG):
        c = Client(port)
        blob = b64(f"\0alice\0{password}")
        sent.append(blob)
        c.say(f"AUTH PLAIN {blob}")
        c.close()
        c = Client(port)
        c.say("AUTH LOGIN")
        c.say(b64("alice"))
        c.say(b64(password))
        c.close()
        c = Client(port)
        digest = hmac.new(password.encode(), challenge(c.say("AUTH CRAM-MD5")), "md5").hexdigest()
        sent.append(digest)
        c.say(b64(f"alice {digest}"))
        c.close()
        c = Client(port)
        answer = digest_answer(challenge(c.say("AUTH DIGEST-MD5")), password)
        sent.append(re.search(r"response=(\w+)", answer).group(1))
        sent.append(b64(answer))
        c.say(b64(answer))
        c.say("")
        c.close()
    c = Client(port)  # malformed: not base64, not UTF-8, too long, unknown mechanism, one too many NULs
    c.say(f"AUTH PLAIN {GOOD}")
    c.say("AUTH PLAIN " + b64(b"\0alice\0" + GOOD.encode() + b"\xff"))
    c.say("AUTH LOGIN")
    c.say(b64("alice"))
    c.say(b64(GOOD) * 2000)
    c.close()
    c = Client(port)
    c.say(f"AUTH NTLM {b64(GOOD)}")
    c.say("AUTH PLAIN " + b64(f"\0alice\0{GOOD}\0{GOOD}"))
    c.say(f"MAIL FROM:<{GOOD}@b.example> AUTH={GOOD}")
    c.close()


def assert_no_secret(text: str, sent: list[str]) -> None:
    secrets = [GOOD, WRONG, b64(GOOD), b64(WRONG), b64(f"\0alice\0{GOOD}"), HA1, *sent]
    for secret in secrets:
        assert secret not in text, f"a secret leaked: {secret[:6]}..."


def test_no_secret_reaches_the_logs_or_stderr(run_server, make_config, tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)  # every logger, the asyncio loop's included
    running = run_server(config_with_both_stores(make_config, tmp_path))
    sent: list[str] = []
    run_every_kind_of_auth(running.port, sent)
    # A broken store (its traceback is logged) and a corrupted password file (its reload is refused).
    (tmp_path / "passwd").write_text(f"alice:{GOOD}\nbob {WRONG}\n")
    running.run(running.server.refresh_stores())

    class Broken:
        secret_kinds = frozenset(sasl_base.SecretKind)
        last_error = None

        def refresh(self) -> bool:
            return False

        def cleartext(self, user: str) -> str | None:
            raise OSError("backend down")

        def digest_ha1(self, user: str, realm: str) -> bytes | None:
            raise OSError("backend down")

    running.server.credentials.add("file:passwd", Broken())
    c = Client(running.port)
    assert c.say("AUTH PLAIN " + b64(f"\0alice\0{GOOD}")).startswith(b"454 4.7.0")
    c.close()
    logged = caplog.text + "\n".join(repr(r.args) for r in caplog.records)
    assert "AUTH PLAIN user='alice'" in logged and "Traceback" in logged  # the logs did see these sessions
    assert "passwd:2: malformed line" in logged  # the refused reload was logged, without the line itself
    out, err = capfd.readouterr()
    assert_no_secret(logged + out + err, sent)
    assert_no_secret(running.config.acctlog_path.read_text(), sent)


def _compares(path: Path) -> list[tuple[int, str]]:
    secret = re.compile(r"password|passwd|secret|^digest$|proof|response|ha1|expected|hash|_key$|nonce|rspauth", re.I)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            for operand in (node.left, *node.comparators):
                name = operand.id if isinstance(operand, ast.Name) else getattr(operand, "attr", "")
                if isinstance(operand, ast.Name | ast.Attribute) and secret.search(name):
                    found.append((node.lineno, name))
    return found


def test_secrets_are_never_compared_with_equals():
    """Audit: mechanisms and stores compare secrets only through hmac.compare_digest (secrets_equal)."""
    checked = [*sorted((RUNTIME / "sasl").glob("*.py")), RUNTIME / "stores.py", RUNTIME / "passwd.py"]
    assert {p: _compares(p) for p in checked if _compares(p)} == {}
    for name in ("plain.py", "cram_md5.py", "digest_md5.py", "scram_sha256.py"):
        text = (RUNTIME / "sasl" / name).read_text()
        assert "compare_digest" in text or "secrets_equal" in text, name


def test_randomness_comes_from_the_os_csprng():
    """Audit: no `random` module anywhere in the runtime; the server and the mechanisms default to os.urandom."""
    for path in RUNTIME.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "random" not in imported, path
    assert inspect.signature(Server).parameters["random_bytes"].default is os.urandom
    assert sasl_base.random_source(sasl_base.MechanismContext(hostname="mx")) is os.urandom
    serving = Path(ecconf.runtime.__file__).resolve().parents[1] / "ecconf" / "serving.py"
    if serving.exists():  # the serve command never swaps in its own randomness
        assert "random_bytes" not in serving.read_text()


def test_a_replayed_digest_md5_response_is_refused(run_server, make_config, tmp_path):
    # Fixed randomness and a frozen clock make the server issue the very same nonce twice, so only the
    # single-use rule (RFC 2831 §2.1.2) stands between a replayed response and a login.
    fixed, now = os.urandom(16), time.time()
    running = run_server(
        config_with_both_stores(make_config, tmp_path), random_bytes=lambda n: fixed[:n], clock=lambda: now
    )
    first = Client(running.port)
    issued = challenge(first.say("AUTH DIGEST-MD5"))
    answer = b64(digest_answer(issued, GOOD))
    assert first.say(answer).startswith(b"334 ")  # rspauth
    assert first.say("").startswith(b"235 2.7.0")
    first.close()
    second = Client(running.port)
    assert challenge(second.say("AUTH DIGEST-MD5")) == issued  # the same nonce again
    assert second.say(answer).startswith(b"535 5.7.8")  # the recorded response does not log in twice
    second.close()
