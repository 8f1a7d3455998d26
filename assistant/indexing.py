"""Build, check and open the index: Chroma vectors + BM25, with a manifest.

Layout under ``index/``::

    CURRENT                 name of the active build (replaced atomically)
    build-<stamp>-<id>/     manifest.json, chroma/, bm25/
    .tmp-<id>/              a build in progress (never read)

A build writes a fresh folder and only then points CURRENT at it with
``os.replace``, so a build that is killed or runs out of disk leaves the
previous index answering. The manifest records what built the index
(embedding fingerprint and dimension, chunking, analyzer, corpus hash);
an index whose manifest differs from what the settings would build is
stale and is reported, never silently used.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embeddings.base import Embedder
from assistant.errors import IndexError_
from assistant.ingest.chunk import ChunkParams, chunk_document
from assistant.ingest.loaders import META_SUFFIX, corpus_files, load_document
from assistant.retrieval.bm25 import BM25Store
from assistant.store import ChromaStore, Store, open_client
from assistant.summaries import DocumentSummary, read_summaries, write_summaries
from assistant.text.analyzer import ANALYZER_VERSION
from assistant.types import Chunk, Document

MANIFEST_VERSION = 2
CURRENT = "CURRENT"
Progress = Callable[[str, float], None]
# chunks, their sentence vectors, the current build's summaries -> this build's (assistant.summaries)
Summarize = Callable[
    [Sequence[Chunk], Mapping[str, np.ndarray], Mapping[str, DocumentSummary]], Mapping[str, DocumentSummary]
]


def _noop(_: str, __: float) -> None:
    return None


def files_fingerprint(files: Sequence[Path], root: Path) -> str:
    """Hash of every corpus file's bytes and sidecar metadata."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(_rel(path, root).encode() + b"\x00")
        h.update(hashlib.sha256(path.read_bytes()).digest())
        meta = path.with_name(path.name + META_SUFFIX)
        if meta.is_file():
            h.update(hashlib.sha256(meta.read_bytes()).digest())
    return h.hexdigest()


