"""Where the project's shared material lives: `../shared` beside the checkout (as laid out for CI too).

The three real Momentum files in shared/momentum_samples/ belong to another project (Apache-2.0); the tests
read them from there rather than copying them into this repository.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MOMENTUM_SAMPLES = SHARED / "momentum_samples"
VECTORS = SHARED / "vectors.json"
# Facts taken from Momentum 4's option and module pages, and the configuration examples of its documentation
# (see each folder's README; the examples are read from there, never copied into this repository).
MOMENTUM_VOCABULARY = SHARED / "momentum_vocabulary"
DOCS_CORPUS = SHARED / "momentum_docs_corpus"


def momentum_sample_files() -> list[Path]:
    return sorted(MOMENTUM_SAMPLES.glob("*.conf")) if MOMENTUM_SAMPLES.is_dir() else []


def docs_corpus_files() -> list[Path]:
    """The documentation corpus's snippets (not ours to copy: read in place), or none when it is absent."""
    snippets = SHARED / "momentum_docs_corpus" / "snippets"
    return sorted(snippets.glob("*.conf")) if snippets.is_dir() else []
