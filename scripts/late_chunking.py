"""Late chunking tried for the index build, and rejected: the numbers behind that.

An index embeds every chunk and, separately, every sentence (answers quote
sentences). On XQuAD the sentences are about half the tokens, so taking
sentence vectors from the chunk pass instead, by mean-pooling the chunk's
output token states over each sentence and applying the model's dense
layers ("late chunking"), would roughly halve a build. This script measures
(1) build throughput both ways on the 120 German XQuAD dev paragraphs (torch,
bfloat16 autocast, batch 16, length-sorted, as bulk builds run), (2) how
far pooled sentence vectors are from separate ones on the summit index,
(3) the year-anchor gaps that `answer.anchor_gap` separates, with each kind
of vector, and writes a copy of the summit index with pooled sentence
vectors, for `SUMMIT_PATHS__INDEX=<out>/late-index assistant eval ...`.

Run on a quiet machine, after `make index`:
    .venv/bin/python scripts/late_chunking.py [OUT=/tmp/late-chunking]
Results of record: evals/results/late-chunking-2026-11-29.md.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

from assistant.app import chunk_params
from assistant.config import load_settings
from assistant.embeddings.onnx_export import attention_masks
from assistant.evaluation.squad import load_squad
from assistant.indexing import current_build, open_index, sentence_rows
from assistant.ingest.chunk import chunk_document

MODEL = (
    Path(os.environ.get("SUMMIT_MODELS_DIR") or Path.home() / ".cache/summit-assistant/models") / "embeddinggemma-300m"
)
DP = "title: none | text: "


def pipeline(model: Any) -> Any:
    """(ids, mask, pool) -> unit vectors: transformer, pooling by ``pool``'s rows, dense layers."""
    transformer = model[0].auto_model
    dense = [m for m in list(model)[2:] if type(m).__name__ == "Dense"]
    masks_for = attention_masks(transformer)  # the same masks as the ONNX export

    def run(ids: np.ndarray, mask: np.ndarray, pool: np.ndarray) -> np.ndarray:
        masks = masks_for(torch.from_numpy(mask))
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            hidden = transformer(input_ids=torch.from_numpy(ids), attention_mask=masks).last_hidden_state
            x = torch.bmm(torch.from_numpy(pool).to(hidden.dtype), hidden)
            for layer in dense:
                x = layer({"sentence_embedding": x})["sentence_embedding"]
        return torch.nn.functional.normalize(x.float(), dim=-1).numpy()

    return run


