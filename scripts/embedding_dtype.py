"""CPU embedding speed and quality of EmbeddingGemma-300M: float32, bfloat16, autocast-bf16, dynamic int8.

Why the embedder runs in bfloat16 (evals/results/embedding-dtype-2026-11-28.md).
Run on a quiet machine:  .venv/bin/python scripts/embedding_dtype.py
Env: REPEATS (3), VARIANTS (fp32,bf16,bf16_autocast,int8), NTIME, NOQUAL=1 (speed only), OUT (/tmp/embexp).
Texts: the corpus and the 120 German XQuAD dev paragraphs, read from ../shared at run time.
"""

import glob
import json
import os
import re
import statistics
import time
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
T_START = time.perf_counter()
import numpy as np  # noqa: E402 - after T_START: the import time is measured
import torch  # noqa: E402 - after T_START: the import time is measured
from sentence_transformers import SentenceTransformer  # noqa: E402 - after T_START: the import time is measured

T_IMPORT = time.perf_counter() - T_START

MODEL = os.path.join(
    os.environ.get("SUMMIT_MODELS_DIR") or os.path.expanduser("~/.cache/summit-assistant/models"), "embeddinggemma-300m"
)
DP = "title: none | text: "
QP = "task: search result | query: "
BATCH = 16
REPEATS = int(os.environ.get("REPEATS", "3"))
VARIANTS = os.environ.get("VARIANTS", "fp32,bf16,bf16_autocast,int8").split(",")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get("OUT", "/tmp/embexp")
os.makedirs(OUT, exist_ok=True)
DEFAULT_THREADS = torch.get_num_threads()
torch.set_num_threads(2)


def log(*a):
    print(f"[{time.perf_counter() - T_START:7.1f}s]", *a, flush=True)


# ---------------- texts ----------------
def chunk_paragraphs(text, limit=700):
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    chunks, cur = [], ""
    for p in paras:
        if cur and len(cur) + 1 + len(p) > limit:
            chunks.append(cur)
            cur = p
        else:
            cur = (cur + "\n" + p) if cur else p
    if cur:
        chunks.append(cur)
    return chunks


corpus_chunks, corpus_sents = [], []
for f in sorted(glob.glob(os.path.join(ROOT, "corpus", "*.txt"))):
    with open(f, encoding="utf-8") as fh:
        text = fh.read()
    for c in chunk_paragraphs(text):
        corpus_chunks.append(c)
        corpus_sents += [s.strip() for s in re.split(r"(?<=[.!?])\s+", c) if s.strip()]

with open(os.path.join(ROOT, "..", "shared", "data", "xquad", "xquad.de.dev.json"), encoding="utf-8") as fh:
    xq = json.load(fh)
contexts, questions = [], []  # questions: (text, context_idx)
for art in xq["data"]:
    for p in art["paragraphs"]:
        if len(contexts) >= 120:
            break
        if p["context"] in contexts:
            continue
        contexts.append(p["context"])
        for q in p["qas"]:
            questions.append((q["question"], len(contexts) - 1))
questions = questions[:200]

docs = corpus_chunks + corpus_sents + contexts
ctx_slice = slice(len(corpus_chunks) + len(corpus_sents), len(docs))
order = sorted(range(len(docs)), key=lambda i: len(docs[i]))  # as the project does
docs_sorted = [docs[i] for i in order]
log(
    f"default torch threads={DEFAULT_THREADS}, set to {torch.get_num_threads()}; "
    f"interop={torch.get_num_interop_threads()}"
)
log(
    f"texts: {len(corpus_chunks)} chunks, {len(corpus_sents)} sentences, {len(contexts)} xquad contexts "
    f"-> {len(docs)} docs "
    f"(mean {np.mean([len(d) for d in docs]):.0f} chars); {len(questions)} questions"
)


# ---------------- variants ----------------
def load(variant):
    t0 = time.perf_counter()
    m = SentenceTransformer(MODEL, device="cpu", local_files_only=True)
    if variant == "bf16":
        m = m.to(torch.bfloat16)
    elif variant == "int8":
        m = torch.ao.quantization.quantize_dynamic(m, {torch.nn.Linear}, dtype=torch.qint8)
    m.eval()
    return m, time.perf_counter() - t0


def encode(m, variant, texts, prompt):
    autocast = variant == "bf16_autocast"
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        e = m.encode(
            texts,
            prompt=prompt,
            batch_size=BATCH,
            normalize_embeddings=True,
            convert_to_tensor=True,
            show_progress_bar=False,
        )
    raw_dtype = str(e.dtype)
    e = e.float()
    norm_dev = float((e.norm(dim=1) - 1).abs().max())
    e = torch.nn.functional.normalize(e, dim=1)  # float32, unit length
    return e.numpy(), raw_dtype, norm_dev


# The machine is shared with another session's CPU jobs, so variants are timed INTERLEAVED
# (round-robin per repeat) on a stratified subset; cpu/wall ratio is logged as a contention indicator.
NT = int(os.environ.get("NTIME", "48"))
step = len(docs_sorted) / NT
time_set = [docs_sorted[int(i * step)] for i in range(NT)]  # stratified over length, still sorted
log(f"timing subset: {len(time_set)} docs, mean {np.mean([len(d) for d in time_set]):.0f} chars")

