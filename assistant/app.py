"""The one composition root: settings in, wired components out.

Everything heavy (torch, Chroma, llama.cpp) is imported from here down, on
first use, so that the CLI's edges stay fast and the unit tests can pass
fakes for any seam instead. Every edge (CLI, UI, eval, bench,
``Assistant.load``) gets its Assistant from :func:`build_assistant`, so
there is one place that decides how the parts fit together.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from assistant.answer.facts import NameBook
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
    open_index,
)
from assistant.ingest.chunk import ChunkParams
from assistant.ingest.scan import corpus_digest, scan_corpus
from assistant.llm.base import LLM
from assistant.llm.factory import make_llm
from assistant.models.fetch import models_lock, verify_model
from assistant.models.registry import REGISTRY
from assistant.retrieval.base import Retriever
from assistant.retrieval.retriever import HybridRetriever
from assistant.service import Assistant
from assistant.summaries import CorpusSummarizer
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


RUNTIMES = ("onnx", "torch")
BULK_RUNTIMES = ("onnx-int8", "torch")
# Documents per batch, measured on 2 cores with length-sorted texts: ONNX Runtime embeds 10 paragraphs/s
# in batches of 4 but 7.3/s in 16 and 4.2/s in 32; torch was fastest at 16 (against 4, 8 and 64); the
# int8 copy built XQuAD at 6.9 and 5.3 chunks/s in batches of 8 against 5.3 and 4.1 in 16.
ONNX_BATCH = 4
INT8_BATCH = 8
TORCH_BATCH = 16


def onnx_dir(settings: Settings, name: str, model_fp: str) -> Path:
    """Where the ONNX export of an embedding model lives: beside the downloaded models."""
    if name in REGISTRY:
        return settings.models_dir / f"{name}.onnx"
    digest = hashlib.sha256(model_fp.encode()).hexdigest()[:10]
    return settings.models_dir / f"{Path(name).name}-{digest}.onnx"


def current_onnx_export(settings: Settings) -> tuple[Path, dict[str, Any]]:
    """The embedding model's ONNX export and its metadata, or a ModelError saying what is wrong with it."""
    from assistant.embeddings.onnx import read_export

    _, model_fp = resolve_model(settings.models.embedding, settings, "embedding")
    folder = onnx_dir(settings, settings.models.embedding, model_fp)
    return folder, read_export(folder, model_fp)


def current_int8_copy(settings: Settings) -> tuple[Path, dict[str, Any]]:
    """The int8 copy for large builds and its metadata, or a ModelError saying what is wrong with it."""
    from assistant.embeddings.onnx_quant import int8_folder, read_int8

    fp32, meta = current_onnx_export(settings)
    folder = int8_folder(fp32)
    return folder, read_int8(folder, meta)


def _made_once(settings: Settings, read: Callable[[], dict[str, Any]], make: Callable[[], object]) -> dict[str, Any]:
    """``read()``, or ``make()`` first when that fails; a second process waits at the models lock instead of
    making the same thing again, then reads what the first one made."""
    with contextlib.suppress(ModelError):
        return read()
    with models_lock(settings.models_dir):
        with contextlib.suppress(ModelError):
            return read()
        make()
        return read()


def ensure_onnx(
    settings: Settings, target: Path | str, model_fp: str, progress: Callable[[str], None] = lambda _: None
) -> tuple[Path, dict[str, Any]]:
    """The current ONNX export of ``target`` and its metadata, exported first if it is missing or stale."""
    from assistant.embeddings.onnx import read_export
    from assistant.embeddings.onnx_export import export_onnx

    name = settings.models.embedding
    folder = onnx_dir(settings, name, model_fp)
    e = settings.embedding

    def make() -> None:
        if not isinstance(target, Path):
            msg = f"The ONNX runtime needs a local embedding model, not {name!r}: set embedding.runtime: torch."
            raise ModelError(msg)
        export_onnx(target, folder, source=model_fp, prompts=(e.query_prompt, e.document_prompt), progress=progress)

    return folder, _made_once(settings, lambda: read_export(folder, model_fp), make)


def ensure_int8(
    settings: Settings, fp32: Path, meta: dict[str, Any], progress: Callable[[str], None]
) -> tuple[Path, dict[str, Any]]:
    """The int8 copy of the ONNX export ``fp32`` (metadata ``meta``) for large builds, made first if it is
    missing or stale."""
    from assistant.embeddings.onnx_quant import int8_folder, quantize_export, read_int8

    folder = int8_folder(fp32)
    e = settings.embedding

    def make() -> None:
        quantize_export(fp32, meta, folder, prompts=(e.query_prompt, e.document_prompt), progress=progress)

    return folder, _made_once(settings, lambda: read_int8(folder, meta), make)


