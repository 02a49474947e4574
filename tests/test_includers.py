"""A file linted alone that some file of the project includes (what pre-commit hands over when only a fragment
changed) is checked as part of that file: its own findings reported, none that only its lack of context made.
Through the real command line, in projects on disk; the project is the settings file's folder, the git work
tree, or the fragment's folder and the one above it."""

from __future__ import annotations

import json
from pathlib import Path

from config_tree import run_lint as _lint
from config_tree import write_tree as _tree

from ecconf.includers import PARENT_LEVELS, Project, project_of

TOP = 'ESMTP_Listener {\n  include "listens.conf"\n}\n'
LISTENS = 'Listen ":25" {\n  Enable = true\n}\n'  # include-only: Listen belongs in a listener (E202 alone)
TYPO = 'Listen ":25" {\n  Enable = true\n  Enabel = true\n}\n'


def _repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir()  # what a work tree's top holds; all the search looks for
    return root


def test_a_fragment_alone_is_checked_as_part_of_the_file_that_includes_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    _tree(repo, {"conf/mta.conf": TOP, "conf/listens.conf": LISTENS})
    done = _lint("conf/listens.conf", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "E202" not in done.stdout
    assert "note: checked conf/listens.conf as part of conf/mta.conf, which includes it" in done.stderr
    quiet = _lint("-q", "conf/listens.conf", cwd=repo)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_only_the_fragments_findings_are_reported_and_named_as_given(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    _tree(repo, {"conf/mta.conf": TOP.replace("{\n", "{\n  Enabel = true\n", 1), "conf/listens.conf": TYPO})
    done = _lint("--format", "json", "conf/listens.conf", cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    found = [(d["code"], d["path"], d["line"]) for d in json.loads(done.stdout)["diagnostics"]]
    assert found == [("E201", "conf/listens.conf", 3)]  # not the includer's own typo, nor an E202
    inside = _lint("listens.conf", cwd=repo / "conf")  # from inside the folder: named as given there
    assert "listens.conf:3:3: error:" in inside.stdout and "as part of mta.conf" in inside.stderr


def test_the_top_of_an_include_chain_is_the_context(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    _tree(
        repo,
        {
            "ecelerity.conf": 'ESMTP_Listener {\n  include "listeners.d"\n}\n',
            "listeners.d/25.conf": 'Listen ":25" {\n  include "../ext.conf"\n}\n',
            "ext.conf": 'SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )\n',  # valid only inside a Listen
        },
    )
    for fragment in ("ext.conf", "listeners.d/25.conf"):
        done = _lint(fragment, cwd=repo)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"checked {fragment} as part of ecelerity.conf" in done.stderr


def test_a_fragment_nothing_includes_is_linted_alone_and_decoys_do_not_count(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    decoy = '# include "listens.conf"\nBanner = "include listens.conf"\n'
    broken = 'X = include "listens.conf"\n'  # the scan sees an include here; the loader does not
    _tree(repo, {"conf/listens.conf": LISTENS, "conf/decoy.conf": decoy, "conf/broken.conf": broken})
    done = _lint("conf/listens.conf", cwd=repo)
    assert done.returncode == 1 and "[E202]" in done.stdout
    assert "as part of" not in done.stderr


def test_an_excluded_file_gives_no_context(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    legacy = 'ESMTP_Listener {\n  include "../conf/listens.conf"\n}\n'
    _tree(repo, {"legacy/mta.conf": legacy, "conf/listens.conf": LISTENS})
    assert _lint("conf/listens.conf", cwd=repo).returncode == 0
    done = _lint("--extend-exclude", "legacy", "conf/listens.conf", cwd=repo)
    assert done.returncode == 1 and "[E202]" in done.stdout


def test_the_settings_folder_bounds_the_search_and_otherwise_one_folder_up(tmp_path: Path) -> None:
    project = tmp_path / "project"  # no git work tree here
    _tree(project, {"mta.conf": 'ESMTP_Listener {\n  include "a/b/listens.conf"\n}\n', "a/b/listens.conf": LISTENS})
    assert PARENT_LEVELS == 1
    alone = _lint("a/b/listens.conf", cwd=project)  # searched: a/b and a, which do not hold mta.conf
    assert alone.returncode == 1 and "[E202]" in alone.stdout
    _tree(project, {".ecconf.toml": "strict = false\n"})
    done = _lint("a/b/listens.conf", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "as part of mta.conf" in done.stderr


def test_the_project_is_the_settings_folder_else_the_work_tree_else_two_folders_files(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    fragment = str(repo / "x" / "y" / "z" / "f.conf")
    assert project_of(fragment, str(repo / "x")) == Project((repo / "x",), True)
    assert project_of(fragment, str(tmp_path / "elsewhere")) == Project((repo,), True)  # not below that one
    loose = tmp_path / "etc" / "conf.d"
    assert project_of(str(loose / "f.conf"), None) == Project((loose, loose.parent), False)


def test_without_settings_or_work_tree_the_folder_above_is_searched_not_its_subfolders(tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    _tree(etc, {"ecelerity.conf": 'ESMTP_Listener {\n  include "conf.d"\n}\n', "conf.d/listens.conf": LISTENS})
    done = _lint("conf.d/listens.conf", cwd=etc)
    assert done.returncode == 0 and "as part of ecelerity.conf" in done.stderr
    _tree(
        etc, {"other/mta.conf": 'ESMTP_Listener {\n  include "../lone/listens.conf"\n}\n', "lone/listens.conf": LISTENS}
    )
    assert "[E202]" in _lint("lone/listens.conf", cwd=etc).stdout  # other/ is a sibling: not searched


def test_a_fragment_given_with_its_includer_is_folded_as_before(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    _tree(repo, {"conf/mta.conf": TOP, "conf/listens.conf": TYPO})
    done = _lint("conf/listens.conf", "conf/mta.conf", cwd=repo)
    assert done.returncode == 1 and "conf/listens.conf:3:3: error:" in done.stdout
    assert "as part of" not in done.stderr and "1 more file checked as their includes" in done.stderr


def test_fix_of_a_fragment_alone_fixes_it_in_context_and_writes_only_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    top = 'ESMTP_Listener {\n  Listen ":25" {\n    include "ext.conf"\n  }\n  Enabel = true\n}\n'
    _tree(repo, {"conf/mta.conf": top, "conf/ext.conf": 'SMTP_Extensons = ( "8BITMIME" )\n'})
    done = _lint("--fix", "conf/ext.conf", cwd=repo)  # alone, no option of the global scope is close to it
    assert "conf/ext.conf: fixed E201: 'SMTP_Extensons' is not a valid option name in Listen" in done.stderr
    assert (repo / "conf" / "ext.conf").read_text(encoding="utf-8") == 'SMTP_Extensions = ( "8BITMIME" )\n'
    assert (repo / "conf" / "mta.conf").read_text(encoding="utf-8") == top  # not the run's file to change
    assert done.returncode == 0, done.stdout + done.stderr


def test_what_the_fragment_includes_is_reported_too_and_a_ring_is_entered_where_asked(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    _tree(
        repo,
        {
            "mta.conf": TOP,
            "listens.conf": 'Listen ":25" {\n  include "ext.conf"\n}\n',
            "ext.conf": 'SMTP_Extensons = ( "8BITMIME" )\n',
            "ring/a.conf": 'include "b.conf"\n',
            "ring/b.conf": 'include "a.conf"\n',
        },
    )
    done = _lint("listens.conf", cwd=repo)
    assert "ext.conf:1:1: error: 'SMTP_Extensons' is not a valid option name in Listen" in done.stdout
    assert "E202" not in done.stdout and "as part of mta.conf" in done.stderr
    ring = _lint("ring/a.conf", cwd=repo)  # b.conf includes a.conf, but only because a.conf includes it
    assert "ring/b.conf:1:1: error: include cycle" in ring.stdout and "as part of" not in ring.stderr
