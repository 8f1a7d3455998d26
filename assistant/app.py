"""The one composition root: settings in, wired components out.

Everything heavy (torch, Chroma, llama.cpp) is imported from here down, on
first use, so that the CLI's edges stay fast and the unit tests can pass
fakes for any seam instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.config import Settings
from assistant.embeddings.base import Embedder
from assistant.embeddings.lazy import LazyEmbedder
from assistant.errors import ModelError
from assistant.indexing import (
    BuildResult,
    LoadedIndex,
    Progress,
    build_index,
    expected_manifest,
    files_fingerprint,
    load_corpus,
    open_index,
)
from assistant.ingest.chunk import ChunkParams
from assistant.ingest.loaders import corpus_files
from assistant.models.fetch import verify_model
from assistant.models.registry import REGISTRY
from assistant.retrieval.retriever import HybridRetriever
from assistant.types import Document


def chunk_params(settings: Settings) -> ChunkParams:
    c = settings.chunking
    return ChunkParams(c.max_chars, c.min_chars, c.overlap_sentences)


def resolve_model(name: str, settings: Settings, kind: str) -> tuple[Path | str, str]:
    """Registry name, local path or hub id -> (what to load, fingerprint)."""
    spec = REGISTRY.get(name)
    if spec is not None:
        if spec.kind != kind:
            raise ModelError(f"Model {name!r} is a {spec.kind} model, not a {kind} model.")
        if settings.models.verify:
            path = verify_model(spec, settings.models_dir)
        else:
            path = settings.models_dir / spec.filename
            if not path.exists():
                raise ModelError(f"Model {name} is not present in {settings.models_dir}. Run `assistant models fetch`.")
        return path, f"{name}:{spec.key_sha256 or spec.sha256}"
    local = Path(name).expanduser()
    if local.exists():
        files = [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
        stamp = sum(p.stat().st_size for p in files)
        return local.resolve(), f"path:{local.resolve()}:{stamp}"
    if "/" in name and not name.startswith((".", "/")):
        return name, f"hub:{name}"  # for machines that are online
    raise ModelError(f"Unknown model {name!r}: not a registry name ({', '.join(REGISTRY)}), a local path or a hub id.")


def build_embedder(settings: Settings) -> LazyEmbedder:
    """The configured embedder; its weights load on the first vector asked for."""
    from assistant.embeddings.sentence import SentenceTransformerEmbedder

    name = settings.models.embedding
    target, model_fp = resolve_model(name, settings, "embedding")
    e = settings.embedding
    # Prompts and the documents' precision change the vectors, so they are part of the index's identity.
    fingerprint = f"{model_fp}|q={e.query_prompt}|d={e.document_prompt}"
    if e.dtype != "float32":
        fingerprint += f"|{e.dtype}"
    spec = REGISTRY.get(name)

    def load() -> Embedder:
        return SentenceTransformerEmbedder(
            target,
            fingerprint=fingerprint,
            query_prompt=e.query_prompt,
            document_prompt=e.document_prompt,
            batch_size=e.batch_size,
            cache_size=e.cache_size,
            threads=settings.llm.n_threads,
            dtype=e.dtype,
        )

    return LazyEmbedder(load, Path(str(target)).name, fingerprint, spec.dim if spec else None)


def corpus_hash(settings: Settings) -> str:
    return files_fingerprint(corpus_files(settings.corpus_dir), settings.root)


def index_documents(settings: Settings, docs: Sequence[Document], embedder: Embedder, index_dir: Path) -> BuildResult:
    """A throwaway index of some documents (a SQuAD file's paragraphs) with the configured chunking."""
    from assistant.indexing import documents_fingerprint

    return build_index(index_dir, docs, embedder, chunk_params(settings), documents_fingerprint(docs))


def index_corpus(
    settings: Settings, embedder: Embedder, *, force: bool = False, progress: Progress | None = None
) -> BuildResult:
    docs = load_corpus(settings.corpus_dir, settings.root)
    kwargs = {"progress": progress} if progress else {}
    return build_index(
        settings.index_dir,
        docs,
        embedder,
        chunk_params(settings),
        corpus_hash(settings),
        force=force,
        chroma_url=settings.store.chroma_url,
        collection=settings.store.collection,
        **kwargs,
    )


def load_index(settings: Settings, embedder: Embedder) -> LoadedIndex:
    expected = expected_manifest(embedder, chunk_params(settings), corpus_hash(settings))
    return open_index(settings.index_dir, expected, chroma_url=settings.store.chroma_url)


def build_retriever(settings: Settings, embedder: Embedder | None = None) -> HybridRetriever:
    emb = embedder or build_embedder(settings)
    return HybridRetriever(load_index(settings, emb), emb, settings.retrieval)


def prime_llm(llm: object, settings: Settings) -> str | None:
    """Restore (or compute and save) the system prompt's KV state of a local model.

    Saves a cold ``assistant ask`` the ~2.5 s the fixed system prompt costs
    on 2 cores. The state lives beside the models, keyed by model file, context
    size and prompt text, so a changed prompt or model never reuses a stale one.
    """
    prime = getattr(llm, "prime", None)
    if prime is None:
        return None
    from assistant.answer.prompt import SYSTEM_PROMPT

    result: str = prime(SYSTEM_PROMPT, settings.models_dir / "kv-cache")
    return result
