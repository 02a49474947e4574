"""What a rule may look at: the model, the build facts, the loaded files and the option table.

Rule of this room: read-only for rules. Anything expensive that several rules need (the effective
values per client class, password files read from disk) is computed once here, lazily, and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from .diagnostics import Diagnostic
from .facts import Assignment, Facts
from .fallback import OPTION_FIELDS, ClientClass, Resolution, Resolved, Resolver, all_classes, effective
from .includes import Loaded
from .models import Config
from .nodes import Option, Scope
from .option_table import OptionTable
from .span import Span

T = TypeVar("T")


@dataclass
class CheckContext:
    config: Config
    facts: Facts
    loaded: Loaded
    table: OptionTable
    # Problems found before the rules ran (reading, parsing, including), by code.
    load_problems: list[Diagnostic] = field(default_factory=list)
    # Whether rules may read files named by the config (password files, certificates). Off for JSON input
    # checked on another machine, and in tests that want pure checks.
    check_files: bool = True

    def problems(self, code: str) -> Iterator[Diagnostic]:
        """Problems with this code that loading or building already found."""
        for problem in (*self.load_problems, *self.facts.problems):
            if problem.code == code:
                yield problem

    @cached_property
    def classes(self) -> list[ClientClass]:
        return list(all_classes(self.config))

    @cached_property
    def resolved(self) -> list[tuple[ClientClass, Resolution]]:
        """Every client class with its option fields resolved (the loop most A4xx and S5xx rules run)."""
        resolve = self._resolver.resolve
        return [(cls, resolve(cls)) for cls in self.classes]

    @cached_property
    def _resolver(self) -> Resolver:
        return Resolver(self.config)

    @cached_property
    def _resolutions(self) -> dict[tuple[int, int, int], Resolution]:
        return {}

    def resolution(self, cls: ClientClass) -> Resolution:
        """The option fields of any client class (also one made by a rule), resolved once per distinct class.
        Rules that visit every class loop over `resolved` instead: no key per class, no second copy."""
        key = _class_key(cls)
        found = self._resolutions.get(key)
        if found is None:
            found = self._resolutions[key] = self._resolver.resolve(cls)
        return found

    def effective(self, cls: ClientClass, field_name: str) -> Resolved:
        """fallback.effective, remembered: many rules ask the same question of the same client class."""
        if field_name in OPTION_FIELDS:
            return self.resolution(cls)[field_name]
        return effective(self.config, cls, field_name)

    @cached_property
    def _shared(self) -> dict[str, Any]:
        return {}

    def shared(self, key: str, make: Callable[[CheckContext], T]) -> T:
        """One helper object per check run, made on first use: several rules ask it the same questions
        (rules/auth_offers.Offers answers which mechanisms each client class is offered)."""
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = make(self)
        return found  # type: ignore[no-any-return]

    def assignments(self, name: str) -> list[Assignment]:
        """Every assignment of the option `name` (lower case) in any scope, in text order (do not change it)."""
        return self.facts.by_name.get(name, [])

    @cached_property
    def extension_options(self) -> dict[Span, Option]:
        """Every SMTP_Extensions assignment by the span of its statement: a resolved SMTP_Extensions' span finds
        the option, and so the items as written, that set it."""
        return {assignment.option.span: assignment.option for assignment in self.assignments("smtp_extensions")}

    @cached_property
    def listen_scopes(self) -> dict[int, Scope]:
        """The first Scope node written for each Listen model, by id of the model."""
        out: dict[int, Scope] = {}
        for model, _address, scope in self.facts.listens:
            out.setdefault(id(model), scope)
        return out

    def resolve_path(self, written: str, span: Span | None) -> Path:
        """A path named in the config: relative paths are relative to the file that names them."""
        path = Path(written)
        if path.is_absolute() or span is None:
            return path
        return Path(span.path).parent / path


def _class_key(cls: ClientClass) -> tuple[int, int, int]:
    # The models a class is made of live as long as the config, so their ids name the class for the run.
    return (id(cls.listen), id(cls.listen_peer), id(cls.listener_peer))
