"""The files of a build besides Chroma: sentence vectors and the keyword text, and how texts get embedded.

Sentence vectors are one ``float32`` matrix (``sentences.npy``) with a row
list (``sentences.json``: chunk id, sentence index). Rows are written chunk
by chunk, so that a loaded index can hand out each chunk's rows as a slice
of a memory-mapped matrix: a large corpus costs page cache, not resident
memory, and ``serve`` opens it without reading it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embeddings.base import Embedder
from assistant.errors import IndexError_
from assistant.types import Chunk

Progress = Callable[[str, float], None]
SENTENCES = "sentences.npy"
ROWS = "sentences.json"
TOKENS = "bm25-tokens.json"
NAMES = "names.json"


def bm25_text(chunk: Chunk) -> str:
    """Keyword text: the section title helps questions phrased like it."""
    return f"{chunk.section}\n{chunk.clean}"


def embed_sorted(
    embedder: Embedder,
    texts: Sequence[str],
    progress: Progress,
    *,
    index_size: int | None = None,
    start: float = 0.1,
    span: float = 0.8,
) -> list[list[float]]:
    """Embed ``texts`` shortest first (less padding), in steps that report progress; return them in input order.

    The runtime is chosen by ``index_size`` (every text the index will hold), not by how many are new:
    a file added to a large index is embedded by the runtime a full build of it would use, so the
    incremental index is the full one.
    """
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[list[float]] = [[] for _ in texts]
    if not texts:
        return out
    embedder = embedder.runtime(max(index_size or 0, len(texts)), lambda note: progress(note, start))
    step = 64
    for first in range(0, len(order), step):
        part = order[first : first + step]
        for i, vec in zip(part, embedder.embed_documents([texts[i] for i in part]), strict=True):
            out[i] = vec
        done = min(first + step, len(order))
        progress(f"embedding {done}/{len(order)}", start + span * done / len(order))
    return out


def save_by_key(build: Path, name: str, values: Mapping[str, list[str]]) -> None:
    """A map of string lists beside the build's other files: each chunk's keyword tokens (``TOKENS``), so
    that the next build analyses only new chunks, or each source's names (``NAMES``), so that opening the
    index does not scan every chunk for them."""
    (build / name).write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")


def load_by_key(build: Path, name: str) -> dict[str, list[str]]:
    """What :func:`save_by_key` wrote; {} where the build has none (it is then computed again)."""
    try:
        raw = json.loads((build / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def sentence_rows(chunks: Sequence[Chunk]) -> tuple[list[list[Any]], list[str]]:
    """(chunk id, sentence index, text) of every sentence, and the distinct sentence texts to embed.

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


def write_sentence_vectors(build: Path, chunk_ids: Sequence[str], vectors: Mapping[str, np.ndarray], dim: int) -> None:
    """Write each chunk's (n_sentences, dim) rows, in ``chunk_ids`` order."""
    rows = [[cid, i] for cid in chunk_ids for i in range(len(vectors[cid]))]
    parts = [np.asarray(vectors[cid], dtype=np.float32).reshape(-1, dim) for cid in chunk_ids]
    matrix = np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)
    np.save(build / SENTENCES, matrix)
    (build / ROWS).write_text(json.dumps(rows))


def grouped_sentence_vectors(
    chunks: Sequence[Chunk], rows: Sequence[list[Any]], sentences: Sequence[str], vectors: Sequence[list[float]]
) -> dict[str, np.ndarray]:
    """chunk id -> its sentences' vectors, from the distinct-sentence vectors of :func:`sentence_rows`."""
    by_text = {s: np.asarray(v, dtype=np.float32) for s, v in zip(sentences, vectors, strict=True)}
    grouped: dict[str, list[np.ndarray]] = {c.chunk_id: [] for c in chunks}
    for cid, _, text in rows:
        grouped[cid].append(by_text[text])
    dim = len(vectors[0]) if vectors else 0
    return {cid: np.stack(v) if v else np.zeros((0, dim), dtype=np.float32) for cid, v in grouped.items()}


def load_sentence_vectors(build: Path, *, mmap: bool = True) -> dict[str, np.ndarray]:
    """chunk id -> (n_sentences, dim) rows; slices of one memory-mapped matrix unless ``mmap`` is off."""
    try:
        rows = json.loads((build / ROWS).read_text())
        matrix = np.load(build / SENTENCES, mmap_mode="r" if mmap else None)
    except (OSError, ValueError) as err:
        raise IndexError_(
            f"Sentence vectors in {build} are missing or corrupt. Run `assistant index --rebuild`."
        ) from err
    if len(rows) != len(matrix):
        raise IndexError_(f"Sentence vectors in {build} do not match their rows. Run `assistant index --rebuild`.")
    spans: dict[str, list[int]] = {}
    for pos, (cid, _) in enumerate(rows):
        span = spans.setdefault(cid, [pos, pos])
        if span[1] != pos:  # rows of one chunk not together: an old layout; copy those rows
            return _gathered(rows, matrix)
        span[1] = pos + 1
    return {cid: matrix[a:b] for cid, (a, b) in spans.items()}


def _gathered(rows: Sequence[list[Any]], matrix: np.ndarray) -> dict[str, np.ndarray]:
    grouped: dict[str, list[int]] = {}
    for pos, (cid, _) in enumerate(rows):
        grouped.setdefault(cid, []).append(pos)
    return {cid: np.asarray(matrix[idx]) for cid, idx in grouped.items()}


def source_names(chunks: Sequence[Chunk], known: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Each source's names: ``known`` ones kept, the others found in their chunks (a union, as one scan)."""
    from assistant.answer.facts import NameBook

    by_source: dict[str, list[str]] = {}
    for c in chunks:
        if c.source not in known:
            by_source.setdefault(c.source, []).append(c.clean)
    found = {src: sorted(NameBook.from_texts(texts).names) for src, texts in by_source.items()}
    return {src: list(known[src]) for src in known if src in {c.source for c in chunks}} | found
