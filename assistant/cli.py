"""The ``assistant`` command line: a thin edge over the composition root.

Imports are deferred into each command so that ``assistant --help`` does
not load torch, Chroma or llama.cpp. Every ``AssistantError`` becomes one
readable line on stderr and exit status 2; tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant import offline

offline.apply()  # before anything imports huggingface_hub, chromadb or gradio


from assistant.errors import AssistantError, ModelError  # noqa: E402

if TYPE_CHECKING:  # the CLI imports the pipeline lazily, so that `assistant --help` stays fast
    from assistant.answer.model import Answer
    from assistant.chat import StreamingAnswerer
    from assistant.config import Settings
    from assistant.service import Assistant


def _settings(args: argparse.Namespace) -> Settings:
    from assistant.config import load_settings

    overrides: dict[str, Any] = {}
    if getattr(args, "backend", None):
        overrides["llm.backend"] = args.backend
    if getattr(args, "model", None):
        overrides["llm.model"] = args.model
    return load_settings(getattr(args, "profile", None), **overrides)


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- models -----------------------------------------------------------------
def cmd_models(args: argparse.Namespace) -> int:
    from assistant.models.fetch import fetch, status
    from assistant.models.registry import DEFAULT_MODELS, REGISTRY

    settings = _settings(args)
    names = args.names or list(DEFAULT_MODELS)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise AssistantError(f"Unknown model(s): {', '.join(unknown)}. Known: {', '.join(REGISTRY)}")
    if args.action == "fetch":
        for name in names:
            spec = REGISTRY[name]
            path, worked = fetch(spec, settings.models_dir, lambda m: _err(f"  {m}"))
            print(f"{name}: {'fetched and verified' if worked else 'already present and verified'} -> {path}")
        if settings.models.embedding in names:
            from assistant.app import prepare_onnx

            for folder in prepare_onnx(settings, lambda m: _err(f"  {m}")):
                print(f"{settings.models.embedding}: ONNX export checked -> {folder}")
        return 0
    rows = [status(REGISTRY[n], settings.models_dir, force=args.verify) for n in names]
    if args.json:
        print(json.dumps([{**r.__dict__, "path": str(r.path)} for r in rows], indent=2))
        return 0
    print(f"models folder: {settings.models_dir}")
    print(f"{'model':<22} {'kind':<10} {'present':<8} {'verified':<9} {'size':>10}  license")
    for r in rows:
        size = f"{r.size / 1e6:,.0f} MB" if r.present else "-"
        present, verified = ("yes" if r.present else "no"), ("yes" if r.verified else "NO")
        print(f"{r.name:<22} {r.kind:<10} {present:<8} {verified:<9} {size:>10}  {r.license}")
        if r.problem:
            print(f"  ! {r.problem}")
    export_ok = True
    if settings.embedding.runtime == "onnx" and settings.models.embedding in names:
        from assistant.app import current_int8_copy, current_onnx_export, uses_int8

        checks = [(f"ONNX export of {settings.models.embedding}", current_onnx_export, "probe_min_cosine")]
        if uses_int8(settings):
            checks.append(("int8 copy for large builds", current_int8_copy, "probe_min_cosine_to_float32"))
        for label, current, cosine in checks:  # the int8 copy is only checked once its export is sound
            try:
                meta = current(settings)[1]
            except ModelError as err:
                print(f"{label}: NO\n  ! {err}")
                export_ok = False
                break
            print(f"{label}: checked (probe cosine {meta.get(cosine)})")
    return 0 if all(r.verified for r in rows) and export_ok else 1


# -- index ------------------------------------------------------------------
def cmd_index(args: argparse.Namespace) -> int:
    import importlib
    import threading

    # Chroma's import takes a second or two; it overlaps loading the models instead of starting the build.
    threading.Thread(target=importlib.import_module, args=("chromadb",), daemon=True).start()
    from assistant.app import build_embedder, index_corpus
    from assistant.llm.factory import make_llm

    settings = _settings(args)
    embedder = build_embedder(settings)
    llm = None
    if settings.answer.summaries == "llm":  # the model writes the summaries' points
        try:
            llm = make_llm(settings)
        except AssistantError as err:
            _err(f"note: summaries are quoted, not written ({err})")

    def progress(msg: str, frac: float) -> None:
        if not args.quiet:
            _err(f"[{frac * 100:5.1f}%] {msg}")

    result = index_corpus(settings, embedder, force=args.rebuild, progress=progress, llm=llm)
    if result.built:
        w = result.work
        change = f"{w.loaded} files embedded, {w.kept} kept, {w.removed} removed" if w.kept else f"{w.loaded} files"
        print(
            f"Index built: {result.chunks} chunks in {result.seconds:.1f}s ({change}; {result.reason}) -> {result.path}"
        )
    else:
        print(f"Index is up to date ({result.chunks} chunks); nothing to do. Use --rebuild to force.")
    if result.summaries_written:
        print(f"Summaries: {result.summaries_written} written by the model in {result.summaries_seconds:.1f}s")
    for skip in result.skipped:
        _err(f"warning: skipped {skip.source} [{skip.reason}]: {skip.message}")
    if result.skipped:
        _err(
            f"warning: {len(result.skipped)} file(s) skipped; the index holds the rest"
            + (" (--strict: exit 3)" if args.strict else "")
        )
    return 3 if args.strict and result.skipped else 0


# -- search -----------------------------------------------------------------
def cmd_search(args: argparse.Namespace) -> int:
    from assistant.answer.question import clean_question
    from assistant.app import build_retriever

    settings = _settings(args)
    question = clean_question(args.question)
    retriever = build_retriever(settings)
    result = retriever.retrieve(question, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps([h.to_dict() for h in result.hits], ensure_ascii=False, indent=2))
        return 0
    if not result.relevant:
        print("(no passage looks relevant to this question; closest passages:)")
    for i, h in enumerate(result.hits, 1):
        c = h.chunk
        print(f"[{i}] score {h.score:.4f}  {c.section}  ({c.source}:{c.start}-{c.end})")
        print("    " + c.clean.replace("\n", " ")[:400])
    print(f"({result.timings_ms.get('total', 0):.0f} ms)", file=sys.stderr)
    return 0


# -- ask / chat ---------------------------------------------------------------
def _load_assistant(args: argparse.Namespace) -> Assistant:
    from assistant.app import EXTRACTIVE, build_assistant, build_retriever, prime_llm
    from assistant.llm.factory import make_llm

    settings = _settings(args)
    retriever = build_retriever(settings)
    retriever.embedder.warm_up()  # the embedding model opens while the LLM loads
    llm = make_llm(settings)
    prime_llm(llm, settings)
    return build_assistant(settings, retriever=retriever, llm=llm if llm is not None else EXTRACTIVE)


def _print_sources(answer: Answer) -> None:
    if answer.refused and answer.passages:
        print("\nClosest passages (you may be looking for):")
        for i, h in enumerate(answer.passages[:3], 1):
            print(f"  [{i}] {h.chunk.section}: {' '.join(h.chunk.clean.split())[:160]}…")
        return
    if answer.citations:
        print("\nSources:")
    for c in answer.citations:
        print(f"  [{c.n}] {c.section} ({c.source}:{c.start}-{c.end})")
        print(f"      „{' '.join(c.quote.split())}“")


def _stream_answer(
    assistant: StreamingAnswerer,
    question: str,
    history: Sequence[tuple[str, str]] | None = None,
    *,
    live: bool = True,
) -> Answer:
    answer = None
    streamed: list[str] = []
    for event in assistant.ask_stream(question, history=history):
        if event.kind == "token" and live:
            streamed.append(event.text)
            print(event.text, end="", flush=True)
        elif event.answer is not None:
            answer = event.answer
    assert answer is not None
    shown = "".join(streamed).strip()
    if not live or shown != answer.text:
        if shown:
            print("\n(checked answer:)")
        print(answer.text)
    else:
        print()
    if answer.reason and not answer.refused:  # a check failed and the answer is the best sentence's
        why = next((n for n in answer.notes if n.startswith(f"{answer.reason}:")), answer.reason)
        _err(f"note: answered from the best sentence ({why})")
    _print_sources(answer)
    return answer


def cmd_ask(args: argparse.Namespace) -> int:
    assistant = _load_assistant(args)
    if args.json:
        print(json.dumps(assistant.ask(args.question).to_dict(), ensure_ascii=False, indent=2))
        return 0
    _stream_answer(assistant, args.question, live=not args.no_stream)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    assistant = _load_assistant(args)
    session = assistant.chat()
    print("Ask about the document (empty line or Ctrl-D to quit, /new for a new conversation).")
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        if question == "/new":
            session.reset()
            print("(new conversation)")
            continue
        try:
            answer = _stream_answer(assistant, question, history=session.history)
        except AssistantError as err:
            _err(f"error: {err}")
            continue
        session.remember(answer)


# -- eval -------------------------------------------------------------------------
def cmd_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from assistant.evaluation.command import EvalRequest, run_request, text_progress
    from assistant.evaluation.compare import compare, load_results
    from assistant.evaluation.runner import fail_under

    if args.compare:
        print(compare(load_results(Path(args.compare[0])), load_results(Path(args.compare[1]))))
        return 0
    settings = _settings(args)
    files = [Path(f) for f in args.files] or ([] if args.squad else [settings.root / "evals" / "summit.jsonl"])
    req = EvalRequest(
        files=files,
        squad=Path(args.squad) if args.squad else None,
        questions_from=Path(args.questions_from) if args.questions_from else None,
        limit=args.limit,
        sample=args.sample,
        multi_turn=args.multi_turn,
        retrieval_only=args.retrieval_only,
        out=Path(args.out) if args.out else None,
    )
    run, paths = run_request(settings, req, text_progress())
    s = run.summary
    keys = ["n", "hit@1", "hit@5", "mrr@10", "accuracy", "grounded_accuracy", "exact_match", "f1", "citation_precision",
            "citation_recall", "refusal_rate", "false_refusal_rate", "language_match"]  # fmt: skip
    print("  ".join(f"{k}={s[k]:.3f}" if isinstance(s[k], float) else f"{k}={s[k]}" for k in keys))
    print(f"reports: {paths['html']}  {paths['markdown']}  {paths['json']}")
    try:
        failures = fail_under(s, args.fail_under or [])
    except ValueError as err:
        raise AssistantError(str(err)) from err
    for msg in failures:
        _err(f"FAIL: {msg}")
    return 1 if failures else 0


# -- serve / feedback ---------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from assistant.ui import serve

    serve(_settings(args), host=args.host, port=args.port, api_only=args.api_only, insecure=args.insecure)
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from pathlib import Path

    from assistant.ui.feedback import cli_export

    return int(cli_export(_settings(args), Path(args.out)))


BACKENDS = ("llamacpp", "ollama", "openai", "extractive", "fake")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description="Cited Q&A over a document, offline.")
    p.add_argument("--profile", help="settings profile name or YAML file")
    sub = p.add_subparsers(dest="command", required=True)
    _add_corpus_commands(sub)
    _add_answer_commands(sub)
    _add_eval_command(sub)

    v = sub.add_parser("serve", help="start the web UI and the OpenAI-compatible API (/v1)")
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=7860)
    v.add_argument("--api-only", action="store_true", help="serve the /v1 API without the UI")
    v.add_argument("--insecure", action="store_true", help="allow a non-loopback host without API keys")
    v.add_argument("--backend", choices=BACKENDS)
    v.add_argument("--model")
    v.set_defaults(func=cmd_serve)

    f = sub.add_parser("feedback", help="turn UI feedback into eval cases")
    f.add_argument("action", choices=["export"])
    f.add_argument("--out", default="evals/feedback.jsonl")
    f.set_defaults(func=cmd_feedback)
    return p


def _add_corpus_commands(sub: Any) -> None:
    """models, index and search: what comes before an answer."""
    m = sub.add_parser("models", help="fetch and check the local models")
    m.add_argument("action", choices=["fetch", "list"])
    m.add_argument("names", nargs="*", help="models (default: all default models)")
    m.add_argument("--verify", action="store_true", help="re-hash files even if a stamp says they are fine")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=cmd_models)

    i = sub.add_parser("index", help="build the search index (no-op when current)")
    i.add_argument("--rebuild", action="store_true", help="build from nothing, reusing no vectors")
    i.add_argument("--strict", action="store_true", help="exit 3 when any corpus file was skipped")
    i.add_argument("-q", "--quiet", action="store_true")
    i.set_defaults(func=cmd_index)

    s = sub.add_parser("search", help="show the passages retrieved for a question")
    s.add_argument("question")
    s.add_argument("-k", type=int, default=5)
    s.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search)


def _add_answer_commands(sub: Any) -> None:
    for name, helptext in (("ask", "answer one question, with cited sources"), ("chat", "interactive chat")):
        a = sub.add_parser(name, help=helptext)
        if name == "ask":
            a.add_argument("question")
            a.add_argument("--json", action="store_true", help="print one JSON object")
            a.add_argument("--no-stream", action="store_true", help="print the answer when complete")
            a.set_defaults(func=cmd_ask)
        else:
            a.set_defaults(func=cmd_chat)
        a.add_argument("--backend", choices=BACKENDS)
        a.add_argument("--model", help="registry name, GGUF path, or the server's model name")


def _add_eval_command(sub: Any) -> None:
    e = sub.add_parser("eval", help="run eval sets and write reports")
    e.add_argument("files", nargs="*", help="JSONL eval sets (default: evals/summit.jsonl)")
    e.add_argument("--backend", choices=BACKENDS)
    e.add_argument("--model")
    e.add_argument("--out", help="report folder (default: evals/results/<time>-<name>)")
    e.add_argument("--squad", help="a SQuAD v1.1 JSON file: its paragraphs become a temporary corpus")
    e.add_argument("--questions-from", help="parallel SQuAD file to take the question texts from (cross-lingual)")
    e.add_argument("--limit", type=int, help="only the first N cases (SQuAD: paragraphs)")
    e.add_argument("--sample", type=int, help="N cases evenly spaced over the eval set (a quick, representative run)")
    e.add_argument("--multi-turn", action="store_true", help="only the multi-turn conversations")
    e.add_argument("--retrieval-only", action="store_true", help="score retrieval only; no answers")
    e.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"), help="compare two runs")
    e.add_argument("--fail-under", action="append", metavar="METRIC=VALUE", help="exit 1 if a metric falls short")
    e.set_defaults(func=cmd_eval)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except AssistantError as err:
        _err(f"error: {err}")
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
