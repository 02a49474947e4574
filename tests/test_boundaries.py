"""Import directions between the packages (DESIGN §2), read from the source with `ast`.

Every import, wherever it sits (functions and TYPE_CHECKING blocks too), is resolved to an absolute module
name, relative imports included, and checked against the table of what each room may import.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Source folder -> the package it is installed as (pyproject's package-dir).
PACKAGES = {"grammar": "ecconf.grammar", "compiler": "ecconf.compiler", "runtime": "ecconf.runtime", "ecconf": "ecconf"}
NETWORK = {"asyncio", "socket", "ssl"}
# The asyncio shell: the server and the transport of one connection, and the client of the Redis server that
# may keep the AUTH penalty. Everything else in runtime/ is sans-IO.
IO_SHELL = {
    "runtime/server.py",
    "runtime/link.py",
    "runtime/session_driver.py",
    "runtime/session_host.py",
    "runtime/binding.py",
    "runtime/store_refresh.py",
    "runtime/penalty_redis.py",
    "runtime/tls_context.py",
    "runtime/computation.py",  # the compute threads' work as a future of the loop
}
# The datasource drivers and the service that awaits them talk to databases; the rest of that package is pure.
DATASOURCE_IO = {
    "runtime/datasources/sqlite.py",
    "runtime/datasources/pgsql.py",
    "runtime/datasources/ldap.py",
    "runtime/datasources/service.py",
    "runtime/datasources/store.py",
    "runtime/datasources/threads.py",
    "runtime/datasources/__init__.py",
}
# The runtime is standard library only, but for the libraries made for a job it must not do itself: each is
# named here with the one module allowed to import it (DESIGN: well-kept libraries over hand-written crypto).
RUNTIME_THIRD_PARTY = {
    "runtime/password_hashes.py": {"passlib"},
    "runtime/penalty_redis.py": {"redis"},
    # Extras (ecconf[pgsql], ecconf[ldap]), imported only by their driver, only when a datasource names it.
    "runtime/datasources/pgsql.py": {"psycopg", "psycopg_pool"},
    "runtime/datasources/ldap.py": {"ldap3"},
}


@dataclass(frozen=True)
class Source:
    rel: str  # "compiler/rules/open_relay.py"
    module: str  # "ecconf.compiler.rules.open_relay"
    imports: frozenset[str]  # absolute module names, with `from x import y` also giving x.y


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT)
    parts = [PACKAGES[rel.parts[0]], *rel.parts[1:-1]]
    if path.stem != "__init__":
        parts.append(path.stem)
    return ".".join(parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base = ".".join(base_parts[: len(base_parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def _sources() -> list[Source]:
    out = []
    for folder in PACKAGES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            module = _module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            imports = _imports(tree, module, path.stem == "__init__")
            out.append(Source(path.relative_to(ROOT).as_posix(), module, frozenset(imports)))
    return out


SOURCES = _sources()


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _ours(source: Source) -> set[str]:
    return {name for name in source.imports if _in(name, "ecconf")}


def _tops(source: Source) -> set[str]:
    return {name.split(".")[0] for name in source.imports}


def _files(folder: str) -> list[Source]:
    return [s for s in SOURCES if s.rel.startswith(folder + "/")]


def test_the_walk_sees_every_room() -> None:
    for folder in PACKAGES:
        assert _files(folder), f"no sources found under {folder}/"
    # The resolver itself: a relative import two levels up from a rule lands in the compiler.
    rule = next(s for s in SOURCES if s.rel == "compiler/rules/syntax_error.py")
    assert "ecconf.compiler.diagnostics" in rule.imports
    tree = ast.parse("from ...runtime import config\nfrom . import base\nimport lark.lexer")
    assert _imports(tree, "ecconf.compiler.rules.x", False) == {
        "ecconf.runtime",
        "ecconf.runtime.config",
        "ecconf.compiler.rules",
        "ecconf.compiler.rules.base",
        "lark.lexer",
    }


@pytest.mark.parametrize("source", _files("grammar"), ids=lambda s: s.rel)
def test_grammar_imports_nothing_of_ours_and_no_pydantic(source: Source) -> None:
    assert {n for n in _ours(source) if not _in(n, "ecconf.grammar")} == set()
    assert "pydantic" not in _tops(source)


@pytest.mark.parametrize("source", _files("runtime"), ids=lambda s: s.rel)
def test_runtime_is_stdlib_only_and_only_the_server_touches_the_network(source: Source) -> None:
    assert {n for n in _ours(source) if not _in(n, "ecconf.runtime")} == set()
    third_party = {top for top in _tops(source) if top not in sys.stdlib_module_names and top != "ecconf"}
    assert third_party <= RUNTIME_THIRD_PARTY.get(source.rel, set())
    if source.rel not in IO_SHELL | DATASOURCE_IO:
        assert _tops(source) & NETWORK == set(), f"only {sorted(IO_SHELL)} may use asyncio, socket or ssl"


def test_the_datasource_extras_load_only_with_their_driver() -> None:
    """Importing the datasource package (as the server does) pulls in no driver and no extra."""
    import subprocess

    code = (
        "import sys, ecconf.runtime.datasources as d; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('psycopg', 'psycopg_pool', 'ldap3') "
        "or m.endswith(('datasources.pgsql', 'datasources.ldap'))]; print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# The asyncio shell's rooms in the order they may import each other: a room imports only rooms of an earlier
# step (link <- session <- server), never one of its own step or a later one, wherever the import sits
# (a TYPE_CHECKING block too: a cycle hidden there is still a cycle in the design).
SHELL_CHAIN = (
    ("runtime/link.py",),
    ("runtime/session_host.py", "runtime/session_records.py", "runtime/proxy_intake.py"),
    ("runtime/session_driver.py",),
    ("runtime/server.py",),
)


def _chain_breaks(chain: tuple[tuple[str, ...], ...], sources: list[Source]) -> list[str]:
    """Every import among `chain`'s rooms that does not point to an earlier step."""
    by_rel = {s.rel: s for s in sources}
    step = {rel: n for n, rels in enumerate(chain) for rel in rels}
    missing = sorted(set(step) - set(by_rel))
    assert not missing, f"SHELL_CHAIN names rooms that do not exist: {missing}"
    module_step = {by_rel[rel].module: n for rel, n in step.items()}
    breaks = set()
    for rel, n in step.items():
        for name in by_rel[rel].imports:
            target = next((m for m in module_step if name == m or name.startswith(m + ".")), None)
            if target is not None and module_step[target] >= n:
                breaks.add(f"{rel} imports {target}")
    return sorted(breaks)