def uses_int8(settings: Settings) -> bool:
    e = settings.embedding
    return e.runtime == "onnx" and e.bulk_threshold > 0 and e.bulk_runtime == "onnx-int8"


def prepare_onnx(settings: Settings, progress: Callable[[str], None] = lambda _: None) -> list[Path]:
    """Export the embedding model to ONNX, and its int8 copy for large builds when configured, unless
    current ones exist (`assistant models fetch`)."""
    if settings.embedding.runtime != "onnx":
        return []
    target, model_fp = resolve_model(settings.models.embedding, settings, "embedding")
    folder, meta = ensure_onnx(settings, target, model_fp, progress)
    if not uses_int8(settings):
        return [folder]
    try:
        return [folder, ensure_int8(settings, folder, meta, progress)[0]]
    except ModelError as err:  # an optimisation: large builds then stay on the float32 export
        progress(f"warning: {err} Large builds use the float32 export instead.")
        return [folder]


def build_embedder(settings: Settings) -> LazyEmbedder:
    """The configured embedder; its weights load on the first vector asked for."""
    name = settings.models.embedding
    target, model_fp = resolve_model(name, settings, "embedding")
    e = settings.embedding
    if e.runtime not in RUNTIMES:
        raise ModelError(f"embedding.runtime must be one of {', '.join(RUNTIMES)}, not {e.runtime!r}.")
    if e.bulk_runtime not in BULK_RUNTIMES:
        raise ModelError(f"embedding.bulk_runtime must be one of {', '.join(BULK_RUNTIMES)}, not {e.bulk_runtime!r}.")
    # The model and the prompts change the vectors, so they are the index's identity. The runtime and the
    # documents' precision are not: ONNX and torch agree to a cosine of 0.9999 in float32, bfloat16
    # autocast to 0.99997 and the int8 copy to 0.97-0.98, each with the same retrieval
    # (evals/results/embedding-dtype-2026-11-28.md, onnx-int8-2026-11-29.md).
    fingerprint = f"{model_fp}|q={e.query_prompt}|d={e.document_prompt}"
    spec = REGISTRY.get(name)

    # What both runtimes are built with; each has its own measured batch size.
    common: dict[str, Any] = {
        "fingerprint": fingerprint,
        "query_prompt": e.query_prompt,
        "document_prompt": e.document_prompt,
        "cache_size": e.cache_size,
        "threads": settings.llm.n_threads,
    }

    def load_torch() -> Embedder:
        from assistant.embeddings.sentence import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(target, batch_size=e.batch_size or TORCH_BATCH, dtype=e.dtype, **common)

    def load_onnx() -> Embedder:
        from assistant.embeddings.onnx import OnnxEmbedder
        from assistant.embeddings.routed import RoutedEmbedder

        def say(msg: str) -> None:
            print(msg, file=sys.stderr, flush=True)

        folder, meta = ensure_onnx(settings, target, model_fp, say)
        fast = OnnxEmbedder(folder, meta, batch_size=e.batch_size or ONNX_BATCH, **common)
        if not e.bulk_threshold:
            return fast

        def load_int8() -> Embedder:
            int8, int8_meta = ensure_int8(settings, folder, meta, say)
            return OnnxEmbedder(int8, int8_meta, batch_size=e.batch_size or INT8_BATCH, **common)

        if e.bulk_runtime == "torch":
            return RoutedEmbedder(fast, load_torch, e.bulk_threshold, note="loading torch (about 10 s)")
        return RoutedEmbedder(fast, load_int8, e.bulk_threshold, note="opening the int8 model (about 1 s)")

    load = load_onnx if e.runtime == "onnx" else load_torch
    return LazyEmbedder(load, Path(str(target)).name, fingerprint, spec.dim if spec else None)


def corpus_hash(settings: Settings) -> str:
    return corpus_digest(scan_corpus(settings.corpus_dir, settings.root))


def index_documents(settings: Settings, docs: Sequence[Document], embedder: Embedder, index_dir: Path) -> BuildResult:
    """A throwaway index of some documents (a SQuAD file's paragraphs) with the configured chunking."""
    from assistant.indexing import documents_fingerprint

    return build_index(index_dir, docs, embedder, chunk_params(settings), documents_fingerprint(docs))


