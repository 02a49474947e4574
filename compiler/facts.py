"""What the build recorded for the rules to look at again: every assignment, scope use, Listen and Peer as
written, every auth dictionary, every relay network, and the problems found on the way.

Rule of this room: plain records, filled by compiler/build.py in text order and only read afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .models import AuthParameters, Listen, ListenerOptions, Model, Peer
from .nodes import Option, Scalar, Scope
from .runtime_facts import ListenAddress
from .values import CidrValue


@dataclass(slots=True)
class Assignment:
    scope_kind: str  # "global", "esmtp_listener", "listen", "peer", or a generic scope's name (lower case)
    owner: Model | None  # the merged model the option landed in (None in generic scopes)
    option: Option


@dataclass(slots=True)
class ScopeUse:
    parent_kind: str
    scope: Scope


@dataclass(slots=True)
class AuthDict:
    mechanism: str  # SASL name: "CRAM-MD5"...
    params: AuthParameters
    option: Option
    owner: ListenerOptions


@dataclass
class Facts:
    assignments: list[Assignment] = field(default_factory=list)
    # The same assignments by option name (lower case, as written), in text order: rules ask for a few names.
    by_name: dict[str, list[Assignment]] = field(default_factory=dict)
    scope_uses: list[ScopeUse] = field(default_factory=list)
    listens: list[tuple[Listen, ListenAddress | None, Scope]] = field(default_factory=list)
    peers: list[tuple[Peer, CidrValue | None, Scope]] = field(default_factory=list)
    auth_dicts: list[AuthDict] = field(default_factory=list)
    relay_hosts: list[tuple[Model, CidrValue, Scalar]] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