def pooled(
    tok: Any, run: Any, texts: list[str], spans: list[list[tuple[int, int]]], batch: int = 16
) -> list[np.ndarray]:
    """Per text: its own vector (the model's mean pooling), then one per span, from one pass."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[np.ndarray] = [np.zeros(0)] * len(texts)
    for s in range(0, len(order), batch):
        part = order[s : s + batch]
        encs = tok.encode_batch([DP + texts[i] for i in part])
        width = max(len(e.ids) for e in encs)
        k = max(1 + len(spans[i]) for i in part)
        ids = np.zeros((len(part), width), np.int64)
        mask = np.zeros_like(ids)
        pool = np.zeros((len(part), k, width), np.float32)
        for j, (i, e) in enumerate(zip(part, encs, strict=True)):
            n = len(e.ids)
            ids[j, :n], mask[j, :n] = e.ids, 1
            pool[j, 0, :n] = 1.0 / n
            st = np.array([a for a, _ in e.offsets])
            en = np.array([b for _, b in e.offsets])
            for r, (a, b) in enumerate(spans[i], start=1):
                inside = (en > st) & (en > a + len(DP)) & (st < b + len(DP))
                pool[j, r, :n][inside] = 1.0 / max(int(inside.sum()), 1)
        vecs = run(ids, mask, pool)
        for j, i in enumerate(part):
            out[i] = vecs[j, : 1 + len(spans[i])]
    return out


def separate(model: Any, texts: list[str]) -> np.ndarray:
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        return model.encode(
            sorted(texts, key=len), prompt=DP, batch_size=16, normalize_embeddings=True, show_progress_bar=False
        )


def gaps(index: Path) -> list[tuple[float | None, bool, str]]:
    """best sentence cosine minus best cosine of a sentence holding the question's year(s), per summit question."""
    os.environ["SUMMIT_PATHS__INDEX"] = str(index)
    from assistant import Assistant
    from assistant.answer.answerable import anchors
    from assistant.answer.extractive import anchor_gap

    a = Assistant.load(backend="extractive")
    res = []
    for line in (Path(__file__).parent.parent / "evals/summit.jsonl").read_text().splitlines():
        c = json.loads(line)
        q = c.get("question")
        if not q or not anchors(q):
            continue
        d = a._retrieve(q, [])
        qv = np.asarray(a.retriever.embed_query(q), dtype=np.float32)
        trail = anchor_gap(anchors(q), d.passages, qv, a.retriever.sentence_vectors)
        res.append((None if trail is None else round(trail, 3), bool(c["answerable"]), c["id"]))
    return res


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/late-chunking")
    out.mkdir(parents=True, exist_ok=True)
    settings = load_settings()
    model = SentenceTransformer(str(MODEL), device="cpu", local_files_only=True)
    tok = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=2048)
    run = pipeline(model)
    report: dict[str, Any] = {}

    squad = load_squad(settings.root.parent / "shared/data/xquad/xquad.de.dev.json", "de")
    chunks = [c for d in squad.documents for c in chunk_document(d, chunk_params(settings))]
    _, sents = sentence_rows(chunks)
    texts = [c.clean for c in chunks]
    spans = [[(a, b) for a, b, _, _ in c.sentence_spans()] for c in chunks]
    separate(model, texts[:16])  # warm-up
    t = time.perf_counter()
    separate(model, texts + sents)
    t_sep = time.perf_counter() - t
    t = time.perf_counter()
    pooled(tok, run, texts, spans)
    t_pool = time.perf_counter() - t
    report["xquad"] = {
        "chunks": len(chunks),
        "sentences": len(sents),
        "separate_s": round(t_sep, 1),
        "pooled_s": round(t_pool, 1),
        "separate_chunks_per_s": round(len(chunks) / t_sep, 2),
        "pooled_chunks_per_s": round(len(chunks) / t_pool, 2),
    }
    print(report["xquad"], flush=True)

    root = settings.index_dir
    src = current_build(root)
    assert src is not None, "build the index first (make index)"
    idx = open_index(root, None)
    cs = list(idx.chunks.values())
    vecs = pooled(tok, run, [c.clean for c in cs], [[(a, b) for a, b, _, _ in c.sentence_spans()] for c in cs])
    cos = np.concatenate([(v[1:] * idx.sentence_vectors[c.chunk_id]).sum(1) for v, c in zip(vecs, cs, strict=True)])
    report["summit_pooled_vs_separate_cosine"] = {
        "mean": round(float(cos.mean()), 3),
        "min": round(float(cos.min()), 3),
    }
    late = out / "late-index"
    shutil.rmtree(late, ignore_errors=True)
    late.mkdir()
    shutil.copytree(src, late / src.name)
    (late / "CURRENT").write_text(src.name)
    rows = json.loads((src / "sentences.json").read_text())
    by_id = {c.chunk_id: v for c, v in zip(cs, vecs, strict=True)}
    np.save(late / src.name / "sentences.npy", np.asarray([by_id[cid][1 + i] for cid, i in rows], np.float32))
    report["anchor_gaps"] = {"separate": gaps(root.resolve()), "pooled": gaps(late)}
    (out / "late-chunking.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    print(
        f"\nnow: SUMMIT_PATHS__INDEX={late} .venv/bin/assistant eval evals/summit.jsonl"
        f" --backend extractive --out {out}/eval-late"
    )


if __name__ == "__main__":
    main()
