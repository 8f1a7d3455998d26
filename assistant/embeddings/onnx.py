"""The embedding model on ONNX Runtime, without torch.

Importing torch, transformers and sentence-transformers takes 5-7 s on
this 2-core machine and building the model 2-3 s more; a cold
``assistant ask`` waited for all of it before it could embed the question.
ONNX Runtime (already installed, as a chromadb dependency) and the
``tokenizers`` library import in 0.1 s, the exported model opens in
0.5-1.7 s because its weights sit in a separate file that is memory-mapped,
and a query takes 0.03 s instead of 0.10-0.16 s. The vectors match
sentence-transformers in float32 to a cosine of 0.9999 or better; the
export checks that before it is installed (`onnx_export.py`).

An export folder holds ``model.onnx`` (the graph), ``model.onnx.data``
(the weights), the tokenizer and ``export.json``, which names the source
model it was made from, so that an export of other weights is never used,
and the weights file's size and sha256, so that a damaged one is not.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embeddings.base import Vector
from assistant.embeddings.cached import CachedEmbedder, unit_rows
from assistant.errors import ModelError
from assistant.models.verify import hash_and_stamp, verify_file

GRAPH = "model.onnx"
WEIGHTS = "model.onnx.data"
META = "export.json"


REDO = "delete the folder and run `assistant models fetch`"


def read_export(folder: Path, source: str) -> dict[str, Any]:
    """The export's metadata, or a ModelError saying why it cannot be used."""
    try:
        meta: dict[str, Any] = json.loads((folder / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"No ONNX export of the embedding model in {folder}. Run `assistant models fetch`.") from None
    except (OSError, ValueError) as err:
        raise ModelError(f"The ONNX export in {folder} is unreadable ({err}): {REDO}.") from err
    if meta.get("source") != source:
        raise ModelError(f"The ONNX export in {folder} was made from other weights: {REDO}.")
    for name in (GRAPH, WEIGHTS, "tokenizer.json"):
        if not (folder / name).is_file():
            raise ModelError(f"The ONNX export in {folder} lacks {name}: {REDO}.")
    weights = meta.get("weights")
    if not isinstance(weights, dict) or not {"sha256", "size"} <= weights.keys():
        raise ModelError(f"The ONNX export in {folder} records no checksum for its weights: {REDO}.")
    # Hashed in full once, then whenever the file's size or mtime changes (a stamp beside it records both).
    verify_file(folder / WEIGHTS, str(weights["sha256"]), int(weights["size"]))
    return meta


def weights_entry(folder: Path) -> dict[str, Any]:
    """The size and sha256 of ``folder``'s weights, as `read_export` checks them."""
    return {"size": (folder / WEIGHTS).stat().st_size, "sha256": hash_and_stamp(folder / WEIGHTS)}


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """A temporary folder beside ``out_dir`` to build an export in, removed afterwards whatever happens:
    a crash never leaves a half-written folder under ``out_dir``'s name (see `install`)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def install(work: Path, out_dir: Path, meta: dict[str, Any]) -> None:
    """Write ``meta`` into the finished ``work`` folder and put it in ``out_dir``'s place.

    The metadata is written last, so a folder without it is never mistaken for a finished one.
    """
    (work / META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    work.rename(out_dir)


class Encoder:
    """Tokenizer plus inference session: prompted texts in, unit vectors out."""

    def __init__(self, folder: Path, tokenizer_file: Path, *, max_length: int, threads: int | None) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as err:  # pragma: no cover - depends on the install
            raise ModelError("onnxruntime is not installed: run `make setup`.") from err
        try:
            self._tok: Any = Tokenizer.from_file(str(tokenizer_file))
        except Exception as err:  # tokenizers raises its own Exception subclass
            raise ModelError(f"Cannot read the tokenizer {tokenizer_file}: {err}") from err
        self._tok.no_padding()
        self._tok.enable_truncation(max_length=max_length)
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # The export is already optimised; optimising again at every start would cost 2-3 s.
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        opts.log_severity_level = 3
        try:
            self._session: Any = ort.InferenceSession(str(folder / GRAPH), opts, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own exception types
            raise ModelError(f"Cannot open the ONNX embedding model in {folder} ({err}): {REDO}.") from err
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def __call__(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        rows: list[np.ndarray] = []
        for start in range(0, len(texts), batch_size):
            encs = self._tok.encode_batch(list(texts[start : start + batch_size]))
            width = max(len(e.ids) for e in encs)
            ids = np.zeros((len(encs), width), dtype=np.int64)
            mask = np.zeros((len(encs), width), dtype=np.int64)
            for i, e in enumerate(encs):
                ids[i, : len(e.ids)] = e.ids
                mask[i, : len(e.ids)] = 1
            rows.append(self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0])
        return np.concatenate(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


class OnnxEmbedder(CachedEmbedder):
    """``meta`` is what `read_export` returned for ``folder``: the caller has checked the export already."""

    def __init__(
        self,
        folder: Path,
        meta: dict[str, Any],
        *,
        fingerprint: str,
        query_prompt: str,
        document_prompt: str,
        batch_size: int = 4,
        cache_size: int = 1024,
        threads: int | None = None,
    ) -> None:
        super().__init__(
            name=str(meta.get("name", folder.name)),
            fingerprint=fingerprint,
            query_prompt=query_prompt,
            document_prompt=document_prompt,
            cache_size=cache_size,
        )
        self._encoder = Encoder(folder, folder / "tokenizer.json", max_length=int(meta["max_length"]), threads=threads)
        self._batch = batch_size

    @property
    def dim(self) -> int:
        return self._encoder.dim

    def _encode(self, texts: Sequence[str], prompt: str, *, documents: bool) -> list[Vector]:
        return unit_rows(self._encoder([prompt + t for t in texts], self._batch))
