"""Contracts every implementation of a seam must pass, run against fakes and real ones alike:
the LLM backends, the Answer they lead to, the Embedder and the vector store."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from assistant.embeddings.base import Embedder
from assistant.llm.base import LLM, Message, Sampling, complete
from assistant.store import Store
from assistant.types import Chunk

PROMPT = [
    Message("system", "You are terse."),
    Message("user", "Passages:\n[1] Der Haushalt beträgt 124 Milliarden Euro.\n\nQuestion: Wie hoch ist der Haushalt?"),
]


def check_llm_contract(llm: LLM) -> None:
    assert isinstance(llm, LLM)
    assert isinstance(llm.backend, str) and llm.backend
    assert isinstance(llm.model, str) and llm.model
    pieces = list(llm.stream(PROMPT, max_tokens=24))
    assert pieces, "a backend must stream at least one piece"
    assert all(isinstance(p, str) for p in pieces)
    text = "".join(pieces)
    assert text.strip()
    again = complete(llm, PROMPT, max_tokens=24)
    assert isinstance(again, str) and again.strip()
    # The answer step's second opinion: a sampled reply (with a fixed seed) must work on every backend.
    sampled = complete(llm, PROMPT, max_tokens=24, sampling=Sampling())
    assert isinstance(sampled, str) and sampled.strip()


def check_answer_contract(answer: object, original_text: str) -> None:
    """What every backend's Answer must satisfy, whatever the model said."""
    from assistant.answer.model import Answer

    assert isinstance(answer, Answer)
    d = answer.to_dict()
    assert set(d) == {"question", "answer", "language", "refused", "reason", "citations", "passages", "backend",
                      "model", "timings_ms"}  # fmt: skip
    assert isinstance(d["reason"], str) and (d["reason"] or not d["refused"]), "a refusal says which check refused"
    assert d["language"] in {"de", "en"} and isinstance(d["refused"], bool) and d["answer"].strip()
    for c in d["citations"]:
        assert set(c) == {"n", "chunk_id", "source", "section", "start", "end", "quote"}
        assert original_text[c["start"] : c["end"]] == c["quote"]
    for p in d["passages"]:
        assert original_text[p["start"] : p["end"]] == p["text"]
    if not d["refused"]:
        assert d["citations"], "a non-refused answer carries at least one citation"


# -- the Embedder ---------------------------------------------------------------------------------------------------
EMBED_QUERY = "Wie hoch ist der Verteidigungshaushalt 2026?"
# Not in length order, so that a runtime that sorts texts by length must put its vectors back in the caller's order.
EMBED_TEXTS = (
    "Brot wird aus Mehl, Wasser und Hefe gebacken; der Teig muss eine Stunde ruhen, bevor er in den Ofen kommt.",
    "Der Verteidigungshaushalt steigt 2026 auf 124 Milliarden Euro.",  # the one that answers EMBED_QUERY
    "Island trat bei.",
)
ANSWERING = 1


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


def _check_vectors(vectors: object, count: int, dim: int) -> None:
    assert isinstance(vectors, list) and len(vectors) == count
    for vec in vectors:
        assert isinstance(vec, list) and len(vec) == dim, "one list of `dim` floats per text"
        assert all(isinstance(x, float) and math.isfinite(x) for x in vec)
        assert math.sqrt(sum(x * x for x in vec)) == pytest.approx(1.0, abs=1e-3), "vectors are L2-normalised"


def check_embedder_contract(emb: Embedder, *, consistency: float = 0.999) -> None:
    """What the index build and the retriever rely on, whatever the runtime (assistant/embeddings/base.py).

    ``consistency``: the least cosine between a text's vector embedded alone and in a batch with others.
    Float32 runtimes give the same vector either way; the int8 copy's dynamic quantisation scales each
    batch as a whole, so there a text's vector moves with its batch-mates (0.98, its distance to float32).
    """
    assert isinstance(emb, Embedder)
    name, fingerprint, dim = emb.name, emb.fingerprint, emb.dim
    assert isinstance(name, str) and name
    assert isinstance(fingerprint, str) and fingerprint
    assert isinstance(dim, int) and not isinstance(dim, bool) and dim > 0
    assert emb.warm_up() is None  # returns at once; the embedder is usable after it

    docs = emb.embed_documents(list(EMBED_TEXTS))
    _check_vectors(docs, len(EMBED_TEXTS), dim)
    assert emb.embed_documents([]) == []
    # One vector per text in the caller's order, whatever batching or sorting happens inside:
    # each is closest to its own text embedded alone, and close enough to it.
    alone = [emb.embed_documents([text])[0] for text in EMBED_TEXTS]
    for batch in (docs, list(reversed(emb.embed_documents(list(reversed(EMBED_TEXTS)))))):
        for i, vec in enumerate(batch):
            sims = [_cosine(vec, a) for a in alone]
            assert max(range(len(sims)), key=sims.__getitem__) == i, f"vector {i} is another text's: {sims}"
            assert sims[i] >= consistency, f"text {i} alone and in a batch: cosine {sims[i]:.5f}"

    query = emb.embed_query(EMBED_QUERY)
    _check_vectors([query], 1, dim)
    assert _cosine(emb.embed_query(EMBED_QUERY), query) >= 0.9999, "the same query gets the same vector"
    sims = [_cosine(query, d) for d in docs]
    assert max(range(len(sims)), key=sims.__getitem__) == ANSWERING, f"the answering text is closest: {sims}"

    # The runtime for a small job: an Embedder with the same identity and the same vectors.
    heard: list[object] = []
    runtime = emb.runtime(len(EMBED_TEXTS), heard.append)
    assert isinstance(runtime, Embedder)
    assert (runtime.name, runtime.fingerprint, runtime.dim) == (name, fingerprint, dim)
    again = runtime.embed_documents(list(EMBED_TEXTS))
    assert all(_cosine(a, b) >= 0.999 for a, b in zip(again, docs, strict=True))
    assert all(isinstance(note, str) and note for note in heard)
    # Embedding never changes the identity that the index manifest records.
    assert (emb.name, emb.fingerprint, emb.dim) == (name, fingerprint, dim)


