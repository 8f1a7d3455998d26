"""Keyword search over chunks with BM25 (bm25s), persisted next to the dense index.

Dense retrieval misses exact names, numbers and codes ("124 Milliarden",
"P-8A"); BM25 over the German analyzer catches them.  bm25s is used only as
a scorer: we hand it our own token lists (so the analyzer is the single
place that decides what a term is) and read raw scores back, instead of
using its ``retrieve``, which refuses ``k`` larger than the corpus and
prints progress bars. The score matrix is memory-mapped when loaded, so a
large corpus costs page cache rather than resident memory.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from assistant.errors import IndexError_
from assistant.text.analyzer import ANALYZER_VERSION, tokenize

_MANIFEST = "bm25_store.json"
_FORMAT = 1
_REBUILD_HINT = "run `assistant index --rebuild`"


class BM25Store:
    """A BM25 index whose results are chunk ids, not bm25s row numbers."""

    def __init__(self, ids: list[str], retriever: Any | None) -> None:
        """Prefer ``build``/``load``; ``retriever`` is None when no chunk has a term.

        bm25s cannot index a corpus without a single term (it divides by the
        average document length), so that case is kept as "matches nothing".
        """
        self._ids = ids
        self._retriever = retriever
        self._vocab: dict[str, int] = {} if retriever is None else retriever.vocab_dict

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> BM25Store:
        """Index ``texts`` under ``ids`` (same order, ids unique)."""
        if len(ids) != len(texts):
            raise ValueError(f"got {len(ids)} ids for {len(texts)} texts")
        return cls.from_tokens(ids, [tokenize(text) for text in texts])

    @classmethod
    def from_tokens(cls, ids: Sequence[str], corpus: Sequence[list[str]]) -> BM25Store:
        """Index already analysed texts (an incremental build keeps the unchanged chunks' tokens)."""
        if len(ids) != len(corpus):
            raise ValueError(f"got {len(ids)} ids for {len(corpus)} token lists")
        if len(set(ids)) != len(ids):
            raise ValueError("chunk ids must be unique")
        if not any(corpus):
            return cls(list(ids), None)
        retriever = bm25s.BM25()
        # No empty-token entry: our queries never contain "", and without it
        # the vocabulary maps one-to-one onto the score matrix columns.
        retriever.index(corpus, create_empty_token=False, show_progress=False)
        return cls(list(ids), retriever)

    def __len__(self) -> int:
        return len(self._ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Best ``k`` (chunk id, score) pairs with a score above zero, best first.

        Repeated query terms count once: in a short question they come from
        the analyzer collapsing inflections ("Drohne, Drohnen"), not from the
        user stressing a word.  Equal scores keep corpus order, so results are
        reproducible.
        """
        k = min(k, len(self._ids))
        if k <= 0 or self._retriever is None:
            return []
        term_ids = [self._vocab[t] for t in dict.fromkeys(tokenize(query)) if t in self._vocab]
        if not term_ids:
            return []
        scores = np.asarray(self._retriever.get_scores_from_ids(term_ids), dtype=np.float64)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self._ids[i], float(scores[i])) for i in order if scores[i] > 0.0]

    def save(self, directory: Path) -> None:
        """Write the index into ``directory`` (which the caller provides fresh)."""
        directory.mkdir(parents=True, exist_ok=True)
        if self._retriever is not None:
            self._retriever.save(str(directory), show_progress=False)
        manifest = {
            "format": _FORMAT,
            "analyzer": ANALYZER_VERSION,
            "ids": self._ids,
            "empty": self._retriever is None,
        }
        # Written last, so a save that died halfway leaves no manifest and
        # ``load`` reports it instead of serving a partial index.
        (directory / _MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Store:
        """Read an index written by ``save``; any damage raises ``IndexError_``."""
        manifest = _read_manifest(directory)
        ids: list[str] = manifest["ids"]
        if manifest["empty"]:
            return cls(ids, None)
        try:
            retriever = bm25s.BM25.load(str(directory), load_corpus=False, mmap=True, show_progress=False)
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            raise _corrupt(directory, f"cannot read bm25s files: {exc}") from exc
        _check_consistent(directory, retriever, len(ids))
        return cls(ids, retriever)


def _corrupt(directory: Path, reason: str) -> IndexError_:
    return IndexError_(f"BM25 index in {directory} is unusable ({reason}); {_REBUILD_HINT}.")


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / _MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise _corrupt(directory, f"{_MANIFEST} is missing") from exc
    except (OSError, ValueError) as exc:
        raise _corrupt(directory, f"{_MANIFEST} is unreadable: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        raise _corrupt(directory, f"{_MANIFEST} has an unknown format")
    if manifest.get("analyzer") != ANALYZER_VERSION:
        raise _corrupt(
            directory,
            f"built with analyzer {manifest.get('analyzer')!r}, this version uses {ANALYZER_VERSION!r}",
        )
    ids = manifest.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _corrupt(directory, f"{_MANIFEST} has no valid chunk id list")
    if not isinstance(manifest.get("empty"), bool):
        raise _corrupt(directory, f"{_MANIFEST} lacks the 'empty' flag")
    return manifest


def _check_consistent(directory: Path, retriever: Any, n_ids: int) -> None:
    """Catch files from different builds mixed in one directory."""
    scores = retriever.scores
    vocab = retriever.vocab_dict
    if scores.get("num_docs") != n_ids:
        raise _corrupt(directory, f"index has {scores.get('num_docs')} rows for {n_ids} ids")
    if not isinstance(vocab, dict) or not vocab:
        raise _corrupt(directory, "vocabulary is empty")
    n_terms = len(scores["indptr"]) - 1
    if any(not isinstance(v, int) or not 0 <= v < n_terms for v in vocab.values()):
        raise _corrupt(directory, "vocabulary does not match the score matrix")
    data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
    damaged = (
        len(data) != len(indices)
        or (len(indptr) > 0 and int(indptr[-1]) != len(data))
        or bool(np.any(np.diff(indptr) < 0))
        or (len(indices) > 0 and not 0 <= int(indices.min()) <= int(indices.max()) < n_ids)
        or not math.isfinite(float(np.sum(data)))
    )
    if damaged:
        raise _corrupt(directory, "score matrix is damaged")
