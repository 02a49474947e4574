"""Credential stores opened once per URI, and the mechanism factory the protocol asks for AUTH.

Rule of this room: one store object per URI for the whole server, shared by every listener and mechanism
that names it; `refresh()` re-reads changed files (and retries stores that failed to open) so a password
change needs no restart. A mechanism is available only when its store is open and holds a secret kind that
mechanism can use (a `digest:` file cannot serve PLAIN). A `name://` URI that names an auth_ds Scheme of the
config is that scheme's store (datasources/store.py); every other URI goes to the opener (stores.open_store).
The Schemes are built once per config (build_schemes) and kept across a reload that leaves auth_ds as it was.
A store that stays broken is complained about once (again every few minutes, or when the complaint
changes: repeats.py), not at every retry.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sized
from pathlib import Path

from . import observe
from .config import AuthDsSpec, ListenerSpec, MechanismSpec, ServerConfig
from .datasources import Schemes, SchemeStore, scheme_name
from .repeats import Repeats
from .sasl import MECHANISMS, can_serve, create
from .sasl.base import Mechanism, MechanismContext
from .stores import STORE_SCHEMES, CredentialStore, Step, StoreError, open_store, uri_scheme

log = logging.getLogger(__name__)

Opener = Callable[[str, Path], CredentialStore]


def mechanism_specs(listeners: Iterable[ListenerSpec]) -> Iterator[MechanismSpec]:
    """Every Auth<Mech>Parameters dictionary the listeners name, in any scope (the stores to open)."""
    for listener in listeners:
        for layer in listener.layers:
            for values in (layer.values, *(vals for _, vals in layer.peers)):
                auth = values.get("auth")
                if isinstance(auth, Mapping):
                    yield from auth.values()


def _count(uri: str, store: CredentialStore) -> None:
    if isinstance(store, Sized):  # file stores know how many users they hold
        observe.hooks.store_size(uri, len(store))


def build_schemes(spec: AuthDsSpec) -> Schemes | None:
    """The config's auth_ds Schemes (DatasourceError if one cannot be set up); built on the serving loop."""
    return Schemes(spec.datasources, spec.schemes, spec.base_dir) if spec else None


def for_config(current: Credentials, old: ServerConfig, new: ServerConfig) -> Credentials:
    """The credentials a reload from `old` to `new` serves: the same ones when neither base_dir nor auth_ds
    changed (Schemes keep their pools and cache), else fresh ones, with new Schemes if auth_ds changed (the
    caller closes the old Schemes once it has swapped). DatasourceError refuses the reload."""
    same_ds = new.auth_ds == old.auth_ds
    if same_ds and new.base_dir == old.base_dir:
        return current
    return current.renewed(new.base_dir, current.schemes if same_ds else build_schemes(new.auth_ds))


class Credentials:
    def __init__(self, base_dir: Path, opener: Opener = open_store, schemes: Schemes | None = None) -> None:
        self.base_dir = base_dir
        self._opener = opener
        self.schemes = schemes  # the config's auth_ds Schemes (owned, and closed, by whoever built them)
        self._stores: dict[str, CredentialStore] = {}
        self._wanted: set[str] = set()
        self._lock = threading.Lock()  # refresh runs in a worker thread
        self._repeats = Repeats()

    def renewed(self, base_dir: Path, schemes: Schemes | None) -> Credentials:
        """Fresh credentials for a reloaded config: the same opener, the new config's Schemes."""
        return Credentials(base_dir, self._opener, schemes)

    def _open(self, uri: str) -> CredentialStore:
        name = scheme_name(uri)
        if self.schemes is not None and name is not None and name in self.schemes.schemes:
            return SchemeStore(uri, self.schemes[name])
        try:
            return self._opener(uri, self.base_dir)
        except StoreError:
            if name is None or uri_scheme(uri) in STORE_SCHEMES:
                raise
            raise StoreError(f"{uri}: names no auth_ds Scheme this server serves (`ecconf lint` says why)") from None

    def add(self, uri: str, store: CredentialStore) -> None:
        """Use an already built store for `uri` (embedders and tests)."""
        with self._lock:
            self._wanted.add(uri)
            self._stores[uri] = store

    def open_all(self, specs: Iterable[MechanismSpec]) -> None:
        for spec in specs:
            self._wanted.add(spec.uri)
        self._open_missing()

    def _open_missing(self) -> None:
        for uri in sorted(self._wanted - self._stores.keys()):
            try:
                store = self._open(uri)
            except StoreError as exc:
                if self._repeats.due(uri, str(exc)):
                    log.error("credential store unavailable: %s (retried quietly)", exc)
                continue
            self._repeats.clear(uri)
            with self._lock:
                self._stores[uri] = store
            log.info("credential store %s opened", uri)
            _count(uri, store)

    def refresh(self) -> list[str]:
        """Re-read changed stores; returns the URIs now serving new contents. Blocking (file reads)."""
        self._open_missing()
        changed: list[str] = []
        for uri, store in self._current():
            try:
                self._report(uri, store, store.refresh(), changed)
            except Exception:
                log.exception("credential store %s: refresh failed", uri)
        return changed

    def refresh_steps(self) -> Generator[Step, object, list[str]]:
        """`refresh` for an event loop to drive (stores.Step): the blocking parts are steps to run off the
        loop, a store that can reload in slices (PasswordFileStore.refresh_steps) does so on the loop."""
        yield self._open_missing
        changed: list[str] = []
        for uri, store in self._current():
            try:
                steps = getattr(store, "refresh_steps", None)
                fresh = (yield from steps()) if steps is not None else (yield store.refresh)
                self._report(uri, store, bool(fresh), changed)
            except Exception:
                log.exception("credential store %s: refresh failed", uri)
        return changed

    def _current(self) -> list[tuple[str, CredentialStore]]:
        with self._lock:
            return list(self._stores.items())

    def _report(self, uri: str, store: CredentialStore, fresh: bool, changed: list[str]) -> None:
        if fresh:
            changed.append(uri)
            self._repeats.clear(uri)
            log.info("credential store %s reloaded", uri)
            _count(uri, store)
        elif store.last_error:
            if self._repeats.due(uri, store.last_error):
                log.warning(
                    "credential store %s: %s (serving its last good contents; retried quietly)", uri, store.last_error
                )
        elif self._repeats.clear(uri):
            log.info("credential store %s: the problem is gone, contents unchanged", uri)

    def missing(self) -> list[str]:
        """The stores asked for that could not be opened (yet: refresh retries them)."""
        with self._lock:
            return sorted(self._wanted - self._stores.keys())

    def store(self, uri: str) -> CredentialStore | None:
        return self._stores.get(uri)

    # The MechanismFactory the protocol uses.

    def available(self, spec: MechanismSpec) -> bool:
        store = self._stores.get(spec.uri)
        if store is None or spec.name not in MECHANISMS:
            return False
        return can_serve(spec.name, store.secret_kinds, spec.stored_cleartext)

    def create(self, spec: MechanismSpec, ctx: MechanismContext) -> Mechanism:
        store = self._stores.get(spec.uri)
        if store is None:
            raise LookupError(f"credential store {spec.uri} is not open")
        return create(spec.name, store, ctx)
