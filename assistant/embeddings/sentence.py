"""EmbeddingGemma (or any sentence-transformers folder) on torch.

The bulk runtime: large index builds come here (see `routed.py`), and so
does everything when ``embedding.runtime`` is ``torch``. torch and
sentence-transformers are imported here and only here, lazily, because
importing them costs 5-7 s on 2 cores.

Documents are embedded under bfloat16 autocast by default: on a CPU with
AVX-512 BF16 (or AMX) that is 1.76x faster than float32, and the vectors
agree with float32 ones to a cosine of 0.99997 on average, with the same
XQuAD hit@1 and MRR (evals/results/embedding-dtype-2026-11-28.md). The
weights stay float32 and queries run in float32: converting the weights
to bfloat16 would be a little faster still (1.87x), but it reads the
whole model at load and raised peak memory by up to 1.3 GB.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant import offline
from assistant.embeddings.base import Vector
from assistant.embeddings.cached import CachedEmbedder, unit_rows
from assistant.errors import ModelError

DTYPES = ("bfloat16", "float32")


class SentenceTransformerEmbedder(CachedEmbedder):
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
        super().__init__(
            name=Path(str(model)).name,
            fingerprint=fingerprint,
            query_prompt=query_prompt,
            document_prompt=document_prompt,
            cache_size=cache_size,
        )
        offline.apply()
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
        self._batch = batch_size
        dim = self._model.get_embedding_dimension()
        self._dim = int(dim) if dim else len(self.embed_query("dimension probe"))

    @property
    def dim(self) -> int:
        return self._dim

    def _encode(self, texts: Sequence[str], prompt: str, *, documents: bool) -> list[Vector]:
        import torch

        fast = documents and self._doc_dtype != "float32"
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=fast):
            arr = self._model.encode(
                list(texts),
                prompt=prompt,
                batch_size=self._batch,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return unit_rows(arr)
