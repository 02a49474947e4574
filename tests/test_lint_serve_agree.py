"""Lint and serve agree, over generated configs: for every Listen and client, each option's effective value as
lint resolves it (compiler/fallback.py, what `ecconf eval` prints) is the value the compiled runtime applies to
that client (compiler/to_runtime.py -> runtime/policy.py, as the server resolves a connection's policy), and the
AUTH mechanisms lint says EHLO offers before and after TLS (compiler/rules/auth_offers.py) are what the sans-IO
protocol answers to EHLO, read off its reply.

The configs have one ESMTP_Listener with global, listener, Listen and Peer options (both levels of Peer), one to
three Listens (IPv4, `*:`, `[*]:`, IPv6, a Unix socket) and real password files; the clients are inside and
outside every Peer network the strategy draws from, IPv4-mapped IPv6 among them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecconf.compiler.auth_ds import served_schemes
from ecconf.compiler.build import build
from ecconf.compiler.context import CheckContext
from ecconf.compiler.fallback import OPTION_FIELDS, class_for_ip, effective
from ecconf.compiler.includes import load
from ecconf.compiler.models import AUTH_FIELDS, AuthParameters, Config, Listen
from ecconf.compiler.option_table import table
from ecconf.compiler.rules.auth_offers import Served, offers, tls_facts
from ecconf.compiler.to_runtime import legacy_mechanisms, to_runtime
from ecconf.runtime import replies
from ecconf.runtime.admission import Admission
from ecconf.runtime.authn import Credentials, build_schemes, mechanism_specs
from ecconf.runtime.config import SessionPolicy
from ecconf.runtime.events import FLUSH, NEED_DATA, PAUSED, StartTls
from ecconf.runtime.listeners import Slot, plan
from ecconf.runtime.policy import PolicyResolver
from ecconf.runtime.protocol import SmtpConnection

HOSTNAME = "mx.agree.test"
REALM = "agree.test"
LISTENS = [":2525", "*:2526", "127.0.0.1:587", "[::1]:587", "[*]:25", "[2001:db8::1]:465", "/tmp/ecconf-agree.sock"]
NETWORKS = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "192.0.2.0/24", "2001:db8::/32", "2001:db8:1::/48"]
# Inside and outside each network above; an IPv4-mapped IPv6 address is an IPv4 client (dual-stack sockets).
CLIENTS = [
    "10.1.2.3",
    "10.1.9.9",
    "10.200.0.1",
    "192.0.2.5",
    "203.0.113.9",
    "127.0.0.1",
    "::ffff:10.1.2.3",
    "2001:db8:1::5",
    "2001:db8:ffff::1",
    "::1",
]
EXTENSIONS = [
    "STARTTLS",
    "AUTH PLAIN LOGIN",
    "AUTH CRAM-MD5",
    "auth digest-md5",
    "AUTH SCRAM-SHA-256 PLAIN",
    "AUTH GSSAPI",
    "PIPELINING",
    "8BITMIME",
    "ENHANCEDSTATUSCODES",
]
MECHANISMS = ["PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-256"]
PARAMETERS = [f"Auth{name}Parameters" for name in ("Plain", "Login", "CramMD5", "DigestMD5", "ScramSHA256")]
# Stores: clear-text passwords serve every mechanism but DIGEST-MD5 without stored_cleartext; H(A1) hashes
# serve DIGEST-MD5 only; an unknown scheme is a back-end serve cannot open (it offers nothing from it).
URIS = ["file:passwd", "digest:htdigest", "ac_auth://"]

_bool = st.sampled_from(["true", "false", "yes", "off"])


def _array(words: list[str]) -> str:
    return "( " + " ".join(f'"{w}"' for w in words) + " )"


@st.composite
def _auth_dict(draw: st.DrawFn) -> str:
    entries = [f'uri = "{draw(st.sampled_from(URIS))}"']
    cleartext = draw(st.sampled_from(["", "true", "false"]))
    if cleartext:
        entries.append(f'stored_cleartext = "{cleartext}"')
    if draw(st.integers(0, 7)) == 0:  # Momentum 2.x: the dictionary itself advertises, for every client
        entries.append(f'extension = "AUTH" extension_argument = "{draw(st.sampled_from(MECHANISMS))}"')
    return "[ " + " ".join(entries) + " ]"


# What any listener-level scope (ESMTP_Listener, Listen, Peer) may set.
_SCOPE_OPTIONS: dict[str, st.SearchStrategy[str]] = {
    "SMTP_Extensions": st.lists(st.sampled_from(EXTENSIONS), max_size=4, unique=True).map(_array),
    "Relay_Hosts": st.lists(st.sampled_from(NETWORKS), max_size=2, unique=True).map(_array),
    "Open_Relay": _bool,
    "Max_Message_Size": st.integers(0, 50_000_000).map(str),
    "Idle_Time": st.integers(0, 3600).map(str),
    "Max_Recipients_Per_Message": st.integers(0, 500).map(str),
    "Listener_Sessions": st.integers(0, 100).map(str),
    "Auth_Require_TLS": _bool,
    "TLS_Certificate": st.just('"cert.pem"'),
    "TLS_Key": st.just('"key.pem"'),
    "Use_SSL": _bool,
    "Always_Allow": _bool,
    "Banner_Hostname": st.sampled_from(["a.example", "b.example"]),
    "TLS_Protocols": st.sampled_from(['"TLSv1.2:TLSv1.3"', '"TLSv1.3"']),
    "max_auth_failures": st.integers(3, 10).map(str),
    "bare_lf": st.sampled_from(["accept", "reject"]),
    "greeting_delay": st.sampled_from(["0", "0.5", "2"]),
    **{name: _auth_dict() for name in PARAMETERS},
}


@st.composite
def _options(draw: st.DrawFn) -> list[str]:
    names = draw(st.lists(st.sampled_from(sorted(_SCOPE_OPTIONS)), max_size=6, unique=True))
    lines = [f"{name} = {draw(_SCOPE_OPTIONS[name])}" for name in names]
    # Off: a listener or Listen serve does not bind; a Peer whose clients serve turns away with 554.
    if draw(st.integers(0, 9)) == 0:
        lines.append(f"Enable = {draw(st.sampled_from(['false', 'true']))}")
    return lines


@st.composite
def _peers(draw: st.DrawFn) -> list[str]:
    out = []
    for network in draw(st.lists(st.sampled_from(NETWORKS), max_size=2, unique=True)):
        out.append(f'Peer "{network}" {{ ' + " ".join(draw(_options())) + " }")
    return out


# A submission listener as people write one, which the scopes below then vary: most interesting answers
# (PLAIN held back until STARTTLS, a Peer that turns TLS or a mechanism off) need all of it at once.
SUBMISSION = [
    'SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN LOGIN CRAM-MD5" "ENHANCEDSTATUSCODES" )',
    'TLS_Certificate = "cert.pem"',
    'TLS_Key = "key.pem"',
    'AuthPlainParameters = [ uri = "file:passwd" ]',
    'AuthLoginParameters = [ uri = "file:passwd" ]',
    'AuthCramMD5Parameters = [ uri = "file:passwd" ]',
]


@st.composite
def configs(draw: st.DrawFn) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(f"Relay_Hosts = {draw(_SCOPE_OPTIONS['Relay_Hosts'])}")
    lines.append("ESMTP_Listener {")
    own = draw(_options())
    if draw(st.booleans()):
        written = {line.split(" ", 1)[0] for line in own}
        own += [line for line in SUBMISSION if line.split(" ", 1)[0] not in written]
    lines += own + draw(_peers())
    for address in draw(st.lists(st.sampled_from(LISTENS), min_size=1, max_size=3, unique=True)):
        body = draw(_options()) + draw(_peers())
        lines.append(f'  Listen "{address}" {{ ' + " ".join(body) + " }")
    lines.append("}")
    return f'Hostname = "{HOSTNAME}"\n' + "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("agree")
    (root / "passwd").write_text("alice:s3cret\n")
    ha1 = hashlib.md5(f"alice:{REALM}:s3cret".encode()).hexdigest()
    (root / "htdigest").write_text(f"alice:{REALM}:{ha1}\n")
    (root / "passwd").chmod(0o600)
    (root / "cert.pem").write_text("certificate\n")  # serve reads them at TLS setup only; EHLO needs their names
    (root / "key.pem").write_text("key\n")
    return root


@dataclass
class Compiled:
    config: Config
    ctx: CheckContext
    policies: dict[str, PolicyResolver]  # the server's resolver for each Listen it serves, by address as written
    slots: dict[str, Slot]  # and its listening slot (what admission counts against)
    credentials: Credentials
    schemes: frozenset[str]


def _compile(root: Path, text: str) -> Compiled:
    path = root / "agree.conf"
    path.write_text(text)
    loaded = load(str(path))
    assert loaded.problems == []
    built = build(loaded.root)
    server = to_runtime(built.config)
    credentials = Credentials(server.base_dir, schemes=build_schemes(server.auth_ds))  # as `ecconf serve` opens them
    credentials.open_all(mechanism_specs(server.listeners))
    wanted = plan(server, {}).wanted  # what the server listens on, with the resolver each socket's sessions use
    policies = {spec.name: resolver for _slot, spec, resolver in wanted.values()}
    slots = {spec.name: slot for slot, spec, _resolver in wanted.values()}
    ctx = CheckContext(built.config, built.facts, loaded, table(), [], check_files=False)
    return Compiled(built.config, ctx, policies, slots, credentials, served_schemes(built.config))


def _clients(listen: Listen) -> list[str | None]:
    # A Unix socket's peer has no address: the server resolves its policy for None (no Peer scope applies).
    return [None] if listen.address.startswith("/") else list(CLIENTS)


def _params(value: AuthParameters, base: Path) -> tuple[str, bool]:
    scheme, _, rest = (value.uri or "").partition(":")
    uri = f"{scheme}://{base / rest}" if scheme in ("file", "digest") else value.uri or ""
    return uri, bool(value.stored_cleartext)


def _expected(name: str, value: Any, base: Path) -> Any:
    """Lint's effective value in the runtime's terms (types, absolute paths)."""
    if name in ("relay_hosts", "proxy_protocol_trusted"):
        return tuple(ipaddress.ip_network(v, strict=False) for v in value)
    if name in ("tls_certificate", "tls_key"):
        return base / value
    if name == "tls_protocols":
        return tuple(w for w in re.split(r"[\s,:]+", value) if w)
    return value


# Option fields with a SessionPolicy field of the same name: the ones whose value the server applies.
COMPARED = sorted((OPTION_FIELDS & set(SessionPolicy.__dataclass_fields__)) - {"auth"})
DEFAULTS = SessionPolicy()


def _check_values(compiled: Compiled, listen: Listen, client: str | None, policy: SessionPolicy, base: Path) -> None:
    assert compiled.config.esmtp_listener is not None
    cls = class_for_ip(compiled.config.esmtp_listener, listen, client)
    where = f"Listen {listen.address!r}, client {client}"
    # Momentum 2.x dictionaries that advertise themselves add their mechanisms to every SMTP_Extensions list.
    legacy = tuple(f"AUTH {name}" for name in legacy_mechanisms(compiled.config.esmtp_listener))
    for name in COMPARED:
        found = effective(compiled.config, cls, name)
        applied = getattr(policy, name)
        if name == "smtp_extensions":
            assert applied == tuple(found.value or ()) + legacy, f"{name} for {where} ({found.level})"
        elif found.value is None:  # unset everywhere: the server's own default applies, and `ecconf eval` says so
            assert applied == getattr(DEFAULTS, name), f"{name} for {where}: unset, yet serve applies {applied!r}"
        else:
            assert applied == _expected(name, found.value, base), f"{name} for {where} ({found.level})"
    for field, mechanism in AUTH_FIELDS.values():
        params = effective(compiled.config, cls, field).value
        spec = policy.auth.get(mechanism)
        if params is None:
            assert spec is None, f"{mechanism} parameters for {where}"
        else:
            assert spec is not None and (spec.uri, spec.stored_cleartext) == _params(params, base), where


def _auth_line(reply: str) -> list[str]:
    for line in reply.split("\r\n"):
        keyword = line[4:].split()
        if keyword[:1] == ["AUTH"]:
            return keyword[1:]
    return []


def _pump(conn: SmtpConnection) -> tuple[str, list[object]]:
    out, events = bytearray(), []
    while (event := conn.next_event()) not in (NEED_DATA, PAUSED):
        if event is not FLUSH:
            events.append(event)
    out += conn.data_to_send()
    return out.decode(), events


def _served_ehlo(compiled: Compiled, policy: SessionPolicy, client: str | None) -> dict[bool, list[str]]:
    """What EHLO's AUTH line lists before and after TLS, from the protocol itself (STARTTLS driven when offered)."""

    def session(tls: bool) -> SmtpConnection:
        conn = SmtpConnection(
            policy,
            HOSTNAME,
            compiled.credentials,
            client=(client or "", 40000),
            clock=lambda: 0.0,
            random_bytes=lambda n: b"\x01" * n,
            tls=tls,
        )
        if policy.greeting_delay > 0:
            conn.timeout()  # the client waited for the banner, as a well-behaved one does
        return conn

    conn = session(policy.use_ssl)
    _pump(conn)
    conn.receive_data(b"EHLO client.test\r\n")
    first, _ = _pump(conn)
    seen = {policy.use_ssl: _auth_line(first)}
    if not policy.use_ssl:
        if "250-STARTTLS" in first or "250 STARTTLS" in first:
            conn.receive_data(b"STARTTLS\r\n")
            _reply, events = _pump(conn)
            assert any(isinstance(e, StartTls) for e in events)
            conn.tls_started()
        else:
            conn = session(True)  # no STARTTLS here: "under TLS" is what a Use_SSL twin would be shown
            _pump(conn)
        conn.receive_data(b"EHLO client.test\r\n")
        seen[True] = _auth_line(_pump(conn)[0])
    return seen


