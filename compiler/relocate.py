"""Relative `file:`/`digest:` URIs moved to a new home: what `ecconf text --output` writes elsewhere.

Rule of this room: a model transform, no I/O. A relative password-file URI means "beside the config file
that names it" (SPEC §6, and to_runtime.absolute_uri, which serve uses); text written into another folder
must name the same file from there, so each such URI is rewritten relative to the folder the text goes to.
Absolute URIs and other schemes are left as written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .models import AUTH_FIELDS, Config, ListenerOptions, dump

_FILE_SCHEMES = ("file", "digest")


def _owners(config: Config) -> list[tuple[tuple[str | int, ...], ListenerOptions]]:
    listener = config.esmtp_listener
    if listener is None:
        return []
    owners: list[tuple[tuple[str | int, ...], ListenerOptions]] = [(("esmtp_listener",), listener)]
    owners += [(("esmtp_listener", "peers", i), peer) for i, peer in enumerate(listener.peers)]
    for i, listen in enumerate(listener.listens):
        owners.append((("esmtp_listener", "listens", i), listen))
        owners += [(("esmtp_listener", "listens", i, "peers", j), peer) for j, peer in enumerate(listen.peers)]
    return owners


def relocated_uri(uri: str, source_dir: Path, target_dir: Path) -> str:
    """`uri` as a config file in `target_dir` must write it to name what it names from `source_dir`."""
    scheme, sep, rest = uri.partition(":")
    if not sep or scheme.lower() not in _FILE_SCHEMES or not rest or rest.startswith("/"):
        return uri
    target = (source_dir / rest).resolve()
    return f"{scheme}:{Path(os.path.relpath(target, target_dir.resolve())).as_posix()}"


def relocate_uris(config: Config, target_dir: Path) -> Config:
    """The same config with every relative file:/digest: URI rewritten for text written into `target_dir`."""
    data: dict[str, Any] = dump(config, exclude_none=True)
    changed = False
    for parts, owner in _owners(config):
        for field, _mechanism in AUTH_FIELDS.values():
            params = getattr(owner, field, None)
            span = None if params is None else params.span_of("uri")
            if params is None or not params.uri or span is None:
                continue
            new = relocated_uri(params.uri, Path(span.path).parent, target_dir)
            if new != params.uri:
                node: Any = data
                for part in parts:
                    node = node[part]
                node[field]["uri"] = new
                changed = True
    if not changed:
        return config
    from .json_models import validate  # pydantic, only for a config that has URIs to move

    return validate(data)
