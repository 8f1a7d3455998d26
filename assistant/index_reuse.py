"""What the active build lends the next one: the chunks and vectors of every source that did not change.

A source is reused when its digest (its bytes and sidecar, see
:mod:`assistant.ingest.scan`) is the one the active build recorded, and the
active build was made by the same embedding model, chunking, analyzer and
index format: then its chunks and vectors are exactly what a full build
would compute again. Only new or changed sources are loaded and embedded;
removed ones are left out. Bad files whose digest did not change keep their
skip report without being read again.

The embedded store is copied folder and all, and the chunks of changed or
removed sources are deleted from the copy (a copy is cheaper than adding
ten thousand vectors to a fresh HNSW graph). On a Chroma server, which has
no copy, the new build is a new version of the active build's collection
(:class:`assistant.store.ChromaStore`): its parent's changed chunks are
retired and its new ones added, and nothing kept is written again. Only a
build that moves between stores copies the kept vectors.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index_parts import NAMES, TOKENS, load_by_key, load_sentence_vectors
from assistant.ingest.scan import Skipped, Source
from assistant.store import ChromaStore, new_generation, open_client
from assistant.types import Chunk

# Manifest fields that must match for the active build's vectors to be reused.
COMPATIBLE = ("version", "embedding", "chunking", "analyzer")
COPY_BATCH = 512
# Every query of a server version filters on its lineage, so a long one is compacted: after this many
# incremental builds the next one copies the kept vectors into a fresh collection, as a move does.
MAX_LINEAGE = 64


@dataclass(frozen=True)
class Plan:
    """Which sources a build takes from the active one and which it must load."""

    keep: frozenset[str] = frozenset()
    load: tuple[Source, ...] = ()
    every: tuple[Source, ...] = ()  # the whole corpus, for a full build when the active one cannot lend
    still_skipped: tuple[Skipped, ...] = ()
    removed: tuple[str, ...] = ()
    previous: Path | None = None
    previous_manifest: Mapping[str, Any] = field(default_factory=dict)

    @property
    def incremental(self) -> bool:
        return self.previous is not None

    def digests(self) -> dict[str, str]:
        """source -> digest of every source this build saw: the next build's ``files``."""
        old: Mapping[str, str] = self.previous_manifest.get("files", {})
        kept = {src: old[src] for src in self.keep} | {s.source: old[s.source] for s in self.still_skipped}
        return {s.source: s.digest for s in self.load} | kept

    def full(self) -> Plan:
        """The same corpus built from nothing."""
        return Plan(load=self.every, every=self.every)


def plan_build(
    sources: Sequence[Source], active: Path | None, manifest: Mapping[str, Any] | None, expected: Mapping[str, Any]
) -> Plan:
    """Reuse what ``active`` (with its ``manifest``) holds of ``sources``; a full build where it cannot."""
    if active is None or manifest is None or any(manifest.get(k) != expected.get(k) for k in COMPATIBLE):
        return Plan(load=tuple(sources), every=tuple(sources))
    digests: dict[str, str] = dict(manifest.get("files", {}))
    skipped = {s.source: s for s in map(Skipped.from_json, manifest.get("skipped", []))}
    keep, load, still = set(), [], []
    for s in sources:
        if digests.get(s.source) != s.digest:
            load.append(s)
        elif s.source in skipped:
            still.append(skipped[s.source])
        else:
            keep.add(s.source)
    present = {s.source for s in sources}
    removed = tuple(sorted(set(digests) - present))
    return Plan(frozenset(keep), tuple(load), tuple(sources), tuple(still), removed, active, manifest)


@dataclass
class Lent:
    """The kept sources' chunks and sentence vectors, and a store that already holds their chunk vectors."""

    store: ChromaStore
    chunks: list[Chunk]
    sentence_vectors: dict[str, np.ndarray]
    tokens: dict[str, list[str]] = field(default_factory=dict)  # keyword tokens of kept chunks, where saved
    names: dict[str, list[str]] = field(default_factory=dict)  # the kept sources' names, where saved


def lineage_of(manifest: Mapping[str, Any]) -> tuple[int, ...]:
    """The generations a build's version of its server collection is made of (none for the embedded store)."""
    return tuple(int(g) for g in manifest.get("lineage", []))


def _open_previous(plan: Plan) -> ChromaStore:
    assert plan.previous is not None
    m = plan.previous_manifest
    url = str(m.get("chroma_url", ""))
    client = open_client(None if url else plan.previous / "chroma", url)
    return ChromaStore(client, str(m.get("collection", "summit")), lineage=lineage_of(m))


def lend(plan: Plan, tmp: Path, chroma_url: str, collection: str) -> Lent:
    """Seed the build folder ``tmp`` (or the server's ``collection``) with what ``plan`` keeps.

    Raises IndexError_ when the active build cannot be read (its store is gone or damaged): the
    caller then builds from nothing rather than failing a change that a full build can make.
    """
    assert plan.previous is not None
    old = _open_previous(plan)
    every = old.all_chunks()
    kept = [c for c in every if c.source in plan.keep]
    dropped = [c.chunk_id for c in every if c.source not in plan.keep]
    before = str(plan.previous_manifest.get("chroma_url", ""))
    if not before and not chroma_url:
        shutil.copytree(plan.previous / "chroma", tmp / "chroma")
        store = ChromaStore(open_client(tmp / "chroma"), old.name)
        store.delete(dropped)
    elif before == chroma_url and 0 < len(old.lineage) < MAX_LINEAGE:  # the next version of the same collection
        store = ChromaStore(open_client(None, chroma_url), old.name, lineage=(*old.lineage, new_generation()))
        store.delete(dropped)
    else:
        client = open_client(None if chroma_url else tmp / "chroma", chroma_url)
        store = ChromaStore(client, collection, create=True, lineage=(new_generation(),) if chroma_url else None)
        for i in range(0, len(kept), COPY_BATCH):
            part = kept[i : i + COPY_BATCH]
            vectors = old.vectors([c.chunk_id for c in part])
            store.add(part, [vectors[c.chunk_id] for c in part])
    sentences = load_sentence_vectors(plan.previous)
    tokens = load_by_key(plan.previous, TOKENS)
    return Lent(
        store,
        kept,
        {c.chunk_id: sentences[c.chunk_id] for c in kept if c.chunk_id in sentences},
        {c.chunk_id: tokens[c.chunk_id] for c in kept if c.chunk_id in tokens},
        {src: names for src, names in load_by_key(plan.previous, NAMES).items() if src in plan.keep},
    )