def _lint_ehlo(compiled: Compiled, listen: Listen, client: str | None) -> dict[bool, list[str]] | None:
    assert compiled.config.esmtp_listener is not None
    cls = class_for_ip(compiled.config.esmtp_listener, listen, client)
    key = (id(cls.listen), id(cls.listen_peer), id(cls.listener_peer))
    found: list[Served] = [
        s
        for s in offers(compiled.ctx).served
        if (id(s.cls.listen), id(s.cls.listen_peer), id(s.cls.listener_peer)) == key
    ]
    if not found:
        return None  # lint: not served
    facts = tls_facts(compiled.ctx)
    return {tls: facts.ehlo(found[0], tls, compiled.schemes) for tls in (False, True)}


@settings(max_examples=150, deadline=None, derandomize=True)
@given(configs())
def test_lint_and_serve_agree(workdir: Path, text: str) -> None:
    compiled = _compile(workdir, text)
    assert compiled.config.esmtp_listener is not None
    listens = compiled.config.esmtp_listener.listens
    # The Listens lint serves (Enable not false for clients matching no Peer) are the sockets serve binds.
    lint_served = {s.cls.listen.address for s in offers(compiled.ctx).served if s.cls.listen_peer is None}
    assert set(compiled.policies) == lint_served, text
    for listen in listens:
        resolver = compiled.policies.get(listen.address)
        if resolver is None:
            continue
        for client in _clients(listen):
            policy = resolver(client)
            _check_values(compiled, listen, client, policy, workdir)
            lint = _lint_ehlo(compiled, listen, client)
            # Lint serves the client class where Enable resolves true; serve admits exactly those clients.
            assert (lint is not None) == policy.enable, f"Listen {listen.address!r}, client {client}\n{text}"
            if lint is None:
                assert Admission().admit(compiled.slots[listen.address], policy, client) is replies.NO_SERVICE
                continue
            served = _served_ehlo(compiled, policy, client)
            if policy.use_ssl:
                lint = {True: lint[True]}
            assert lint == served, f"EHLO AUTH for Listen {listen.address!r}, client {client}\n{text}"
