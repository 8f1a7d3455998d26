"""Build, check and open the index: Chroma vectors + BM25, with a manifest.

Layout under ``index/``::

    CURRENT                 name of the active build (replaced atomically)
    build-<stamp>-<id>/     manifest.json, chroma/, bm25/, sentences.npy/.json, summaries.json
    .tmp-<id>/              a build in progress (never read)

A build writes a fresh folder and only then points CURRENT at it with
``os.replace``, so a build that is killed or runs out of disk leaves the
previous index answering. The manifest records what built the index
(:mod:`assistant.index_manifest`) and each source's digest, so the next
build embeds only new or changed files and takes the rest from this one
(:mod:`assistant.index_reuse`). A file that cannot be read is skipped and
listed in the manifest; it fails the build only when nothing is left.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embeddings.base import Embedder
from assistant.errors import IndexError_
from assistant.index_manifest import (
    CURRENT,
    MANIFEST_VERSION,
    current_build,
    expected_manifest,
    manifest_or_none,
    read_manifest,
    rebuild_reason,
    stale_reasons,
)
from assistant.index_parts import (
    NAMES,
    TOKENS,
    bm25_text,
    embed_sorted,
    grouped_sentence_vectors,
    load_by_key,
    load_sentence_vectors,
    save_by_key,
    sentence_rows,
    source_names,
    write_sentence_vectors,
)
from assistant.index_prune import prune
from assistant.index_reuse import Plan, lend, lineage_of, plan_build
from assistant.ingest.chunk import ChunkParams, chunk_document
from assistant.ingest.scan import (
    Skipped,
    Source,
    corpus_digest,
    from_documents,
    load_sources,
    scan_corpus,
    scan_files,
    skip_note,
)
from assistant.retrieval.bm25 import BM25Store
from assistant.store import ChromaStore, Store, new_generation, open_client
from assistant.summaries import DocumentSummary, read_summaries, store_summaries
from assistant.text.analyzer import tokenize
from assistant.types import Chunk, Document

__all__ = [
    "CURRENT",
    "MANIFEST_VERSION",
    "BuildResult",
    "BuildWork",
    "LoadedIndex",
    "build_index",
    "current_build",
    "documents_fingerprint",
    "expected_manifest",
    "files_fingerprint",
    "load_corpus",
    "load_sentence_vectors",
    "open_index",
    "read_manifest",
    "sentence_rows",
    "stale_reasons",
]
Progress = Callable[[str, float], None]
# chunks, their sentence vectors, the current build's summaries -> this build's (assistant.summaries)
Summarize = Callable[
    [Sequence[Chunk], Mapping[str, np.ndarray], Mapping[str, DocumentSummary]], Mapping[str, DocumentSummary]
]


def _noop(_: str, __: float) -> None:
    return None


def files_fingerprint(files: Sequence[Path], root: Path) -> str:
    """The corpus hash of these files: their names, bytes and sidecar metadata."""
    return corpus_digest(scan_files(files, root))


def documents_fingerprint(docs: Sequence[Document]) -> str:
    return corpus_digest(from_documents(docs))


def load_corpus(corpus_dir: Path, root: Path) -> list[Document]:
    """Every readable document of the corpus; the files a build would skip are left out here too."""
    return load_sources(scan_corpus(corpus_dir, root))[0]


@dataclass(frozen=True)
class BuildWork:
    """What a build reused and what it did anew: the cost of a change is ``embedded``, not the corpus."""

    kept: int = 0  # sources taken from the active build
    loaded: int = 0  # sources read, chunked and embedded
    removed: int = 0  # sources of the active build that are gone
    embedded: int = 0  # texts (chunks and sentences) sent to the model

    def to_json(self) -> dict[str, int]:
        return {"kept": self.kept, "loaded": self.loaded, "removed": self.removed, "embedded": self.embedded}


@dataclass(frozen=True)
class BuildResult:
    path: Path
    built: bool
    chunks: int
    seconds: float
    reason: str
    skipped: tuple[Skipped, ...] = ()
    work: BuildWork = BuildWork()
    summaries_written: int = 0  # by the model, after the switch (assistant.app.write_model_summaries)
    summaries_seconds: float = 0.0


def _switch(index_dir: Path, build: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    tmp.write_text(build.name + "\n")
    os.replace(tmp, index_dir / CURRENT)


def _new_build_id() -> str:
    """Microseconds in the id: builds sort by name in start order (pruning keeps the newest), even within a second."""
    return f"{datetime.now().strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:6]}"


def build_index(
    index_dir: Path,
    corpus: Sequence[Document] | Sequence[Source],
    embedder: Embedder,
    params: ChunkParams,
    corpus_hash: str | None = None,
    *,
    force: bool = False,
    chroma_url: str = "",
    collection: str = "summit",
    progress: Progress = _noop,
    summarize: Summarize | None = None,
    summaries: str | None = None,
) -> BuildResult:
    """Build the index unless an identical one is current, reusing the active build for unchanged sources.

    ``corpus`` is scanned sources (:func:`assistant.ingest.scan.scan_corpus`) or documents in memory;
    ``force`` builds from nothing. ``summarize`` writes the summaries (``assistant.summaries``), reusing
    the current build's for unchanged documents.
    """
    t0 = time.perf_counter()
    sources = _as_sources(corpus)
    expected = expected_manifest(
        embedder, params, corpus_hash or corpus_digest(sources), summaries=summaries, chroma_url=chroma_url
    )
    index_dir.mkdir(parents=True, exist_ok=True)
    active = current_build(index_dir)
    reason = rebuild_reason(active, expected, force)
    if active is not None and reason is None:
        manifest = read_manifest(active)
        chunks, skipped = int(manifest.get("chunks", 0)), _skipped_of(manifest)
        return BuildResult(active, False, chunks, time.perf_counter() - t0, "up to date", skipped)
    plan = plan_build(sources, active, None if force else manifest_or_none(active), expected)
    build_id = _new_build_id()
    tmp = index_dir / f".tmp-{build_id}"
    tmp.mkdir()
    previous = read_summaries(active) if summarize else {}  # read once: for reuse, and to see if any changed
    try:
        written = _write_build(
            tmp,
            plan,
            embedder,
            params,
            expected,
            chroma_url=chroma_url,
            collection=f"{collection}-{build_id}".replace("T", "t") if chroma_url else collection,
            progress=progress,
            summarize=(lambda chunks, vecs: summarize(chunks, vecs, previous)) if summarize else None,
            previous_summaries=previous,
        )
        final = index_dir / f"build-{build_id}"
        tmp.rename(final)
        _switch(index_dir, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    prune(index_dir, {final.name})
    progress("done", 1.0)
    seconds = time.perf_counter() - t0
    return BuildResult(final, True, written.chunks, seconds, reason or "no index yet", written.skipped, written.work)


def _as_sources(corpus: Sequence[Document] | Sequence[Source]) -> list[Source]:
    docs = [d for d in corpus if isinstance(d, Document)]
    return [s for s in corpus if isinstance(s, Source)] or from_documents(docs)


def _skipped_of(manifest: Mapping[str, Any]) -> tuple[Skipped, ...]:
    return tuple(Skipped.from_json(s) for s in manifest.get("skipped", []))


@dataclass(frozen=True)
class _Written:
    chunks: int
    skipped: tuple[Skipped, ...]
    work: BuildWork


@dataclass
class _Gathered:
    """A build's chunks before the new ones are embedded: the store holds only the kept ones' vectors so far."""

    plan: Plan  # as carried out (a full one where the active build could not lend)
    store: ChromaStore
    chunks: list[Chunk]  # kept and new, in corpus order
    new: list[Chunk]
    sentence_vectors: dict[str, np.ndarray]  # of the kept chunks, until the new ones are added
    tokens: dict[str, list[str]]  # keyword tokens of the kept chunks
    names: dict[str, list[str]]  # the kept sources' names
    loaded: int
    skipped: tuple[Skipped, ...]


def _gather(
    tmp: Path, plan: Plan, params: ChunkParams, chroma_url: str, collection: str, progress: Progress
) -> _Gathered:
    """Read and chunk the plan's new sources, and take the kept ones from the active build."""
    progress(f"reading {len(plan.load)} new or changed files", 0.02)
    docs, skipped = load_sources(plan.load)
    new = [c for d in docs for c in chunk_document(d, params)]
    if plan.incremental:
        progress(f"keeping {len(plan.keep)} unchanged files", 0.05)
        try:
            lent = lend(plan, tmp, chroma_url, collection)
        except IndexError_:
            progress("the active build cannot lend its vectors; building from nothing", 0.05)
            shutil.rmtree(tmp / "chroma", ignore_errors=True)
            return _gather(tmp, plan.full(), params, chroma_url, collection, progress)
        store, chunks, vectors, tokens, names = (
            lent.store,
            lent.chunks + new,
            lent.sentence_vectors,
            lent.tokens,
            lent.names,
        )
    else:
        client = open_client(None if chroma_url else tmp / "chroma", chroma_url)
        store = ChromaStore(client, collection, create=True, lineage=(new_generation(),) if chroma_url else None)
        chunks, vectors, tokens, names = list(new), {}, {}, {}
    every_skip = tuple(sorted([*skipped, *plan.still_skipped], key=lambda s: s.source))
    if not chunks:
        raise IndexError_("The corpus produced no text to index." + skip_note(every_skip))
    chunks.sort(key=lambda c: (c.source, c.order))
    return _Gathered(plan, store, chunks, new, vectors, tokens, names, len(docs), every_skip)


