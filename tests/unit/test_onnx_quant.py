"""The int8 copy for large builds, made from a tiny real ONNX export: checked, atomic, tied to its source."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.embeddings import onnx_quant
from assistant.embeddings.onnx import Encoder
from assistant.embeddings.onnx_quant import int8_folder, quantize_export, read_int8
from assistant.errors import ModelError
from assistant.models.verify import hash_and_stamp

PROMPTS = ("q: ", "d: ")
SOURCE = "tiny:1"


def _tiny_export(folder: Path) -> dict[str, object]:
    """Gather -> MatMul -> Tanh -> MatMul -> mean over tokens: the shape of an embedding model, 2 weight MatMuls."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = sorted({w for text in onnx_quant.PROBES + PROMPTS for w in text.split()})
    vocab = {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(words)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    folder.mkdir(parents=True)
    tok.save(str(folder / "tokenizer.json"))

    rng = np.random.default_rng(0)
    weights = {
        "emb": rng.normal(size=(len(vocab), 16)).astype(np.float32),
        "w1": rng.normal(size=(16, 64)).astype(np.float32) / 4,
        "w2": rng.normal(size=(64, 8)).astype(np.float32) / 8,
    }
    nodes = [
        helper.make_node("Gather", ["emb", "input_ids"], ["x"], name="/embed/Gather"),
        helper.make_node("MatMul", ["x", "w1"], ["h"], name="/layers.0/mlp/up_proj/MatMul"),
        helper.make_node("Tanh", ["h"], ["t"]),
        helper.make_node("MatMul", ["t", "w2"], ["o"], name="/layers.0/mlp/down_proj/MatMul"),
        helper.make_node("ReduceMean", ["o"], ["embedding"], axes=[1], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 8])],
        [numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save_model(
        model, str(folder / "model.onnx"), save_as_external_data=True, location="model.onnx.data", size_threshold=0
    )
    meta: dict[str, object] = {
        "name": "tiny",
        "source": SOURCE,
        "max_length": 64,
        "dim": 8,
        "weights": {
            "size": (folder / "model.onnx.data").stat().st_size,
            "sha256": hash_and_stamp(folder / "model.onnx.data"),
        },
    }
    (folder / "export.json").write_text(json.dumps(meta))
    return meta


def test_the_int8_copy_is_checked_against_float32_and_tied_to_its_export(tmp_path: Path) -> None:
    fp32 = tmp_path / "tiny.onnx"
    meta = _tiny_export(fp32)
    out = int8_folder(fp32)
    assert out.name == "tiny.int8.onnx"
    said: list[str] = []
    quantize_export(fp32, meta, out, prompts=PROMPTS, progress=said.append)

    info = read_int8(out, meta)
    assert info["quantized_matmuls"] == 2  # both weight MatMuls, nothing else
    assert 0.93 <= info["probe_min_cosine_to_float32"] < 1.0  # int8 moves the vectors, a little
    assert "probe cosine" in said[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.int8.onnx", "tiny.onnx"]  # no temp folder left
    text = ["d: " + onnx_quant.PROBES[0]]
    a = Encoder(fp32, fp32 / "tokenizer.json", max_length=64, threads=1)(text, 1)[0]
    b = Encoder(out, out / "tokenizer.json", max_length=64, threads=1)(text, 1)[0]
    assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 0.93 and not np.allclose(a, b)

    # A new float32 export (other weights) makes the old copy stale.
    other = {**meta, "weights": {"size": 1, "sha256": "0" * 64}}
    with pytest.raises(ModelError, match="another export"):
        read_int8(out, other)
    with pytest.raises(ModelError, match="other weights"):
        read_int8(out, {**meta, "source": "tiny:2"})


def test_a_copy_too_far_from_float32_is_refused_and_nothing_is_left(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fp32 = tmp_path / "tiny.onnx"
    meta = _tiny_export(fp32)
    monkeypatch.setattr(onnx_quant, "MIN_COSINE", 1.0001)  # no int8 copy can reach it
    with pytest.raises(ModelError, match="bulk_runtime: torch"):
        quantize_export(fp32, meta, int8_folder(fp32), prompts=PROMPTS)
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.onnx"]