def documents_fingerprint(docs: Sequence[Document]) -> str:
    h = hashlib.sha256()
    for d in sorted(docs, key=lambda d: d.source):
        h.update(d.source.encode() + b"\x00" + hashlib.sha256(d.text.encode()).digest())
        h.update(json.dumps(d.metadata, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_corpus(corpus_dir: Path, root: Path) -> list[Document]:
    return [load_document(p, _rel(p, root)) for p in corpus_files(corpus_dir)]


def expected_manifest(
    embedder: Embedder, params: ChunkParams, corpus_hash: str, *, summaries: str | None = None
) -> dict[str, Any]:
    """What a current build's manifest says; ``summaries`` (the ``answer.summaries`` mode) only where the
    caller builds or needs them, so an index built without (a benchmark's) is not stale to it."""
    out: dict[str, Any] = {
        "version": MANIFEST_VERSION,
        "embedding": {"name": embedder.name, "fingerprint": embedder.fingerprint, "dim": embedder.dim},
        "chunking": params.as_dict(),
        "analyzer": ANALYZER_VERSION,
        "corpus": {"hash": corpus_hash},
    }
    if summaries is not None:
        out["summaries"] = summaries
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
    return reasons


@dataclass(frozen=True)
class BuildResult:
    path: Path
    built: bool
    chunks: int
    seconds: float
    reason: str


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


def _switch(index_dir: Path, build: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    tmp.write_text(build.name + "\n")
    os.replace(tmp, index_dir / CURRENT)


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Drop builds other than the active and the previous one, and dead temp dirs."""
    builds = sorted((p for p in index_dir.glob("build-*") if p.is_dir()), key=lambda p: p.name)
    for old in builds[:-2]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in index_dir.glob(".tmp-*"):
        if tmp.name not in keep:
            shutil.rmtree(tmp, ignore_errors=True)


def build_index(
    index_dir: Path,
    docs: Sequence[Document],
    embedder: Embedder,
    params: ChunkParams,
    corpus_hash: str,
    *,
    force: bool = False,
    chroma_url: str = "",
    collection: str = "summit",
    progress: Progress = _noop,
    summarize: Summarize | None = None,
    summaries: str | None = None,
) -> BuildResult:
    """Build the index unless an identical one is current; ``summarize`` writes its summaries
    (``assistant.summaries``), reusing the current build's for unchanged documents."""
    t0 = time.perf_counter()
    expected = expected_manifest(embedder, params, corpus_hash, summaries=summaries)
    index_dir.mkdir(parents=True, exist_ok=True)
    active = current_build(index_dir)
    reason = _rebuild_reason(active, expected, force)
    if active is not None and reason is None:
        chunks = int(read_manifest(active).get("chunks", 0))
        return BuildResult(active, False, chunks, time.perf_counter() - t0, "up to date")
    build_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tmp = index_dir / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        count = _write_build(
            tmp,
            docs,
            embedder,
            params,
            expected,
            chroma_url=chroma_url,
            collection=f"{collection}-{build_id}".replace("T", "t") if chroma_url else collection,
            progress=progress,
            summarize=(lambda chunks, vecs: summarize(chunks, vecs, read_summaries(active))) if summarize else None,
        )
        final = index_dir / f"build-{build_id}"
        tmp.rename(final)
        _switch(index_dir, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(index_dir, {final.name})
    progress("done", 1.0)
    return BuildResult(final, True, count, time.perf_counter() - t0, reason or "no index yet")


def _rebuild_reason(active: Path | None, expected: dict[str, Any], force: bool) -> str | None:
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


def _write_build(
    tmp: Path,
    docs: Sequence[Document],
    embedder: Embedder,
    params: ChunkParams,
    expected: dict[str, Any],
    *,
    chroma_url: str,
    collection: str,
    progress: Progress,
    summarize: Callable[[Sequence[Chunk], dict[str, np.ndarray]], Mapping[str, DocumentSummary]] | None = None,
) -> int:
    """Chunk, embed and store the corpus into the build folder ``tmp``; return the chunk count.

    Everything lands in ``tmp`` (or, for a server, a collection named after
    the build): the caller switches ``CURRENT`` only once this returns.
    """
    embedder.warm_up()  # opening the model overlaps chunking, opening Chroma and the keyword index
    progress("chunking", 0.05)
    chunks: list[Chunk] = [c for d in docs for c in chunk_document(d, params)]
    if not chunks:
        raise IndexError_("The corpus produced no text to index.")
    client = open_client(None if chroma_url else tmp / "chroma", chroma_url)
    store = ChromaStore(client, collection, create=True)
    BM25Store.build([c.chunk_id for c in chunks], [bm25_text(c) for c in chunks]).save(tmp / "bm25")
    rows, sentences = sentence_rows(chunks)
    # Chunks and sentences in one length-sorted stream: less padding than two.
    texts = [c.clean for c in chunks] + sentences
    progress(f"embedding {len(chunks)} chunks and {len(sentences)} sentences", 0.1)
    vectors = _embed_sorted(embedder, texts, progress)
    progress("writing vectors", 0.9)
    store.add(chunks, vectors[: len(chunks)])
    write_sentence_vectors(tmp, rows, sentences, vectors[len(chunks) :], embedder.dim)
    summaries: Mapping[str, DocumentSummary] = {}
    if summarize is not None:
        progress("summarising the documents", 0.92)
        summaries = summarize(chunks, load_sentence_vectors(tmp))
        write_summaries(tmp, summaries)
    manifest = {
        **expected,
        "chunks": len(chunks),
        "collection": collection,
        "chroma_url": chroma_url,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sources": sorted({d.source for d in docs}),
        "summaries_by": sorted({s.written_by for s in summaries.values()}),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return len(chunks)


def bm25_text(chunk: Chunk) -> str:
    """Keyword text: the section title helps questions phrased like it."""
    return f"{chunk.section}\n{chunk.clean}"


def _embed_sorted(embedder: Embedder, texts: Sequence[str], progress: Progress) -> list[list[float]]:
    """Embed ``texts`` shortest first, in steps that report progress; return them in input order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[list[float]] = [[] for _ in texts]
    embedder = embedder.runtime(len(texts), lambda note: progress(note, 0.1))
    step = 64
    for start in range(0, len(order), step):
        part = order[start : start + step]
        for i, vec in zip(part, embedder.embed_documents([texts[i] for i in part]), strict=True):
            out[i] = vec
        done = min(start + step, len(order))
        progress(f"embedding {done}/{len(order)}", 0.1 + 0.8 * done / len(order))
    return out


def sentence_rows(chunks: Sequence[Chunk]) -> tuple[list[list[Any]], list[str]]:
    """(chunk id, sentence index) of every sentence, and the distinct sentence texts to embed.

    Answers quote sentences, not chunks: with sentence vectors the prompt can
    carry only the sentences closest to the question (a short prompt is a
    fast first token), and citations can be matched to the sentence that
    supports them, across languages. Overlapping chunks repeat their
    boundary sentences, so each distinct sentence is embedded once.
    """
    rows: list[list[Any]] = []
    for c in chunks:
        for i, (a, b, _, _) in enumerate(c.sentence_spans()):
            rows.append([c.chunk_id, i, c.clean[a:b]])
    return rows, list(dict.fromkeys(r[2] for r in rows))


def write_sentence_vectors(
    build: Path, rows: Sequence[list[Any]], sentences: Sequence[str], vectors: Sequence[list[float]], dim: int
) -> None:
    by_text = dict(zip(sentences, vectors, strict=True))
    matrix = np.asarray([by_text[r[2]] for r in rows], dtype=np.float32)
    np.save(build / "sentences.npy", matrix.reshape(len(rows), -1) if rows else np.zeros((0, dim)))
    (build / "sentences.json").write_text(json.dumps([[r[0], r[1]] for r in rows]))


def load_sentence_vectors(build: Path) -> dict[str, np.ndarray]:
    try:
        rows = json.loads((build / "sentences.json").read_text())
        matrix = np.load(build / "sentences.npy")
    except (OSError, ValueError) as err:
        raise IndexError_(
            f"Sentence vectors in {build} are missing or corrupt. Run `assistant index --rebuild`."
        ) from err
    if len(rows) != len(matrix):
        raise IndexError_(f"Sentence vectors in {build} do not match their rows. Run `assistant index --rebuild`.")
    grouped: dict[str, list[int]] = {}
    for pos, (cid, _) in enumerate(rows):
        grouped.setdefault(cid, []).append(pos)
    return {cid: matrix[idx] for cid, idx in grouped.items()}


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
    store = ChromaStore(client, str(manifest.get("collection", "summit")))
    chunks = {c.chunk_id: c for c in store.all_chunks()}
    if len(chunks) != int(manifest.get("chunks", -1)):
        raise IndexError_(
            f"The index is corrupt: {len(chunks)} chunks stored, manifest says {manifest.get('chunks')}. "
            "Run `assistant index --rebuild`."
        )
    bm25 = BM25Store.load(build / "bm25")
    return LoadedIndex(build, manifest, store, bm25, chunks, load_sentence_vectors(build), read_summaries(build))