def test_the_asyncio_shell_is_a_one_way_chain() -> None:
    assert _chain_breaks(SHELL_CHAIN, SOURCES) == []


def test_the_chain_check_sees_a_cycle_hidden_behind_type_checking() -> None:
    def source(rel: str, module: str, code: str) -> Source:
        return Source(rel, module, frozenset(_imports(ast.parse(code), module, False)))

    link = source(
        "runtime/link.py",
        "ecconf.runtime.link",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .server import Server\n",
    )
    server = source("runtime/server.py", "ecconf.runtime.server", "from .link import Link\n")
    chain = (("runtime/link.py",), ("runtime/server.py",))
    assert _chain_breaks(chain, [link, server]) == ["runtime/link.py imports ecconf.runtime.server"]


def test_every_shell_room_is_in_the_chain() -> None:
    """A new room of the shell (a file that imports one of the chain's rooms) gets its place in the chain."""
    chained = {rel for rels in SHELL_CHAIN for rel in rels}
    modules = {s.module for s in SOURCES if s.rel in chained}
    users = {s.rel for s in _files("runtime") if _ours(s) & modules}
    assert users <= chained


@pytest.mark.parametrize("source", _files("compiler"), ids=lambda s: s.rel)
def test_compiler_imports_grammar_and_only_its_runtime_bridges_import_runtime(source: Source) -> None:
    assert {
        n
        for n in _ours(source)
        if _in(n, "ecconf")
        and not _in(n, "ecconf.compiler")
        and not _in(n, "ecconf.grammar")
        and not _in(n, "ecconf.runtime")
    } == set(), "compiler -> ecconf top"
    if source.rel not in ("compiler/to_runtime.py", "compiler/runtime_facts.py"):
        assert {n for n in _ours(source) if _in(n, "ecconf.runtime")} == set()


@pytest.mark.parametrize("source", _files("compiler/rules"), ids=lambda s: s.rel)
def test_rules_never_import_lark_grammar_render_or_runtime(source: Source) -> None:
    banned = ("ecconf.grammar", "ecconf.runtime", "ecconf.compiler.render")
    assert "lark" not in _tops(source)
    assert {n for n in _ours(source) if any(_in(n, b) for b in banned)} == set()


def test_render_knows_no_models_or_rules() -> None:
    render = next(s for s in SOURCES if s.rel == "compiler/render.py")
    banned = ("ecconf.compiler.models", "ecconf.compiler.rules", "ecconf.compiler.build")
    assert {n for n in _ours(render) if any(_in(n, b) for b in banned)} == set()
