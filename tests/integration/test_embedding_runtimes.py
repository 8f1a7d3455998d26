"""The two embedding runtimes with the real EmbeddingGemma: the same vectors, and no torch on the ONNX path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.app import build_embedder, onnx_dir, resolve_model
from assistant.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    "Auf wie viel Euro erhöht Deutschland seinen Verteidigungshaushalt 2026?",
    "Which partner countries attended the summit?",
    "Deutschland erreicht das Ziel von 3,5 Prozent bereits 2029, sechs Jahre früher als vereinbart.",
]


def _settings(runtime: str) -> Settings:
    return load_settings(None, **{"paths.root": str(ROOT), "embedding.runtime": runtime, "embedding.dtype": "float32"})


@pytest.fixture(scope="module")
def both() -> tuple[object, object]:
    onnx, torch = build_embedder(_settings("onnx")), build_embedder(_settings("torch"))
    return onnx, torch


def test_onnx_matches_sentence_transformers_in_float32(both) -> None:  # type: ignore[no-untyped-def]
    onnx, torch = both
    assert onnx.fingerprint == torch.fingerprint  # float32 vectors of either runtime may share an index
    for embed in ("embed_query", "embed_documents"):
        if embed == "embed_query":
            a = np.array([onnx.embed_query(t) for t in TEXTS])
            b = np.array([torch.embed_query(t) for t in TEXTS])
        else:
            a, b = np.array(onnx.embed_documents(TEXTS)), np.array(torch.embed_documents(TEXTS))
        assert a.shape == (3, 768)
        assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
        assert (a * b).sum(axis=1).min() >= 0.9999, embed
    # query and document prompts differ, so the same text gets different vectors
    assert float(np.dot(onnx.embed_query(TEXTS[2]), onnx.embed_documents([TEXTS[2]])[0])) < 0.99


def test_export_names_its_source() -> None:
    settings = _settings("onnx")
    _, model_fp = resolve_model(settings.models.embedding, settings, "embedding")
    meta = json.loads((onnx_dir(settings, settings.models.embedding, model_fp) / "export.json").read_text())
    assert meta["source"] == model_fp and meta["probe_min_cosine"] >= 0.9999


def test_a_question_on_the_onnx_path_never_imports_torch(tmp_path: Path) -> None:
    code = (
        "import sys, json\n"
        "from assistant import Assistant\n"
        "a = Assistant.load(backend='extractive')\n"
        "ans = a.ask('Wie hoch ist der Verteidigungshaushalt 2026?')\n"
        "print(json.dumps({'torch': 'torch' in sys.modules, 'st': 'sentence_transformers' in sys.modules,"
        " 'answer': ans.text}))\n"
    )
    env = {"SUMMIT_PATHS__ROOT": str(ROOT), "PATH": str(Path(sys.executable).parent), "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert "124" in out["answer"]
    assert out["torch"] is False and out["st"] is False


def test_large_builds_use_the_checked_int8_copy_and_questions_stay_float32() -> None:
    from assistant.embeddings.routed import RoutedEmbedder

    routed = build_embedder(_settings("onnx")).load()
    assert isinstance(routed, RoutedEmbedder) and "int8" in routed.note
    fast, bulk = routed.pick(1), routed.pick(100_000)
    assert bulk is not fast
    a, b = np.array(fast.embed_documents(TEXTS)), np.array(bulk.embed_documents(TEXTS))
    cosines = (a * b).sum(axis=1)
    assert cosines.min() >= 0.95, cosines  # close to float32 ...
    assert cosines.max() < 0.99999, cosines  # ... but really the int8 copy
    assert np.array_equal(routed.embed_query(TEXTS[0]), fast.embed_query(TEXTS[0]))  # questions: float32