# -- the store ------------------------------------------------------------------------------------------------------
OpenStore = Callable[[str, bool], Store]  # (collection, create) -> a store on a fresh connection


def contract_chunks() -> tuple[list[Chunk], list[list[float]]]:
    """Five chunks of two sources, in no particular order, with every field set; unit vectors of dimension 8."""
    spans = "[[0, 30, 10, 40], [31, 60, 41, 70]]"
    chunks = [
        Chunk("b-2", "doc-b", "corpus/b.txt", "Öffnungszeiten", 700, 1300, "Dienstag bis Freitag\n10–18 Uhr.",
              "Dienstag bis Freitag 10–18 Uhr.", 2, spans),
        Chunk("a-0", "doc-a", "corpus/a.txt", "", 0, 650, "Der Haushalt: 124 Mrd. €.", "Der Haushalt: 124 Mrd. €.",
              0, "[]"),
        Chunk("b-0", "doc-b", "corpus/b.txt", "Geschichte", 0, 640, "„Gegründet 1908“ – 412 Bücher.",
              "„Gegründet 1908“ – 412 Bücher.", 0, spans),
        Chunk("a-1", "doc-a", "corpus/a.txt", "Partner", 600, 1200, "Island trat bei.", "Island trat bei.", 1, "[]"),
        Chunk("b-1", "doc-b", "corpus/b.txt", "Geschichte", 600, 1250, "Umzug 1961.", "Umzug 1961.", 1, spans),
    ]  # fmt: skip
    rng = np.random.default_rng(7)
    raw = rng.normal(size=(len(chunks), 8))
    vectors = (raw / np.linalg.norm(raw, axis=1, keepdims=True)).tolist()
    return chunks, vectors


def check_store_contract(open_store: OpenStore) -> None:
    """What indexing and retrieval rely on from the vector store (assistant/store.py), embedded or on a server."""
    from assistant.errors import IndexError_

    name = f"contract-{uuid.uuid4().hex[:12]}"
    with pytest.raises(IndexError_, match="assistant index --rebuild"):
        open_store(name, False)  # no such collection: a clear error, not an empty store
    store = open_store(name, True)
    chunks, vectors = contract_chunks()
    assert store.count() == 0 and store.all_chunks() == [] and store.query(vectors[0], 3) == []
    assert store.vectors([]) == {} and store.vectors([chunks[0].chunk_id]) == {}

    store.add(chunks, vectors, batch=2)  # in several batches
    assert store.count() == len(chunks)
    # Every field comes back as it went in, sorted by (source, start, end).
    assert store.all_chunks() == sorted(chunks, key=lambda c: (c.source, c.start, c.end))
    by_id = dict(zip((c.chunk_id for c in chunks), vectors, strict=True))
    got = store.vectors([*by_id, "no-such-chunk"])
    assert set(got) == set(by_id), "ids the store lacks are left out"
    for cid, vec in got.items():
        assert all(isinstance(x, float) for x in vec)
        assert vec == pytest.approx(by_id[cid], abs=1e-6)
    assert set(store.vectors(["b-1"])) == {"b-1"}

    for chunk, vec in zip(chunks, vectors, strict=True):
        hits = store.query(vec, 3)
        assert len(hits) == 3
        assert hits[0].chunk == chunk and hits[0].score == pytest.approx(1.0, abs=1e-4), "its own vector finds it"
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        for h in hits:  # the score is the cosine similarity, and it is the dense score
            assert h.dense_score == h.score and h.bm25_score is None
            assert h.score == pytest.approx(_cosine(vec, by_id[h.chunk.chunk_id]), abs=1e-4)
    assert len(store.query(vectors[0], 50)) == len(chunks)  # k beyond the count: every chunk once
    assert store.query(vectors[0], 0) == []

    again = open_store(name, False)  # another connection (a new process, a restarted replica) sees the same data
    assert again.count() == len(chunks) and again.all_chunks() == store.all_chunks()
    with pytest.raises(IndexError_):
        open_store(name, True)  # a build never writes into an existing collection

    # An incremental build deletes a changed source's chunks: they are gone from every read, the rest stay.
    gone = [c.chunk_id for c in chunks if c.source == "corpus/a.txt"]
    again.delete([*gone, "no-such-chunk"])
    left = sorted((c for c in chunks if c.chunk_id not in gone), key=lambda c: (c.source, c.start, c.end))
    assert store.count() == len(left) and store.all_chunks() == left
    assert store.vectors(gone) == {}
    assert {h.chunk.chunk_id for h in store.query(vectors[0], 50)} == {c.chunk_id for c in left}
