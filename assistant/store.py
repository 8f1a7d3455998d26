"""The Chroma seam: an embedded PersistentClient on disk, or a Chroma server.

Chroma never embeds text here: every add and query passes vectors, and the
collection is created with no embedding function, so nothing can try to
download a default model. Telemetry is off.

On a server, builds share a collection and each sees its own version of it
(a *lineage*): see :class:`ChromaStore`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from assistant.errors import IndexError_
from assistant.types import Chunk, Hit


class Store(Protocol):
    """What the index needs from a vector store: chunks in with their vectors, nearest chunks out.

    ``tests/contract.py``'s ``check_store_contract`` says what each method
    must do; Chroma, embedded or a server, is the one implementation.
    """

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]], batch: int = 256) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def count(self) -> int: ...

    def all_chunks(self) -> list[Chunk]:
        """Every chunk, sorted by source and offsets."""
        ...

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]: ...

    def query(self, vector: Sequence[float], k: int) -> list[Hit]:
        """The ``k`` nearest chunks, best first, scored by cosine."""
        ...


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def open_client(path: Path | None = None, url: str = "") -> Any:
    """An embedded client on ``path``, or an HTTP client when ``url`` is set."""
    import chromadb

    if url:
        u = urlparse(url if "://" in url else f"http://{url}")
        return chromadb.HttpClient(
            host=u.hostname or "127.0.0.1",
            port=u.port or 8000,
            ssl=u.scheme == "https",
            settings=_chroma_settings(),
        )
    if path is None:
        raise ValueError("an embedded store needs a path")
    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def new_generation() -> int:
    """A build's generation: random, not a clock, so that two builds started at once never share one."""
    return secrets.randbits(48) + 1


def _chunk_from(cid: str, doc: str | None, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=str(meta.get("chunk_id", cid)),
        doc_id=str(meta.get("doc_id", "")),
        source=str(meta.get("source", "")),
        section=str(meta.get("section", "")),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        text=doc or "",
        clean=str(meta.get("clean", doc or "")),
        order=int(meta.get("order", 0)),
        sentences=str(meta.get("sentences", "[]")),
    )


