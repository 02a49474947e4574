"""What EHLO offers: the effective SMTP_Extensions items this server can honour for this session.

Rule of this room: advertise nothing we do not implement. AUTH items are gathered on one line and keep only
mechanisms whose parameters resolve and whose store can serve them; STARTTLS needs a certificate and key
and a session not yet under TLS; SIZE is Max_Message_Size or the hard cap; unknown items (XCLIENT,
CHUNKING...) are left out.
"""

from __future__ import annotations

from . import auth_offer
from .authflow import MechanismFactory
from .config import SessionPolicy

# Extensions we implement and advertise as written when SMTP_Extensions lists them.
PLAIN_EXTENSIONS = ("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES")


def offered_mechanisms(policy: SessionPolicy, mechanisms: MechanismFactory) -> tuple[str, ...]:
    auth = policy.auth
    return auth_offer.offered(policy.listed_mechanisms, lambda name: name in auth and mechanisms.available(auth[name]))


def ehlo_keywords(policy: SessionPolicy, tls: bool, mechanisms: MechanismFactory) -> tuple[str, ...]:
    return keywords_for(policy, tls, offered_mechanisms(policy, mechanisms))


# Every session on a listener sends the same EHLO list; working it out is a few microseconds a session, so
# it is remembered per (policy, TLS, mechanisms on offer). The policy object is kept in the value, so its id
# cannot be reused while the entry lives; the table is emptied when it grows past a few hundred policies.
_KEYWORDS: dict[tuple[int, bool, tuple[str, ...]], tuple[SessionPolicy, tuple[str, ...]]] = {}


def keywords_for(policy: SessionPolicy, tls: bool, offered: tuple[str, ...]) -> tuple[str, ...]:
    key = (id(policy), tls, offered)
    hit = _KEYWORDS.get(key)
    if hit is not None and hit[0] is policy:
        return hit[1]
    if len(_KEYWORDS) > 512:
        _KEYWORDS.clear()
    words = _keywords(policy, tls, offered)
    _KEYWORDS[key] = (policy, words)
    return words


def _keywords(policy: SessionPolicy, tls: bool, offered: tuple[str, ...]) -> tuple[str, ...]:
    items: list[str] = []
    # Always announced: with Max_Message_Size = 0 the hard safety cap is the limit (RFC 1870 §4).
    items.append(f"SIZE {policy.message_size_limit}")
    for words in policy.extension_words:
        keyword = words[0]
        if keyword == "AUTH" and not any(item.startswith("AUTH ") for item in items):
            if offered:
                items.append("AUTH " + " ".join(offered))
        elif keyword == "STARTTLS" and policy.tls_available and not tls:
            items.append(keyword)
        elif keyword in PLAIN_EXTENSIONS:
            items.append(keyword)
    return tuple(dict.fromkeys(items))