def index_corpus(
    settings: Settings,
    embedder: Embedder,
    *,
    force: bool = False,
    progress: Progress | None = None,
    llm: LLM | None = None,
    defer_summaries: bool = False,
) -> BuildResult:
    """Build the corpus's index, reusing the active build for unchanged files. Unreadable files are
    skipped and listed in the result. With ``answer.summaries: llm`` and an ``llm``, the build quotes the
    new documents' summaries and the model rewrites them once the index is live (:func:`write_model_summaries`;
    ``defer_summaries`` leaves that to the caller, as the UI does so an upload answers sooner)."""
    sources = scan_corpus(settings.corpus_dir, settings.root)
    mode = settings.answer.summaries
    quoting = None
    if mode != "off":  # llm_max=0: quote what changed, keep every other summary whoever wrote it
        quoting = CorpusSummarizer(
            None,
            embedder.embed_query,
            min_support=settings.answer.min_support,
            llm_max=0 if mode == "llm" else None,
        )
    result = build_index(
        settings.index_dir,
        sources,
        embedder,
        chunk_params(settings),
        corpus_digest(sources),
        force=force,
        chroma_url=settings.store.chroma_url,
        collection=settings.store.collection,
        progress=progress or (lambda _m, _f: None),
        summarize=quoting,
        summaries=mode,
    )
    if mode != "llm" or llm is None or defer_summaries or not result.built:
        return result
    t0 = time.perf_counter()
    written = write_model_summaries(settings, embedder, llm)
    return dataclasses.replace(result, summaries_written=written, summaries_seconds=time.perf_counter() - t0)


def write_model_summaries(settings: Settings, embedder: Embedder, llm: LLM) -> int:
    """The model's summaries of the documents the current build read anew (up to ``answer.summaries_llm_max``)."""
    from assistant.indexing import read_manifest
    from assistant.summaries import rewrite

    index = open_index(settings.index_dir, None, chroma_url=settings.store.chroma_url)
    summarizer = CorpusSummarizer(
        llm,
        embedder.embed_query,
        min_support=settings.answer.min_support,
        llm_max=settings.answer.summaries_llm_max,
    )
    chunks = sorted(index.chunks.values(), key=lambda c: (c.source, c.order))
    loaded = read_manifest(index.path).get("loaded", [])
    return rewrite(index.path, chunks, index.sentence_vectors, summarizer, only=set(loaded))


def load_index(settings: Settings, embedder: Embedder) -> LoadedIndex:
    expected = expected_manifest(
        embedder,
        chunk_params(settings),
        corpus_hash(settings),
        summaries=settings.answer.summaries,
        chroma_url=settings.store.chroma_url,
    )
    return open_index(settings.index_dir, expected, chroma_url=settings.store.chroma_url)


def build_retriever(settings: Settings, embedder: Embedder | None = None) -> HybridRetriever:
    emb = embedder or build_embedder(settings)
    return HybridRetriever(load_index(settings, emb), emb, settings.retrieval)


class Extractive(enum.Enum):
    """The type of :data:`EXTRACTIVE`, build_assistant's explicit "no LLM"."""

    EXTRACTIVE = "extractive"


#: ``build_assistant(settings, llm=EXTRACTIVE)``: answer with quoted sentences, whatever ``llm.backend`` says.
#: Why a sentinel and not None: None already means "the configured LLM", and a caller that holds the
#: result of ``make_llm`` (None for the extractive backend) must be able to say "none" on purpose.
EXTRACTIVE: Final = Extractive.EXTRACTIVE


def build_assistant(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    llm: LLM | Extractive | None = None,
    retriever: Retriever | None = None,
    names: NameBook | None = None,
) -> Assistant:
    """The Assistant for ``settings``.

    ``llm``: None makes the configured one (:func:`assistant.llm.factory.make_llm`, which is itself
    None for the extractive backend); :data:`EXTRACTIVE` means no LLM; an LLM is used as given.
    ``retriever`` shares one that is already open (the UI keeps one per index), and ``names`` the
    name book built for it; otherwise the index is opened with ``embedder`` (default: the configured
    one). A retriever and an embedder together would leave the embedder unused, so that is an error.
    """
    if retriever is not None and embedder is not None:
        raise TypeError("build_assistant takes a retriever or an embedder, not both")
    if retriever is None:
        retriever = build_retriever(settings, embedder)
    if isinstance(llm, Extractive):
        model: LLM | None = None
    elif llm is None:
        model = make_llm(settings)
    else:
        model = llm
    if names is None and isinstance(retriever, HybridRetriever):
        names = retriever.name_book()  # saved with the build: no scan of every chunk
    return Assistant(settings, retriever, model, names=names)


def prime_llm(llm: LLM | None, settings: Settings) -> str | None:
    """Restore (or compute and save) the system prompt's KV state of a local model.

    Saves a cold ``assistant ask`` the ~2.5 s the fixed system prompt costs
    on 2 cores. The state lives beside the models, keyed by model file, context
    size and prompt text, so a changed prompt or model never reuses a stale one.
    """
    if llm is None:
        return None
    from assistant.answer.prompt import SYSTEM_PROMPT

    return llm.warm_up(SYSTEM_PROMPT, settings.models_dir / "kv-cache")
