"""TLS_Protocols values -> the set of protocol versions to allow.

Rule of this room: pure text handling, no `ssl` import (only server.py touches ssl). Momentum writes protocol
lists OpenSSL-style: `"TLSv1.2:TLSv1.3"`, `"ALL:-SSLv3:-TLSv1"`, `"+TLSv1.2 +TLSv1.3"`; items may also come as
an array. Items are applied left to right; a list that only removes starts from ALL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

VERSIONS = ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
_BY_NAME = {name.lower(): name for name in VERSIONS}


def allowed_versions(items: Iterable[str]) -> tuple[str, ...]:
    """The allowed versions in ascending order; () means "library default". ValueError on unknown names."""
    tokens = [t for item in items for t in re.split(r"[\s:,]+", item.strip()) if t]
    if not tokens:
        return ()
    allowed: set[str] = set() if any(not t.startswith("-") for t in tokens) else set(VERSIONS)
    for token in tokens:
        sign, name = (token[0], token[1:]) if token[0] in "+-!" else ("+", token)
        if name.upper() == "ALL":
            chosen = set(VERSIONS)
        elif name.lower() in _BY_NAME:
            chosen = {_BY_NAME[name.lower()]}
        else:
            raise ValueError(f"unknown TLS protocol {name!r} (known: ALL, {', '.join(VERSIONS)})")
        allowed = allowed - chosen if sign in "-!" else allowed | chosen
    if not allowed:
        raise ValueError("TLS_Protocols leaves no protocol version enabled")
    return tuple(v for v in VERSIONS if v in allowed)