class ChromaStore:
    """One collection of chunks with their vectors, or one build's version of a shared collection.

    Why versions: on a Chroma server there is no cheap copy of a collection
    (forking is Chroma Cloud's), and writing every kept vector into a fresh
    collection cost an incremental build 25 s per 10,000 chunks. So the
    builds of one lineage share a collection. Each record carries the
    generation that added it (``born``) and the one that retired it
    (``died``), and a store opened with a ``lineage`` (the generations of a
    build and of the builds it grew from, its own last) sees a record when
    it was born in that lineage and not retired in it. A new build adds its
    chunks and retires its parent's changed ones; its parent, still being
    read by running servers, sees none of it, and a build killed half-way
    leaves records of a generation that no lineage holds. Records no kept
    build can see are collected when builds are pruned (:meth:`collect`).

    Two builds started at once from the same parent that retire the same
    chunk overwrite each other's ``died``; builds are meant to run one at a
    time, as the CLI and the UI run them.
    """

    def __init__(
        self, client: Any, collection: str, *, create: bool = False, lineage: Sequence[int] | None = None
    ) -> None:
        self._client = client
        self.name = collection
        self.lineage: tuple[int, ...] = tuple(lineage or ())
        try:
            if create:
                self._col = client.create_collection(
                    collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
                )
            else:
                self._col = client.get_collection(collection, embedding_function=None)
        except Exception as err:  # chromadb raises several unrelated types here
            raise IndexError_(
                f"Chroma collection {collection!r} cannot be opened ({err.__class__.__name__}). "
                "Run `assistant index --rebuild`."
            ) from err

    @property
    def generation(self) -> int | None:
        return self.lineage[-1] if self.lineage else None

    def _where(self, **also: Any) -> dict[str, Any] | None:
        """The filter of this version (and of ``also``, e.g. ``chunk_id={"$in": ids}``); None: the whole collection."""
        terms: list[dict[str, Any]] = [{k: v} for k, v in also.items()]
        if self.lineage:
            gens = list(self.lineage)
            terms += [{"born": {"$in": gens}}, {"died": {"$nin": gens}}]
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else {"$and": terms}

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]], batch: int = 256) -> None:
        g = self.generation
        for i in range(0, len(chunks), batch):
            part = chunks[i : i + batch]
            metas: list[dict[str, Any]] = [c.to_meta() for c in part]
            if g is not None:
                metas = [{**m, "chunk_id": c.chunk_id, "born": g, "died": 0} for m, c in zip(metas, part, strict=True)]
            self._col.add(
                ids=[c.chunk_id if g is None else f"{c.chunk_id}@{g}" for c in part],
                embeddings=[list(v) for v in vectors[i : i + batch]],
                documents=[c.text for c in part],
                metadatas=metas,
            )

    def delete(self, ids: Sequence[str], batch: int = 512) -> None:
        """Drop these chunks (an incremental build's changed and removed sources); unknown ids are ignored.

        In a version, the chunks are retired by this generation: older builds still see them.
        """
        for i in range(0, len(ids), batch):
            part = list(ids[i : i + batch])
            if self.generation is None:
                self._col.delete(ids=part)
                continue
            records = self._col.get(where=self._where(chunk_id={"$in": part}), include=[])["ids"]
            if records:
                self._col.update(ids=records, metadatas=[{"died": self.generation}] * len(records))

    def collect(self, kept: Sequence[Sequence[int]]) -> None:
        """Delete the records that none of the ``kept`` lineages sees (a pruned build's, a killed build's)."""
        if not kept:
            return
        born = sorted({g for lineage in kept for g in lineage})
        self._col.delete(where={"born": {"$nin": born}})
        common = set(kept[0]).intersection(*map(set, kept[1:]))
        if common:  # retired in every kept lineage
            self._col.delete(where={"died": {"$in": sorted(common)}})

    def count(self) -> int:
        if self.generation is None:
            return int(self._col.count())
        return len(self._col.get(where=self._where(), include=[])["ids"])

    def all_chunks(self) -> list[Chunk]:
        got = self._col.get(where=self._where(), include=["documents", "metadatas"])
        chunks = [
            _chunk_from(cid, doc, dict(meta or {}))
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: (c.source, c.start, c.end))

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vectors of these chunks, by id; ids the store lacks are left out.

        A build that moves to another store copies the kept chunks' vectors into it with them.
        """
        if not ids:
            return {}
        if self.generation is None:
            got = self._col.get(ids=list(ids), include=["embeddings"])
            keys = [str(cid) for cid in got["ids"]]
        else:
            got = self._col.get(where=self._where(chunk_id={"$in": list(ids)}), include=["embeddings", "metadatas"])
            keys = [str(dict(m or {}).get("chunk_id", "")) for m in got["metadatas"]]
        return {cid: [float(x) for x in vec] for cid, vec in zip(keys, got["embeddings"], strict=True)}

    def drop(self) -> None:
        """Delete the whole collection (a pruned build's, on a server)."""
        self._client.delete_collection(self.name)

    def query(self, vector: Sequence[float], k: int) -> list[Hit]:
        # In a version, Chroma returns fewer than k when fewer match: no count first.
        n = k if self.generation is not None else min(k, self.count())
        if n <= 0:
            return []
        res = self._col.query(
            query_embeddings=[list(vector)],
            n_results=n,
            where=self._where(),
            include=["documents", "metadatas", "distances"],
        )
        hits: list[Hit] = []
        for cid, doc, meta, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        ):
            score = 1.0 - float(dist)
            hits.append(Hit(_chunk_from(cid, doc, dict(meta or {})), score, dense_score=score))
        return hits
