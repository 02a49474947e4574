"""The options ecconf interprets, one row each: the one place their facts are written.

Rule of this room: data only, no behaviour. A row gives an option's spelling, the model field it fills, where
it may be set, its value kind and lower bound, whether Momentum documents it or ecconf adds it, and a line
that says what it does. Everything else reads these rows: build.py's coercions and bounds, the models'
bounds and descriptions (the JSON Schema is made from the models), to_text's spellings, E206's list of
ecconf extensions, the option table's rows for ecconf's own options (their defaults read from the runtime,
which owns them), to_runtime's copied fields. tests/compiler/test_vocabulary.py checks the models' field
types and the runtime's fields against the rows. Adding an interpreted option: a row here, its typed field
on the model, and the behaviour.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

Where = Literal["global", "listener", "auth"]  # the global scope; ESMTP_Listener, Listen and Peer; Auth*Parameters
Kind = Literal["bool", "int", "seconds", "text", "path", "choice", "redis_url", "networks", "words", "auth"]
Origin = Literal["momentum", "ecconf"]
# Where a listener option may be written (and the option table's scopes for ecconf's own).
LISTENER_SCOPES = ("esmtp_listener", "listen", "peer")


@dataclass(frozen=True, slots=True)
class Term:
    spelling: str  # as configs write it (names are case-insensitive; this is the style to_text writes)
    field: str  # the model field it fills
    where: Where
    kind: Kind
    description: str  # fit to show to a user
    origin: Origin = "momentum"
    minimum: int | None = None  # the lowest value accepted (int and seconds kinds)
    choices: tuple[str, ...] = ()  # the words a `choice` accepts
    serve: bool = True  # `ecconf serve` applies it (to_runtime copies or converts it)


def _listener(
    spelling: str,
    field: str,
    kind: Kind,
    description: str,
    *,
    minimum: int | None = None,
    choices: tuple[str, ...] = (),
    origin: Origin = "momentum",
) -> Term:
    return Term(spelling, field, "listener", kind, description, origin=origin, minimum=minimum, choices=choices)


# A listener option of ecconf's own.
_ecconf = functools.partial(_listener, origin="ecconf")


TERMS: tuple[Term, ...] = (
    # ----- the global scope -----
    Term("Hostname", "hostname", "global", "text", "The server's name; default: the machine's host name"),
    Term("Spool_Base", "spool_base", "global", "path", "Where accepted messages are written (a Maildir)"),
    Term("Relay_Hosts", "relay_hosts", "global", "networks", "CIDRs whose clients may relay without AUTH"),
    Term(
        "Message_Memory_Budget",
        "message_memory_budget",
        "global",
        "int",
        "Bytes of message content all sessions of a server (every worker together) may hold in memory at once;"
        " over it 452 4.3.1",
        origin="ecconf",
        minimum=1,
    ),
    Term(
        "Auth_Penalty_Exempt",
        "auth_penalty_exempt",
        "global",
        "networks",
        "Networks (CIDRs) whose clients the per-address AUTH penalty never counts nor holds back (a webmail,"
        " a known NAT)",
        origin="ecconf",
    ),
    Term(
        "Auth_Penalty_Redis",
        "auth_penalty_redis",
        "global",
        "redis_url",
        "URL of a Redis server (redis://, rediss://, unix://) holding the per-address AUTH penalty for every"
        " server that names it",
        origin="ecconf",
    ),
    # ----- ESMTP_Listener, Listen and Peer: Momentum's -----
    _listener("Enable", "enable", "bool", "Accept connections here; false turns the listener (or Listen) off"),
    _listener("SMTP_Extensions", "smtp_extensions", "words", 'Extensions advertised in EHLO, e.g. "STARTTLS"'),
    _listener("Relay_Hosts", "relay_hosts", "networks", "CIDRs whose clients may relay without AUTH"),
    _listener("Open_Relay", "open_relay", "bool", "Every client may relay without AUTH"),
    _listener("AuthLoginParameters", "auth_login_parameters", "auth", "LOGIN: where its credentials are"),
    _listener("AuthPlainParameters", "auth_plain_parameters", "auth", "PLAIN: where its credentials are"),
    _listener("AuthCramMD5Parameters", "auth_cram_md5_parameters", "auth", "CRAM-MD5: where its credentials are"),
    _listener("AuthDigestMD5Parameters", "auth_digest_md5_parameters", "auth", "DIGEST-MD5: where its credentials are"),
    _ecconf(
        "AuthScramSHA256Parameters",
        "auth_scram_sha256_parameters",
        "auth",
        "SCRAM-SHA-256 (RFC 7677): where its credentials are",
    ),
    _listener("Banner_Hostname", "banner_hostname", "text", "The name in the 220 greeting; default: the Hostname"),
    _listener("Idle_Time", "idle_time", "int", "Seconds a session may stay idle", minimum=0),
    _listener("Listener_Sessions", "listener_sessions", "int", "Concurrent sessions; 0: no limit", minimum=0),
    _listener("Max_Message_Size", "max_message_size", "int", "Bytes; 0: no limit", minimum=0),
    _listener("Max_Recipients_Per_Message", "max_recipients_per_message", "int", "0: no limit", minimum=0),
    _listener("TLS_Certificate", "tls_certificate", "path", "PEM certificate (chain) file for STARTTLS / Use_SSL"),
    _listener("TLS_Key", "tls_key", "path", "PEM private key file for TLS_Certificate"),
    _listener("TLS_Protocols", "tls_protocols", "text", "TLS protocol versions allowed, as Momentum writes them"),
    _listener("TLS_Ciphers", "tls_ciphers", "text", "OpenSSL cipher list"),
    _listener("Use_SSL", "use_ssl", "bool", "Implicit TLS from the first byte (not with STARTTLS)"),
    _listener("Always_Allow", "always_allow", "bool", "Accept these clients whatever other policy says"),
    _listener("Always_Deny", "always_deny", "bool", "Refuse these clients"),
    _listener("Proxy_Protocol", "proxy_protocol", "bool", "Every connection starts with a PROXY header (v1 or v2)"),
    _listener(
        "Proxy_Protocol_Timeout", "proxy_protocol_timeout", "seconds", "Seconds to wait for the PROXY header", minimum=0
    ),
    # ----- ESMTP_Listener, Listen and Peer: ecconf's own limits (README "Security" explains each) -----
    _ecconf(
        "Max_Auth_Failures",
        "max_auth_failures",
        "int",
        "Failed AUTH exchanges a session may make before 421 and close (at least 3, RFC 4954)",
        minimum=3,
    ),
    _ecconf(
        "Auth_Failure_Delay",
        "auth_failure_delay",
        "seconds",
        "Seconds before answering a session's second failed AUTH, doubling for each further one",
        minimum=0,
    ),
    _ecconf(
        "Auth_Penalty_Base",
        "auth_penalty_base",
        "seconds",
        "Per client address (IPv6 /64), across sessions: base seconds of the AUTH failure penalty",
        minimum=0,
    ),
    _ecconf(
        "Auth_Penalty_Cap",
        "auth_penalty_cap",
        "seconds",
        "The longest AUTH failure penalty for one client address, in seconds",
        minimum=0,
    ),
    _ecconf(
        "Auth_Penalty_Half_Life",
        "auth_penalty_half_life",
        "seconds",
        "Seconds after which a client address's counted AUTH failures halve",
        minimum=0,
    ),
    _ecconf(
        "Max_Unknown_Commands",
        "max_unknown_commands",
        "int",
        "Unknown or malformed commands (and junk: NOOP, RSET, VRFY, HELP) a session may send before 421",
        minimum=1,
    ),
    _ecconf(
        "Data_Timeout",
        "data_timeout",
        "seconds",
        "Seconds to wait for the next block of DATA (RFC 5321 4.5.3.2.6)",
        minimum=0,
    ),
    _ecconf(
        "Data_Deadline",
        "data_deadline",
        "seconds",
        "Seconds a whole DATA transfer may take, however steadily it trickles in",
        minimum=0,
    ),
    _ecconf(
        "Greeting_Delay",
        "greeting_delay",
        "seconds",
        "Hold the banner back this many seconds; a client that talks first gets 554 (0: off)",
        minimum=0,
    ),
    _ecconf(
        "Bare_LF",
        "bare_lf",
        "choice",
        "accept: a bare LF ends a line but never a message; reject: 421 and close on a bare CR or LF",
        choices=("accept", "reject"),
    ),
    _ecconf(
        "Auth_Require_TLS",
        "auth_require_tls",
        "bool",
        "true: PLAIN and LOGIN only under TLS (538 before it); false: also in clear; unset: only under TLS"
        " wherever STARTTLS is offered",
    ),
    _ecconf(
        "Max_Connections_Per_Address",
        "max_connections_per_address",
        "int",
        "Sessions one client address (IPv6: one /64) may hold open on a listener at once; over it 421 (0: no cap)",
        minimum=0,
    ),
    _ecconf(
        "Auth_Sender_Match",
        "auth_sender_match",
        "bool",
        "true: after AUTH, MAIL FROM must be the user's own address (553 5.7.1 otherwise)",
    ),
    _ecconf(
        "Proxy_Protocol_Trusted",
        "proxy_protocol_trusted",
        "networks",
        "The only sources (CIDRs) that may connect to a Proxy_Protocol listener; others are refused",
    ),
    # ----- inside an Auth*Parameters dictionary -----
    Term("uri", "uri", "auth", "text", "Where the credentials are: file:, digest: or a back-end scheme"),
    Term("realm", "realm", "auth", "text", "DIGEST-MD5 realm; default: the Hostname"),
    Term("stored_cleartext", "stored_cleartext", "auth", "bool", "DIGEST-MD5: the store holds clear-text passwords"),
    Term("log_authentication", "log_authentication", "auth", "bool", "Write an accounting-log line per AUTH event"),
    Term("extension", "extension", "auth", "text", "Momentum 2.x way to advertise: always AUTH"),
    Term("extension_argument", "extension_argument", "auth", "text", "Momentum 2.x way to advertise: the mechanism"),
)


def terms(where: Where) -> tuple[Term, ...]:
    return tuple(t for t in TERMS if t.where == where)


def term(where: Where, field: str) -> Term:
    """The row of `field` at `where` (KeyError: no such interpreted option)."""
    for t in TERMS:
        if t.where == where and t.field == field:
            return t
    raise KeyError(f"{where}.{field}")
