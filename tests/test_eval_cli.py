"""`ecconf eval`: effective values with the scope and file:line that set them, --non-default, JSON, and what
serve will do, checked against a real `ecconf serve` talking to the same client address."""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
from pathlib import Path

from serving import serving

CONFIG = """Hostname = "mx.test"
Spool_Base = "{spool}"
ESMTP_Listener {{
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "PIPELINING" "AUTH PLAIN LOGIN CRAM-MD5" )
  AuthPlainParameters = [ uri = "file:passwd" ]
  AuthLoginParameters = [ uri = "file:passwd" ]
  AuthCramMD5Parameters = [ uri = "file:passwd" ]
  Idle_Time = 120
  Listen "127.0.0.1:0" {{
    Peer "127.0.0.0/24" {{
      Idle_Time = 30
      Relay_Hosts = ( "127.0.0.0/24" )
    }}
  }}
}}
"""


def _config(tmp_path: Path) -> Path:
    (tmp_path / "passwd").write_text("alice:wonderland\n")
    (tmp_path / "passwd").chmod(0o600)
    path = tmp_path / "eval.conf"
    path.write_text(CONFIG.format(spool=tmp_path / "spool"))
    return path


def _eval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ecconf", "eval", *args], capture_output=True, text=True, timeout=60)


def _json(*args: str) -> dict:
    done = _eval(*args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_peer_client_gets_the_peer_value_and_where_it_was_set(tmp_path: Path) -> None:
    config = str(_config(tmp_path))
    inside = {s["name"]: s for s in _json(config, "--client", "127.0.0.5", "Idle_Time", "relay_hosts")["settings"]}
    assert inside["Idle_Time"] == {"name": "Idle_Time", "value": 30, "level": "listen_peer", "where": f"{config}:11"}
    assert inside["Relay_Hosts"]["value"] == ["127.0.0.0/24"]
    outside = {s["name"]: s for s in _json(config, "--client", "192.0.2.1", "Idle_Time")["settings"]}
    assert outside["Idle_Time"]["level"] == "listener" and outside["Idle_Time"]["where"] == f"{config}:8"


def test_relaying_and_non_default(tmp_path: Path) -> None:
    config = str(_config(tmp_path))
    assert _json(config, "--client", "127.0.0.5")["relay"] == "yes: the client is in Relay_Hosts"
    assert _json(config, "--client", "192.0.2.1")["relay"] == "no: only after AUTH"
    names = [s["name"] for s in _json(config, "--non-default", "--client", "192.0.2.1")["settings"]]
    assert "Idle_Time" in names and "Max_Message_Size" not in names
    text = _eval(config, "--client", "127.0.0.5", "--non-default").stdout
    assert f"Idle_Time             = 30  # {config}:11 (listen_peer)" in text
    assert "# ecconf serve, for this client: relaying yes: the client is in Relay_Hosts" in text
    everything = _eval(config, "--client", "127.0.0.5", "AuthScramSHA256Parameters", "max_message_size").stdout
    assert "AuthScramSHA256Parameters = (not set)  # default\n" in everything  # no None, no "(default)" twice
    assert "Max_Message_Size" in everything and "Idle_Time" not in everything


def test_eval_says_what_serve_offers_that_client(tmp_path: Path) -> None:
    config = _config(tmp_path)
    said = _json(str(config), "--client", "127.0.0.1")
    with serving(config) as served, smtplib.SMTP(served.host, served.port, timeout=10) as smtp:
        code, reply = smtp.ehlo("client.example")
        assert code == 250
        keywords = [line.decode() for line in reply.splitlines()[1:]]
    assert keywords == said["ehlo"]["plain"]
    assert said["mechanisms"]["plain"] == ["PLAIN", "LOGIN", "CRAM-MD5"]


def test_unknown_listen_client_or_a_broken_config_are_refused(tmp_path: Path) -> None:
    config = str(_config(tmp_path))
    bad_listen = _eval(config, "--listen", "10.0.0.1:25")
    assert bad_listen.returncode == 2 and "no Listen '10.0.0.1:25'" in bad_listen.stderr
    bad_client = _eval(config, "--client", "not-an-ip")
    assert bad_client.returncode == 2 and "'not-an-ip' is not an IP address" in bad_client.stderr
    typo = _eval(config, "Idle_Tme")
    assert typo.returncode == 2 and "'Idle_Tme' is not an option ecconf evaluates; did you mean 'Idle_Time'?" in (
        typo.stderr
    )
    (tmp_path / "broken.conf").write_text("ESMTP_Listener {\n")
    broken = _eval(str(tmp_path / "broken.conf"))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr


def test_clients_are_read_as_serve_reads_them(tmp_path: Path) -> None:
    """An IPv4-mapped IPv6 client (a dual-stack socket's peer) is in the IPv4 Peer, as serve resolves it; on a
    Unix socket no Peer applies, whatever address is asked about (its peers have none)."""
    config = str(_config(tmp_path))
    mapped = {s["name"]: s for s in _json(config, "--client", "::ffff:127.0.0.5", "Idle_Time")["settings"]}
    assert mapped["Idle_Time"]["value"] == 30 and mapped["Idle_Time"]["level"] == "listen_peer"
    socket_path = tmp_path / "smtp.sock"
    unix = tmp_path / "unix.conf"
    unix.write_text(Path(config).read_text().replace('Listen "127.0.0.1:0"', f'Listen "{socket_path}"'))
    said = _json(str(unix), "--client", "127.0.0.5", "Idle_Time")
    assert said["settings"][0]["value"] == 120 and said["settings"][0]["level"] == "listener"
    assert said["relay"] == "no: only after AUTH"


def test_a_client_enable_turns_away_is_said_to_be_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    config.write_text(config.read_text().replace("Idle_Time = 30", "Idle_Time = 30\n      Enable = false"))
    said = _json(str(config), "--client", "127.0.0.5")
    assert said["relay"] == "serve turns this client away at connect time (554; Enable is false for it)"
    assert said["ehlo"] == {}
    assert _json(str(config), "--client", "192.0.2.1")["ehlo"]["plain"]
