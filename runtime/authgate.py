"""Which AUTH mechanisms a session may use right now, and what to answer when it may not (RFC 4954 §4, §6).

Rule of this room: the decision alone, as pure functions of the policy, the mechanisms the listener serves
and whether the session is under TLS. PLAIN and LOGIN send the password itself, so where `auth_require_tls`
is in force they are held back until the TLS handshake; that reading is auth_offer.py's, which lint asks too,
so lint's idea of what EHLO offers before STARTTLS is the server's. After AUTH, `sender_refusal` is the opt-in
rule (Auth_Sender_Match) that an authenticated client sends only as itself (RFC 6409 §6.1). No state and no
output: protocol.py sends.
"""

from __future__ import annotations

from . import auth_offer, replies
from .config import SessionPolicy
from .events import AuthStatus, ValidationContext
from .replies import Reply

# The reading of Auth_Require_TLS is auth_offer.py's, which lint asks too.
CLEARTEXT_MECHANISMS = auth_offer.CLEARTEXT_MECHANISMS
clear_text_needs_tls = auth_offer.clear_text_needs_tls


def sender_refusal(policy: SessionPolicy, context: ValidationContext, mail_from: str) -> Reply | None:
    """553 5.7.1 for a MAIL FROM that is not the authenticated user's own, where Auth_Sender_Match is on;
    None otherwise (and always for a session that has not authenticated: relay rules govern those). A user
    named like an address must send as exactly that address; a bare user name, as that local part at any
    domain. Compared without regard to case; the null sender belongs to nobody."""
    if not policy.auth_sender_match or context.auth_status is not AuthStatus.PASS:
        return None
    user, sender = context.auth_user.casefold(), mail_from.casefold()
    local, at, _domain = sender.rpartition("@")
    owned = sender == user if "@" in user else bool(at) and local == user
    return None if owned else replies.SENDER_NOT_OWNED


def starttls_offered(policy: SessionPolicy) -> bool:
    """STARTTLS is listed and a certificate and key are configured: what EHLO needs to show it."""
    return auth_offer.starttls_offered(policy.smtp_extensions, policy.tls_available)


def usable_now(policy: SessionPolicy, served: tuple[str, ...], tls: bool) -> tuple[str, ...]:
    """The served mechanisms this session may use now (and EHLO shows), in their order."""
    return auth_offer.usable_now(
        served, tls=tls, auth_require_tls=policy.auth_require_tls, starttls=starttls_offered(policy)
    )


def auth_refusal(arg: str, served: tuple[str, ...], usable: tuple[str, ...]) -> Reply | None:
    """`AUTH <mech>` for a mechanism served but held back until TLS: 538 (RFC 4954 §6); None otherwise."""
    name = arg.split(" ", 1)[0].upper()
    if name in served and name not in usable:
        return replies.AUTH_NEEDS_TLS
    return None


def mail_refusal(policy: SessionPolicy, served: tuple[str, ...], usable: tuple[str, ...], tls: bool) -> Reply | None:
    """MAIL from a client that may not relay yet: 530 "authenticate" when it can, 530 "STARTTLS first" when it
    could only after the handshake; None when no AUTH is possible at all (then RCPT says "relaying denied")."""
    if usable:
        return replies.AUTH_REQUIRED
    if served and not tls and starttls_offered(policy):
        return replies.STARTTLS_FIRST
    return None