def _write_build(
    tmp: Path,
    plan: Plan,
    embedder: Embedder,
    params: ChunkParams,
    expected: dict[str, Any],
    *,
    chroma_url: str,
    collection: str,
    progress: Progress,
    summarize: Callable[[Sequence[Chunk], dict[str, np.ndarray]], Mapping[str, DocumentSummary]] | None = None,
    previous_summaries: Mapping[str, DocumentSummary] | None = None,
) -> _Written:
    """Chunk and embed the plan's new sources, and store them with what the active build lends.

    Everything lands in ``tmp`` (or, for a server, a collection named after
    the build): the caller switches ``CURRENT`` only once this returns.
    """
    if plan.load:
        _open_model_early(embedder, plan)
    g = _gather(tmp, plan, params, chroma_url, collection, progress)
    tokens = {c.chunk_id: g.tokens.get(c.chunk_id) or tokenize(bm25_text(c)) for c in g.chunks}
    BM25Store.from_tokens(list(tokens), list(tokens.values())).save(tmp / "bm25")
    save_by_key(tmp, TOKENS, tokens)
    save_by_key(tmp, NAMES, source_names(g.chunks, g.names))
    rows, sentences = sentence_rows(g.new)
    # Chunks and sentences in one length-sorted stream: less padding than two.
    texts = [c.clean for c in g.new] + sentences
    progress(f"embedding {len(g.new)} chunks and {len(sentences)} sentences", 0.1)
    kept_texts = len(g.chunks) - len(g.new) + sum(len(v) for v in g.sentence_vectors.values())
    vectors = embed_sorted(embedder, texts, progress, index_size=kept_texts + len(texts))
    progress("writing vectors", 0.9)
    g.store.add(g.new, vectors[: len(g.new)])
    g.sentence_vectors.update(grouped_sentence_vectors(g.new, rows, sentences, vectors[len(g.new) :]))
    write_sentence_vectors(tmp, [c.chunk_id for c in g.chunks], g.sentence_vectors, embedder.dim)
    written: Mapping[str, DocumentSummary] = {}
    if summarize is not None:
        progress("summarising the documents", 0.92)
        written = summarize(g.chunks, g.sentence_vectors)
        store_summaries(tmp, written, g.plan.previous, previous_summaries or {})
    work = BuildWork(len(g.plan.keep), g.loaded, len(g.plan.removed), len(texts))
    manifest = {
        **expected,
        "chunks": len(g.chunks),
        "collection": g.store.name,
        "chroma_url": chroma_url,
        "lineage": list(g.store.lineage),  # this build's version of a shared server collection
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sources": sorted({c.source for c in g.chunks}),
        "files": g.plan.digests(),
        "loaded": sorted({c.source for c in g.new}),  # read anew: the model's summaries follow for these
        "skipped": [s.to_json() for s in g.skipped],
        "work": work.to_json(),
        "texts": len(g.chunks) + sum(len(v) for v in g.sentence_vectors.values()),  # picks the next runtime
        "summaries_by": sorted({s.written_by for s in written.values()}),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return _Written(len(g.chunks), g.skipped, work)


def _open_model_early(embedder: Embedder, plan: Plan) -> None:
    """Open the model that will embed (the bulk runtime for a large index) while the build reads and chunks."""
    if not plan.incremental:
        embedder.warm_up()
        return
    size = int(plan.previous_manifest.get("texts", 0)) or 4 * int(plan.previous_manifest.get("chunks", 0))
    threading.Thread(target=embedder.runtime, args=(size,), name="open-embedder", daemon=True).start()


@dataclass
class LoadedIndex:
    """An opened, verified index: its store, keyword index and chunks."""

    path: Path
    manifest: dict[str, Any]
    store: Store
    bm25: BM25Store
    chunks: dict[str, Chunk]
    # chunk id -> (n_sentences, dim) unit vectors, in sentence order
    sentence_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    summaries: dict[str, DocumentSummary] = field(default_factory=dict)  # source -> its summary
    names: dict[str, list[str]] = field(default_factory=dict)  # source -> its names, where the build saved them


def open_index(index_dir: Path, expected: dict[str, Any] | None, *, chroma_url: str = "") -> LoadedIndex:
    """Open the current build; raise IndexError_ if missing, corrupt or stale."""
    build = current_build(index_dir)
    if build is None:
        raise IndexError_(f"No index found in {index_dir}. Run `assistant index` to build it.")
    manifest = read_manifest(build)
    if expected is not None:
        reasons = stale_reasons(manifest, expected)
        if reasons:
            raise IndexError_(f"The index is stale ({'; '.join(reasons)}). Run `assistant index` to rebuild it.")
    url = chroma_url or str(manifest.get("chroma_url", ""))
    client = open_client(None if url else build / "chroma", url)
    store = ChromaStore(client, str(manifest.get("collection", "summit")), lineage=lineage_of(manifest))
    chunks = {c.chunk_id: c for c in store.all_chunks()}
    if len(chunks) != int(manifest.get("chunks", -1)):
        raise IndexError_(
            f"The index is corrupt: {len(chunks)} chunks stored, manifest says {manifest.get('chunks')}. "
            "Run `assistant index --rebuild`."
        )
    bm25 = BM25Store.load(build / "bm25")
    vectors, summaries = load_sentence_vectors(build), read_summaries(build)
    return LoadedIndex(build, manifest, store, bm25, chunks, vectors, summaries, load_by_key(build, NAMES))
