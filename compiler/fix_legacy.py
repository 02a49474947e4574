"""The fix for A409: Momentum 2.x's `extension = AUTH` / `extension_argument = X` become `"AUTH X"` items.

Rule of this room: the same reading as the runtime's (to_runtime.legacy_mechanisms and _with_legacy): the
legacy pair adds "AUTH X" to every SMTP_Extensions list of the listener, so the fix appends the items to
each list in force (the last assignment of each scope that has one) and removes the pair from its
dictionary. Where the listener has no SMTP_Extensions at all, or one in force is not an array written in a
file at hand, there is no fix. A pair that advertises nothing (`extension` other than AUTH, or no
`extension_argument`) is simply removed. `same_server` is the fix's extra guard: the server the config
describes must be the same, field for field, before and after.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..grammar.cst import Node, Tree
from .build import Built
from .diagnostics import Diagnostic
from .edits import Edit, removal
from .facts import AuthDict
from .models import Config, ListenerOptions
from .nodes import Array, Dict
from .transform import unescape

LEGACY_KEYS = frozenset({"extension", "extension_argument"})


def legacy_extension(finding: Diagnostic, trees: Mapping[str, Tree], built: Built | None = None) -> list[Edit] | None:
    if built is None:
        return None
    auth = next((a for a in built.facts.auth_dicts if finding.span in _legacy_spans(a)), None)
    if auth is None or not isinstance(auth.option.value, Dict):
        return None
    written = auth.option.value
    tree = trees.get(written.span.path)
    found = None if tree is None else _node_at(tree, written.span.line, written.span.column, "dict")
    if tree is None or found is None:
        return None
    entries = [c for c in found.children if isinstance(c, Node) and c.kind == "entry" and _key(c) in LEGACY_KEYS]
    edits = [removal(tree, written.span.path, entry) for entry in entries]
    params = auth.params
    if (params.extension or "").strip().upper() == "AUTH" and params.extension_argument:
        names = params.extension_argument.upper().split()
        additions = _appended(built, names, trees)
        if additions is None:
            return None
        edits += additions
    return edits


def _legacy_spans(auth: AuthDict) -> tuple[object, ...]:
    return (auth.params.span_of("extension"), auth.params.span_of("extension_argument"))


def _key(entry: Node) -> str:
    token = entry.first_token()
    return (unescape(token.text) if token.kind == "STRING" else token.text).lower()


def _node_at(tree: Tree, line: int, column: int, kind: str) -> Node | None:
    offset = tree.offset(line, column)
    stack = [tree.root]
    while stack:
        node = stack.pop()
        if node.kind == kind and node.first_token().start == offset:
            return node
        stack.extend(c for c in node.children if isinstance(c, Node))
    return None


def _appended(built: Built, names: list[str], trees: Mapping[str, Tree]) -> list[Edit] | None:
    """An edit appending the items to every SMTP_Extensions list in force in the listener, or None."""
    listener = built.config.esmtp_listener
    if listener is None:
        return None
    owners: list[ListenerOptions] = [listener, *listener.peers]
    for listen in listener.listens:
        owners += [listen, *listen.peers]
    assignments = built.facts.by_name.get("smtp_extensions", [])
    items = " ".join(f'"AUTH {name}"' for name in names)
    edits: list[Edit] = []
    for owner in owners:
        if owner.smtp_extensions is None:
            continue
        in_force = [a for a in assignments if a.owner is owner]
        if not in_force or not isinstance(in_force[-1].option.value, Array):
            return None
        array = in_force[-1].option.value
        tree = trees.get(array.span.path)
        node = None if tree is None else _node_at(tree, array.span.line, array.span.column, "array")
        if node is None:
            return None
        last = node.children[-2] if len(node.children) > 2 else node.children[0]
        end = (list(last.tokens())[-1] if isinstance(last, Node) else last).end
        edits.append(Edit(array.span.path, end, end, f" {items}"))
    return edits or None


def same_server(before: Config, after: Config) -> bool:
    """Whether both configs describe the same server (what to_runtime builds), field for field."""
    from .to_runtime import to_runtime

    try:
        return to_runtime(before, default_hostname="ecconf.invalid") == to_runtime(
            after, default_hostname="ecconf.invalid"
        )
    except Exception:  # a config the runtime cannot be built from: no fix can be shown to be safe
        return False