results, models = {}, {}
with warnings.catch_warnings(record=True) as wlist:
    warnings.simplefilter("always")
    for v in VARIANTS:
        if v == "bf16_autocast" and "fp32" in models:
            models[v] = models["fp32"]
            results[v] = dict(load_s=results["fp32"]["load_s"])
            continue
        m, load_s = load(v)
        models[v] = m
        results[v] = dict(load_s=load_s, times=[], cpu_ratio=[])
        log(f"{v}: loaded in {load_s:.1f}s; first param dtype {next(m.parameters()).dtype}")
        encode(m, v, docs_sorted[:BATCH], DP)  # warm-up batch
        encode(m, v, docs_sorted[-4:], DP)
    for v in VARIANTS:
        results[v].setdefault("times", [])
        results[v].setdefault("cpu_ratio", [])
    for r in range(REPEATS):
        for v in VARIANTS:
            c0, t0 = time.process_time(), time.perf_counter()
            encode(models[v], v, time_set, DP)
            dt = time.perf_counter() - t0
            results[v]["times"].append(dt)
            results[v]["cpu_ratio"].append((time.process_time() - c0) / dt)
            log(
                f"rep {r + 1} {v}: {dt:.1f}s = {len(time_set) / dt:.2f} texts/s, "
                f"cpu/wall {results[v]['cpu_ratio'][-1]:.2f}, load1 {os.getloadavg()[0]:.2f}"
            )
    for v in VARIANTS:
        results[v]["docs_tps"] = len(time_set) / statistics.median(results[v]["times"])
    base = results["fp32"]["docs_tps"]
    QUAL = (
        []
        if os.environ.get("NOQUAL")
        else [v for v in VARIANTS if v in ("fp32", "bf16", "int8") or results[v]["docs_tps"] > base]
    )
    ref = {}
    for v in QUAL:
        m = models[v]
        t0 = time.perf_counter()
        vecs_s, raw_dtype, norm_dev = encode(m, v, docs_sorted, DP)
        full_s = time.perf_counter() - t0
        vecs = np.empty_like(vecs_s)
        vecs[order] = vecs_s
        qv, _, _ = encode(m, v, [q for q, _ in questions], QP)
        C = vecs[ctx_slice]
        S = qv @ C.T
        gold = np.array([c for _, c in questions])
        ranks = (S[np.arange(len(gold)), gold][:, None] < S).sum(1) + 1
        res = results[v]
        res.update(
            full_docs_tps=len(docs) / full_s,
            raw_dtype=raw_dtype,
            max_norm_dev_before_renorm=norm_dev,
            hit1=float((ranks == 1).mean()),
            mrr=float((1 / ranks).mean()),
            hit5=float((ranks <= 5).mean()),
        )
        if v == "fp32":
            ref = dict(d=vecs, q=qv, S=S)
        cd = (vecs * ref["d"]).sum(1)
        cq = (qv * ref["q"]).sum(1)
        res.update(
            cos_docs_mean=float(cd.mean()),
            cos_docs_min=float(cd.min()),
            cos_q_mean=float(cq.mean()),
            cos_q_min=float(cq.min()),
            top1_agree_fp32=float((S.argmax(1) == ref["S"].argmax(1)).mean()),
        )
        np.save(f"{OUT}/vecs_{v}.npy", vecs)
        np.save(f"{OUT}/qvecs_{v}.npy", qv)
        log(f"{v} quality: " + json.dumps({k: (round(x, 4) if isinstance(x, float) else x) for k, x in res.items()}))
    warn_msgs = sorted({f"{w.category.__name__}: {str(w.message)[:300]}" for w in wlist})

nan = float("nan")
print("\nvariant         docs t/s  speedup  cpu/wall  cos mean  cos min   q-cos min  hit@1   MRR     top1=fp32  load s")
for v, r in results.items():
    print(
        f"{v:15s} {r['docs_tps']:8.2f}  {r['docs_tps'] / base:6.2f}x  {statistics.median(r['cpu_ratio']):5.2f}    "
        f"{r.get('cos_docs_mean', nan):.5f}   {r.get('cos_docs_min', nan):.5f}   {r.get('cos_q_min', nan):.5f}    "
        f"{r.get('hit1', nan):.3f}  {r.get('mrr', nan):.4f}  {r.get('top1_agree_fp32', nan):.3f}      {r['load_s']:.1f}"
    )
print("\nwarnings:")
[print("  ", w) for w in warn_msgs]
with open(f"{OUT}/results.json", "w") as fh:
    json.dump(
        dict(
            default_threads=DEFAULT_THREADS,
            import_s=T_IMPORT,
            n_docs=len(docs),
            n_time=len(time_set),
            n_q=len(questions),
            results=results,
            warnings=warn_msgs,
        ),
        fh,
        indent=1,
    )
log("done")
