"""Rule documentation as Markdown: one page per rule and an index, made from the rules' docstrings.

Rule of this room: text in, text out; it reads and writes no files and knows no rule by name (the caller hands
over RuleInfo values). The pages in docs/rules/ are this module's output, committed, and a test regenerates
them to keep them fresh: a rule is documented by editing its docstring, never its page.

A docstring reads: `CODE name: what it finds.`, paragraphs, then `Bad:` and `Good:` each followed by an
indented example. Paragraphs are kept as written (they already use Markdown's backticks); an indented block
becomes a fenced code block.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from .diagnostics import Severity


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What SARIF, `ecconf rules` and the pages say about a rule (built from the registry by the caller)."""

    code: str
    name: str
    summary: str
    doc: str
    severity: Severity
    help_uri: str = ""  # an absolute link to the rule's page, or "" (see ecconf/docs_links.py)
    fix: str = ""  # what `ecconf lint --fix` does for it (compiler/fixes.py's FIXES), or "" when not fixable


INDEX = "README.md"
_LABELS = ("Bad:", "Good:")
_FAMILIES = {
    "E0": "suppression comments",
    "E1": "reading, includes and syntax",
    "E2": "names and scopes",
    "E3": "values",
    "A4": "authentication",
    "S5": "TLS and relaying",
}


def escape(text: str) -> str:
    """Prose as Markdown shows it literally: outside `code spans`, `<` would open an HTML tag (Auth<Mech>...
    would lose its middle) and `*` would open emphasis (between two Auth*Parameters)."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # the even parts lie outside backticks
        parts[i] = parts[i].replace("\\", "\\\\").replace("<", "&lt;").replace("*", "\\*")
    return "`".join(parts)


def page_name(code: str) -> str:
    return f"{code}.md"


def _tagline(info: RuleInfo) -> str:
    """What the first line says after `CODE name:`, or the summary when the first line has another form."""
    first = info.doc.strip().splitlines()[0] if info.doc.strip() else ""
    head, sep, rest = first.partition(":")
    return rest.strip() if sep and head.split()[:1] == [info.code] and rest.strip() else info.summary


def _fence(block: list[str]) -> list[str]:
    text = textwrap.dedent("\n".join(block)).strip("\n")
    fence = "```"
    while fence in text:  # an example holding ``` gets a longer fence
        fence += "`"
    return [f"{fence}text", *text.split("\n"), fence]


def body_markdown(doc: str) -> str:
    """The docstring after its first line, with `Bad:`/`Good:` as bold labels and examples as code blocks."""
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            out.extend(_fence(block))
            out.append("")
            block.clear()

    for line in doc.strip("\n").split("\n")[1:]:
        if (line[:1].isspace() and line.strip()) or (block and not line.strip()):
            block.append(line)  # an indented block; blank lines within it belong to it
            continue
        flush()
        out.append(f"**{line.strip()[:-1]}**" if line.strip() in _LABELS else escape(line))
    flush()
    text = "\n".join(out).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text + "\n"


def page(info: RuleInfo) -> str:
    """The Markdown page of one rule: heading, facts, what it finds, and its documentation with examples."""
    parts = [
        f"# {info.code} {info.name}",
        "",
        escape(_tagline(info)),
        "",
        f"- **Code:** `{info.code}`",
        f"- **Name:** `{info.name}`",
        f"- **Default severity:** {info.severity.label}",
        f"- **Summary:** {escape(info.summary)}",
        *([f"- **Fix:** {escape(info.fix)} (`ecconf lint --fix`; `--diff` shows it)"] if info.fix else []),
        "",
        body_markdown(info.doc).rstrip("\n"),
        "",
        "---",
        "",
        f"Generated from the rule's documentation (`ecconf rules {info.code}` prints it); the list of every rule "
        f"is [{INDEX}]({INDEX}).",
    ]
    return "\n".join(parts) + "\n"


def index(infos: Sequence[RuleInfo]) -> str:
    """The list of every rule, by family, each linking to its page."""
    parts = [
        "# ecconf's rules",
        "",
        "Every code `ecconf lint` can report. `--select` and `--ignore` take a code or a prefix (`A4`, `E2`);",
        "`--severity CODE=LEVEL` changes a default severity. `ecconf rules CODE` prints a page in the terminal.",
        "These pages are generated from the rules' documentation by `ecconf rules --write-docs docs/rules`.",
    ]
    family = None
    order = list(_FAMILIES)
    for info in sorted(infos, key=lambda i: (order.index(i.code[:2]) if i.code[:2] in order else len(order), i.code)):
        prefix = info.code[:2]
        if prefix != family:
            family = prefix
            title = _FAMILIES.get(prefix)
            parts += ["", f"## {prefix}xx" + (f": {title}" if title else ""), ""]
            parts += ["| Code | Name | Default severity | Summary |", "|---|---|---|---|"]
        summary = escape(info.summary).replace("|", "\\|") + (" (fixable)" if info.fix else "")
        parts.append(f"| [{info.code}]({page_name(info.code)}) | `{info.name}` | {info.severity.label} | {summary} |")
    return "\n".join(parts) + "\n"


def pages(infos: Sequence[RuleInfo]) -> dict[str, str]:
    """Every page by file name: one per rule, and the index."""
    out = {page_name(info.code): page(info) for info in infos}
    out[INDEX] = index(infos)
    return out
