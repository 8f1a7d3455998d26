"""A dynamic-int8 copy of the ONNX export, made once, for large index builds.

A large build is compute-bound on 2 cores: the 120 XQuAD paragraphs (239
chunks and 638 sentences) built at 3.5 chunks/s on torch in bfloat16 and at
2.6 on ONNX Runtime in float32. With the weights of every constant-weight
MatMul stored as int8 with one scale per output channel (activations are
quantised on the fly), ONNX Runtime builds it at 5.3-6.9 chunks/s, and
opens in about 1 s where torch took 10 s
(`evals/results/onnx-int8-2026-11-29.md`).

The vectors move: a mean cosine of 0.974-0.976 to float32 for chunks and
0.978-0.981 for sentences, so the copy is used for documents only, never
for questions, and only for builds big enough to need the speed
(``embedding.bulk_threshold``). Retrieval did not move beyond noise: over
612 German and 612 English XQuAD questions with float32 questions against
int8 chunks, hit@1 was 0.940 / 0.944 against 0.938 / 0.948 with float32
chunks. Per-tensor scales were slower and further off (0.965); keeping the
MLP or the first and last layers in float32 kept more of the cosine but
lost most of the speed.

Activation scales are computed per batch, so a text's vector depends a
little on the texts batched with it. Builds sort texts by length, so the
same corpus gets the same vectors.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embeddings.onnx import GRAPH, WEIGHTS, Encoder, install, read_export, staged, weights_entry
from assistant.errors import ModelError

# Against the float32 export, for the probe texts: a sound int8 copy gives 0.96-0.99, a broken one far less.
MIN_COSINE = 0.93
PROBES = (
    "Deutschland erhöht seinen Verteidigungshaushalt 2026 auf 124 Milliarden Euro.",
    "Who signed the declaration in Ankara?",
    "Die Bundeswehr soll bis 2029 kriegstüchtig sein; Verteidigungsminister Pistorius sprach von einer "
    "Zeitenwende, die nicht nur Geld, sondern auch Personal, Material und Infrastruktur betrifft.",
)


def int8_folder(fp32_folder: Path) -> Path:
    """``embeddinggemma-300m.onnx`` -> ``embeddinggemma-300m.int8.onnx``, beside it."""
    return fp32_folder.with_name(fp32_folder.name.removesuffix(".onnx") + ".int8.onnx")


def _probe_cosine(fp32: Path, int8: Path, max_length: int, prompts: tuple[str, ...]) -> float:
    texts = [p + t for p in prompts for t in PROBES]
    a = Encoder(fp32, fp32 / "tokenizer.json", max_length=max_length, threads=None)(texts, batch_size=len(PROBES))
    b = Encoder(int8, int8 / "tokenizer.json", max_length=max_length, threads=None)(texts, batch_size=len(PROBES))
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(axis=1).min())


def _quantize(fp32: Path, work: Path, reduced: bool) -> None:
    """One quantisation of ``fp32`` into the empty-or-stale folder ``work`` (7-bit weights if ``reduced``)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    for stale in work.iterdir():  # onnx appends external data to an existing file: start from nothing
        stale.unlink()
    quantize_dynamic(
        str(fp32 / GRAPH),
        str(work / GRAPH),
        op_types_to_quantize=["MatMul"],
        per_channel=True,
        reduce_range=reduced,
        weight_type=QuantType.QInt8,
        use_external_data_format=True,
        # Only weight matrices; the attention products have no constant side. The optimised export's
        # fused nodes carry no inferred types, so unknown tensors are float.
        extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    if not (work / WEIGHTS).is_file():  # onnxruntime names it after the graph, as the runtime expects
        raise ModelError(f"Quantising {fp32.name} wrote no {WEIGHTS}.")
    shutil.copyfile(fp32 / "tokenizer.json", work / "tokenizer.json")


def quantize_export(
    fp32: Path,
    meta: dict[str, Any],
    out_dir: Path,
    *,
    prompts: tuple[str, ...],
    progress: Callable[[str], None] = lambda _: None,
) -> Path:
    """Write a checked int8 copy of the float32 export ``fp32`` (whose metadata is ``meta``) to ``out_dir``.

    Atomic: a crash leaves no half-written folder under ``out_dir``'s name.
    """
    try:
        import onnx
        import onnxruntime.quantization  # noqa: F401 - checked here, used by _quantize
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ModelError(f"Quantising the embedding model needs onnx ({err}): run `make setup`.") from err
    started = time.monotonic()
    progress(f"quantising {fp32.name} to int8 for large builds (once; about 25 s)")
    with staged(out_dir) as work:
        cosine, reduced = 0.0, False
        # Full-range int8 first; on a CPU without VNNI, ONNX Runtime's u8 x s8 products saturate and the copy
        # comes out far off (probe cosine 0.66 on an AVX2-only EPYC), which 7-bit weights avoid (0.979 there).
        for reduced in (False, True):
            if reduced:
                progress(f"the int8 copy is off on this CPU (probe cosine {cosine:.3f}); trying 7-bit weights")
            _quantize(fp32, work, reduced)
            cosine = _probe_cosine(fp32, work, int(meta["max_length"]), prompts)
            if cosine >= MIN_COSINE:
                break
        if cosine < MIN_COSINE:
            raise ModelError(
                f"The int8 copy of {fp32.name} is too far from float32 (probe cosine {cosine:.3f}); "
                "set embedding.bulk_runtime: torch."
            )
        graph = onnx.load(str(work / GRAPH), load_external_data=False)
        quantized = sum(1 for n in graph.graph.node if n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul"))
        info = {
            **{k: meta[k] for k in ("name", "source", "max_length", "dim")},
            "quantized": "dynamic int8, per-channel weights, constant-weight MatMuls",
            "reduce_range": reduced,
            "quantized_matmuls": quantized,
            "probe_min_cosine_to_float32": round(cosine, 5),
            "float32_weights_sha256": meta["weights"]["sha256"],
            "weights": weights_entry(work),
            "seconds": round(time.monotonic() - started, 1),
        }
        install(work, out_dir, info)
    progress(f"int8 copy ready in {time.monotonic() - started:.0f} s (probe cosine {cosine:.4f} to float32)")
    return out_dir


def read_int8(folder: Path, fp32_meta: dict[str, Any]) -> dict[str, Any]:
    """The int8 copy's metadata, or a ModelError when it is missing, damaged or made from another export
    (``fp32_meta``: the float32 export's, whose source model and weights it must name)."""
    meta = read_export(folder, str(fp32_meta["source"]))
    if meta.get("float32_weights_sha256") != fp32_meta["weights"]["sha256"]:
        raise ModelError(f"The int8 copy in {folder} was made from another export; it is made again.")
    return meta
