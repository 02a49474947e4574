"""The pre-commit hooks, run by pre-commit itself in a temporary git repository whose hook repository is this
checkout (its files as they are now, committed into a temporary repository, so uncommitted work is tested).

pre-commit builds the hook's environment with pip from that repository, so it needs the package index (or a
wheel cache) for ecconf's dependencies; the environment is built once for the module, in a temporary
PRE_COMMIT_HOME. Skipped, saying so, when pre-commit or git is missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOOD = 'ESMTP_Listener {\n  Listen ":2525" {\n    Enable = true\n  }\n  include "peers.conf"\n}\n'
# Include-only: Peer scopes belong in a listener; linted alone this fragment would be an E202.
FRAGMENT = 'Peer "10.0.0.0/8" {\n  Enable = true\n}\n'
BAD = 'ESMTP_Listener {\n  Listen ":2525" {\n    Enabel = true\n  }\n}\n'

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None or shutil.which("git") is None,
    reason="pre-commit or git is not installed (pip install -e '.[dev]')",
)


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _snapshot_of_checkout(target: Path) -> str:
    """This checkout's tracked and new (not ignored) files, committed into a new repository; its commit."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in listed)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git("init", "-q", cwd=target)
    _git("add", "-A", cwd=target)
    _git("commit", "-q", "-m", "snapshot", cwd=target)
    return _git("rev-parse", "HEAD", cwd=target)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    if not (ROOT / ".git").exists():
        pytest.skip("this checkout is not a git repository")
    hooks = tmp_path_factory.mktemp("hook-repo")
    rev = _snapshot_of_checkout(hooks)
    work = tmp_path_factory.mktemp("project")
    _git("init", "-q", cwd=work)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: ecconf-lint\n      - id: ecconf-fmt\n",
        encoding="utf-8",
    )
    (work / "conf").mkdir()
    (work / "conf" / "mta.conf").write_text(GOOD, encoding="utf-8")
    (work / "conf" / "peers.conf").write_text(FRAGMENT, encoding="utf-8")
    (work / "bad.conf").write_text(BAD, encoding="utf-8")
    (work / "notes.txt").write_text("Enabel = not a config\n", encoding="utf-8")
    _git("add", "-A", cwd=work)
    _git("commit", "-q", "-m", "configs", cwd=work)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}
    env.pop("VIRTUAL_ENV", None)
    yield work, env


def _pre_commit(project: tuple[Path, dict[str, str]], *files: str) -> subprocess.CompletedProcess[str]:
    work, env = project
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", *files],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_hook_passes_a_good_config_with_its_include_only_fragment(project: tuple[Path, dict[str, str]]) -> None:
    done = _pre_commit(project, "conf/mta.conf", "conf/peers.conf", "notes.txt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ecconf lint" in done.stdout and "Passed" in done.stdout


def test_hook_fails_a_bad_config_and_says_where(project: tuple[Path, dict[str, str]]) -> None:
    done = _pre_commit(project, "bad.conf", "conf/mta.conf", "conf/peers.conf")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert "bad.conf:3:5: error:" in done.stdout and "[E201]" in done.stdout
    assert "E202" not in done.stdout  # the fragment is still checked inside the file that includes it


def test_hook_checks_a_fragment_that_changed_alone_as_part_of_its_includer(
    project: tuple[Path, dict[str, str]],
) -> None:
    work, _env = project
    done = _pre_commit(project, "conf/peers.conf")  # the file that includes it is not handed over
    assert done.returncode == 0, done.stdout + done.stderr
    assert "E202" not in done.stdout
    fragment = work / "conf" / "peers.conf"
    fragment.write_text(FRAGMENT.replace("Enable", "Enabel"), encoding="utf-8")
    try:
        done = _pre_commit(project, "conf/peers.conf")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "conf/peers.conf:2:3: error:" in done.stdout and "[E201]" in done.stdout
        assert "E202" not in done.stdout
    finally:
        fragment.write_text(FRAGMENT, encoding="utf-8")


def test_hook_skips_files_that_are_not_configs(project: tuple[Path, dict[str, str]]) -> None:
    done = _pre_commit(project, "notes.txt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(no files to check)Skipped" in done.stdout.replace(".", "")


def test_fmt_hook_lays_out_a_config_and_fails_the_run(project: tuple[Path, dict[str, str]]) -> None:
    work, _env = project
    messy = work / "messy.conf"
    messy.write_text('# kept\nESMTP_Listener{Listen ":2526"{Enable=true}}\n', encoding="utf-8")
    _git("add", "messy.conf", cwd=work)  # pre-commit sees what a hook changed in the files git tracks
    done = _pre_commit(project, "messy.conf")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ecconf fmt" in done.stdout and "files were modified by this hook" in done.stdout
    laid_out = '# kept\nESMTP_Listener {\n  Listen ":2526" {\n    Enable = true\n  }\n}\n'
    assert messy.read_text(encoding="utf-8") == laid_out
    _git("add", "messy.conf", cwd=work)
    done = _pre_commit(project, "messy.conf")
    assert done.returncode == 0, done.stdout + done.stderr
