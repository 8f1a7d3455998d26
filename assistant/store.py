"""The Chroma seam: an embedded PersistentClient on disk, or a Chroma server.

Chroma never embeds text here: every add and query passes vectors, and the
collection is created with no embedding function, so nothing can try to
download a default model. Telemetry is off.
"""

from __future__ import annotations

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


def _chunk_from(cid: str, doc: str | None, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=cid,
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
    """One collection of chunks with their vectors."""

    def __init__(self, client: Any, collection: str, *, create: bool = False) -> None:
        self._client = client
        self.name = collection
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

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]], batch: int = 256) -> None:
        for i in range(0, len(chunks), batch):
            part = chunks[i : i + batch]
            self._col.add(
                ids=[c.chunk_id for c in part],
                embeddings=[list(v) for v in vectors[i : i + batch]],
                documents=[c.text for c in part],
                metadatas=[c.to_meta() for c in part],
            )

    def delete(self, ids: Sequence[str], batch: int = 512) -> None:
        """Drop these chunks (an incremental build's changed and removed sources); unknown ids are ignored."""
        for i in range(0, len(ids), batch):
            self._col.delete(ids=list(ids[i : i + batch]))

    def count(self) -> int:
        return int(self._col.count())

    def all_chunks(self) -> list[Chunk]:
        got = self._col.get(include=["documents", "metadatas"])
        chunks = [
            _chunk_from(cid, doc, dict(meta or {}))
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: (c.source, c.start, c.end))

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vectors of these chunks, by id; ids the store lacks are left out.

        An incremental build on a Chroma server copies the kept chunks'
        vectors into the new collection with them.
        """
        if not ids:
            return {}
        got = self._col.get(ids=list(ids), include=["embeddings"])
        return {str(cid): [float(x) for x in vec] for cid, vec in zip(got["ids"], got["embeddings"], strict=True)}

    def drop(self) -> None:
        """Delete the whole collection (a pruned build's, on a server)."""
        self._client.delete_collection(self.name)

    def query(self, vector: Sequence[float], k: int) -> list[Hit]:
        n = min(k, self.count())
        if n <= 0:
            return []
        res = self._col.query(
            query_embeddings=[list(vector)], n_results=n, include=["documents", "metadatas", "distances"]
        )
        hits: list[Hit] = []
        for cid, doc, meta, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        ):
            score = 1.0 - float(dist)
            hits.append(Hit(_chunk_from(cid, doc, dict(meta or {})), score, dense_score=score))
        return hits
