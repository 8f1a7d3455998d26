"""EmbeddingGemma (or any sentence-transformers folder) on the CPU.

torch and sentence-transformers are imported here and only here, lazily,
so ``assistant --help`` and the unit tests never pay for them. Documents
are sorted by length before batching so that padding stays small, and
query vectors are cached because users repeat and rephrase questions.

Documents (index builds) are embedded under bfloat16 autocast by default:
on a CPU with AVX-512 BF16 (or AMX) that is 1.76x faster than float32,
and the vectors agree with float32 ones to a cosine of 0.99997 on
average, with the same XQuAD hit@1 and MRR
(evals/results/embedding-dtype-2026-11-28.md). The weights stay float32
and queries run in float32: converting the weights to bfloat16 would be
a little faster still (1.87x), but it reads the whole model at load,
which cost a cold `assistant ask` about a second and raised peak memory
by up to 1.3 GB, to gain nothing on a one-sentence query. Vectors are
renormalised in float32, because bfloat16 rounding leaves them slightly
off unit length.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embeddings.base import Vector
from assistant.errors import ModelError

DTYPES = ("bfloat16", "float32")


class SentenceTransformerEmbedder:
    def __init__(
        self,
        model: str | Path,
        *,
        fingerprint: str,
        query_prompt: str,
        document_prompt: str,
        batch_size: int = 16,
        cache_size: int = 1024,
        threads: int | None = None,
        dtype: str = "bfloat16",
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as err:  # pragma: no cover - depends on the install
            raise ModelError("sentence-transformers is not installed: run `make setup`.") from err
        if threads:
            torch.set_num_threads(threads)
        try:
            self._model: Any = SentenceTransformer(str(model), device="cpu", local_files_only=True)
        except (OSError, ValueError) as err:
            raise ModelError(f"Cannot load the embedding model from {model}: {err}") from err
        if dtype not in DTYPES:
            raise ModelError(f"embedding.dtype must be one of {', '.join(DTYPES)}, not {dtype!r}.")
        self._doc_dtype = dtype
        self._name = Path(str(model)).name
        self._fingerprint = fingerprint
        self._qp = query_prompt
        self._dp = document_prompt
        self._batch = batch_size
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._cache_size = cache_size
        dim = self._model.get_embedding_dimension()
        self._dim = int(dim) if dim else len(self.embed_query("dimension probe"))

    @property
    def name(self) -> str:
        return self._name

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    @property
    def dim(self) -> int:
        return self._dim

    def _encode(self, texts: Sequence[str], prompt: str, dtype: str = "float32") -> list[Vector]:
        import torch

        fast = dtype != "float32"
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=fast):
            arr = self._model.encode(
                list(texts),
                prompt=prompt,
                batch_size=self._batch,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        vecs = np.asarray(arr, dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs / np.maximum(norms, 1e-12)
        return [row.tolist() for row in vecs]

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vecs = self._encode([texts[i] for i in order], self._dp, self._doc_dtype)
        out: list[Vector] = [[] for _ in texts]
        for pos, i in enumerate(order):
            out[i] = vecs[pos]
        return out

    def embed_query(self, text: str) -> Vector:
        hit = self._cache.get(text)
        if hit is not None:
            self._cache.move_to_end(text)
            return hit
        vec = self._encode([text], self._qp)[0]
        self._cache[text] = vec
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vec
