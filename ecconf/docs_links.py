"""Where ecconf's documentation lives: the one place that turns a rule code into a link to its page.

Rule of this room: links only, from the user's docs URL, the package's metadata (`[project.urls]` in
pyproject.toml) and the checkout's docs/ folder; no network, nothing else read. SARIF wants absolute URIs
(its validator refuses a relative helpUri), so:

- a docs URL the user gives (`--docs-url`, `docs-url` in the settings: their own mirror of docs/rules/)
  wins for the rule pages: a folder the page names are added to (`<url>/E201.md`), or a pattern that says
  where the code goes (`https://mirror.example/rules/{code}.html`);
- then `[project.urls]` "Rules" (the folder of the rule pages, ending in `/`) and "Homepage" when set;
- else, in a checkout (or an editable install) whose docs/rules/ folder exists, the pages' `file:` URIs;
- else there is no link (SARIF still carries each rule's help text).
"""

from __future__ import annotations

import functools
from importlib import metadata
from pathlib import Path

DOCS_RULES = Path("docs") / "rules"  # relative to the checkout: where `ecconf rules --write-docs` writes
_CHECKOUT = Path(__file__).resolve().parent.parent


@functools.cache
def project_urls() -> dict[str, str]:
    """`[project.urls]` of the installed package, by label (empty when it has none or is not installed)."""
    try:
        entries = metadata.metadata("ecconf").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return {}
    urls: dict[str, str] = {}
    for entry in entries:
        label, sep, url = entry.partition(",")
        if sep and url.strip():
            urls[label.strip()] = url.strip()
    return urls


def docs_url_problem(url: str) -> str | None:
    """Why `url` cannot be a docs URL (SARIF needs absolute URIs), or None when it can."""
    scheme, sep, rest = url.partition(":")
    if not sep or not scheme.isascii() or not scheme[:1].isalpha() or not rest.strip("/"):
        return f"{url!r} is not an absolute URL (like https://docs.example/ecconf/rules/)"
    if "{" in url.replace("{code}", ""):
        return f"{url!r}: the only placeholder is {{code}}"
    return None


def rule_doc_uri(code: str, docs_url: str | None = None) -> str:
    """An absolute URI of the rule's page, or "" when there is none to point at. `docs_url`: the user's own."""
    if docs_url:
        return docs_url.replace("{code}", code) if "{code}" in docs_url else f"{docs_url.rstrip('/')}/{code}.md"
    base = project_urls().get("Rules")
    if base:
        return f"{base.rstrip('/')}/{code}.md"
    page = _CHECKOUT / DOCS_RULES / f"{code}.md"
    return page.as_uri() if page.is_file() else ""


def information_uri() -> str:
    """An absolute URI about the tool itself (SARIF's informationUri), or ""."""
    home = project_urls().get("Homepage")
    if home:
        return home
    readme = _CHECKOUT / "README.md"
    return readme.as_uri() if readme.is_file() and (_CHECKOUT / DOCS_RULES).is_dir() else ""
