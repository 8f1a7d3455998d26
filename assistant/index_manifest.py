"""The manifest of a build: what made it, and whether that is what the settings would make now.

An index whose manifest differs from what the settings would build is
stale and is reported, never silently used; the fields that describe the
vectors (format, embedding model, chunking, analyzer) also decide whether
a new build may reuse them (:mod:`assistant.index_reuse`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.embeddings.base import Embedder
from assistant.errors import IndexError_
from assistant.ingest.chunk import ChunkParams
from assistant.text.analyzer import ANALYZER_VERSION

MANIFEST_VERSION = 3
CURRENT = "CURRENT"


def expected_manifest(
    embedder: Embedder,
    params: ChunkParams,
    corpus_hash: str,
    *,
    summaries: str | None = None,
    chroma_url: str | None = None,
) -> dict[str, Any]:
    """What a current build's manifest says; ``summaries`` (the ``answer.summaries`` mode) and
    ``chroma_url`` (where the vectors live, "" for the embedded store) only where the caller builds or
    needs them, so an index built without (a benchmark's) is not stale to it. A new store makes the
    index stale, but not its vectors: the next build copies them over (:mod:`assistant.index_reuse`)."""
    out: dict[str, Any] = {
        "version": MANIFEST_VERSION,
        "embedding": {"name": embedder.name, "fingerprint": embedder.fingerprint, "dim": embedder.dim},
        "chunking": params.as_dict(),
        "analyzer": ANALYZER_VERSION,
        "corpus": {"hash": corpus_hash},
    }
    if summaries is not None:
        out["summaries"] = summaries
    if chroma_url is not None:
        out["chroma_url"] = chroma_url
    return out


def stale_reasons(found: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    reasons = []
    labels = {
        "version": "index format",
        "embedding": "embedding model",
        "chunking": "chunking parameters",
        "analyzer": "keyword analyzer",
        "corpus": "corpus files",
    }
    for key, label in labels.items():
        if found.get(key) != expected.get(key):
            reasons.append(f"{label} changed")
    if "summaries" in expected and found.get("summaries") != expected["summaries"]:
        reasons.append("summaries setting changed")
    if "chroma_url" in expected and found.get("chroma_url", "") != expected["chroma_url"]:
        reasons.append("vector store changed")
    return reasons


def current_build(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / CURRENT).read_text().strip()
    except OSError:
        return None
    path = index_dir / name
    return path if name and path.is_dir() else None


def read_manifest(build: Path) -> dict[str, Any]:
    try:
        data = json.loads((build / "manifest.json").read_text())
    except (OSError, ValueError) as err:
        raise IndexError_(f"Index manifest in {build} is missing or corrupt. Run `assistant index --rebuild`.") from err
    if not isinstance(data, dict):
        raise IndexError_(f"Index manifest in {build} is corrupt. Run `assistant index --rebuild`.")
    return data


def manifest_or_none(build: Path | None) -> dict[str, Any] | None:
    """The build's manifest; None for no build or one whose manifest cannot be read."""
    if build is None:
        return None
    try:
        return read_manifest(build)
    except IndexError_:
        return None


def rebuild_reason(active: Path | None, expected: dict[str, Any], force: bool) -> str | None:
    """Why the index must be built again ("no index yet", the stale fields, "forced rebuild"); None when current."""
    if active is None:
        return "no index yet"
    try:
        reasons = stale_reasons(read_manifest(active), expected)
    except IndexError_:
        reasons = ["manifest unreadable"]
    if reasons:
        return "; ".join(reasons)
    return "forced rebuild" if force else None
