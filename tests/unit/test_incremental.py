"""Incremental builds and skipped files, with the hash embedder and a real Chroma on disk."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.config import RetrievalSettings
from assistant.embeddings.base import Vector
from assistant.embeddings.fake import HashEmbedder
from assistant.errors import IndexError_
from assistant.indexing import BuildResult, build_index, current_build, expected_manifest, open_index, read_manifest
from assistant.ingest.chunk import ChunkParams
from assistant.ingest.scan import corpus_digest, scan_corpus
from assistant.retrieval.retriever import HybridRetriever

P = ChunkParams()
TEXTS = {
    "haushalt.txt": "Haushalt\n\nDeutschland erhöht den Verteidigungshaushalt auf 124 Milliarden Euro. "
    "Das Geld fließt in Munition und Luftverteidigung.",
    "island.txt": "Island\n\nIsland ist der Maritimen Sicherheitspartnerschaft beigetreten. "
    "Die Partnerschaft schützt Kabel am Meeresgrund.",
    "bahn.md": "# Bahn\n\nDie Bahn baut bis 2030 neue Brücken für schwere Fahrzeuge. Sie kosten 3 Milliarden Euro.",
}
QUESTIONS = ["Verteidigungshaushalt 124", "Kabel am Meeresgrund", "Brücken der Bahn", "Luftverteidigung", "Island"]


def _corpus(root: Path, files: dict[str, str | bytes]) -> Path:
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    for old in corpus.iterdir():
        if old.name not in files:
            old.unlink()
    for name, body in files.items():
        path = corpus / name
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
    return corpus


def _build(root: Path, index: Path, emb: HashEmbedder, **kw: object) -> BuildResult:
    sources = scan_corpus(root / "corpus", root)
    return build_index(index, sources, emb, P, corpus_digest(sources), **kw)  # type: ignore[arg-type]


def _results(index: Path) -> list[list[tuple[float, str]]]:
    """Each question's hits as (score, chunk id), best first; equal scores (ties) in id order."""
    retriever = HybridRetriever(open_index(index, None), HashEmbedder(), RetrievalSettings())
    return [sorted((-round(h.score, 6), h.chunk.chunk_id) for h in retriever.retrieve(q, k=5).hits) for q in QUESTIONS]


def _sentences(index: Path) -> dict[str, list[list[float]]]:
    return {cid: np.asarray(m).round(6).tolist() for cid, m in open_index(index, None).sentence_vectors.items()}


def test_adding_a_file_embeds_only_it_and_matches_a_full_build(tmp_path: Path) -> None:
    two = {k: TEXTS[k] for k in ("haushalt.txt", "island.txt")}
    _corpus(tmp_path, two)
    emb = HashEmbedder()
    _build(tmp_path, tmp_path / "inc", emb)
    _corpus(tmp_path, dict(TEXTS))
    emb.calls = 0
    added = _build(tmp_path, tmp_path / "inc", emb)
    assert added.built and added.work.kept == 2 and added.work.loaded == 1 and added.work.removed == 0
    full_emb = HashEmbedder()
    full = _build(tmp_path, tmp_path / "full", full_emb)
    # Only the new file's chunk and sentences went to the model.
    assert 0 < emb.calls == added.work.embedded < full.work.embedded == full_emb.calls
    assert added.chunks == full.chunks
    assert _results(tmp_path / "inc") == _results(tmp_path / "full")
    assert _sentences(tmp_path / "inc") == _sentences(tmp_path / "full")


def test_removing_and_changing_files(tmp_path: Path) -> None:
    _corpus(tmp_path, dict(TEXTS))
    emb = HashEmbedder()
    _build(tmp_path, tmp_path / "inc", emb)
    _corpus(tmp_path, {"haushalt.txt": TEXTS["haushalt.txt"], "bahn.md": TEXTS["bahn.md"]})
    emb.calls = 0
    removed = _build(tmp_path, tmp_path / "inc", emb)
    assert removed.work.removed == 1 and removed.work.loaded == 0 and emb.calls == 0
    assert "corpus/island.txt" not in read_manifest(removed.path)["sources"]
    _build(tmp_path, tmp_path / "full", HashEmbedder())
    assert _results(tmp_path / "inc") == _results(tmp_path / "full")

    _corpus(
        tmp_path,
        {"haushalt.txt": TEXTS["haushalt.txt"] + " Neu: 2027 folgen 130 Milliarden.", "bahn.md": TEXTS["bahn.md"]},
    )
    changed = _build(tmp_path, tmp_path / "inc", emb)
    assert changed.work.loaded == 1 and changed.work.kept == 1
    _build(tmp_path, tmp_path / "full", HashEmbedder(), force=True)
    assert _results(tmp_path / "inc") == _results(tmp_path / "full")
    assert _sentences(tmp_path / "inc") == _sentences(tmp_path / "full")
    chunks = open_index(tmp_path / "inc", None).chunks.values()
    assert not any("Island" in c.text for c in chunks)
    assert any("130 Milliarden" in c.text for c in chunks)


def test_another_embedder_or_rebuild_reuses_nothing(tmp_path: Path) -> None:
    _corpus(tmp_path, dict(TEXTS))
    _build(tmp_path, tmp_path / "idx", HashEmbedder())
    other = HashEmbedder(dim=32)
    result = _build(tmp_path, tmp_path / "idx", other)
    assert result.built and result.work.kept == 0 and "embedding model changed" in result.reason
    forced = _build(tmp_path, tmp_path / "idx", other, force=True)
    assert forced.work.kept == 0 and forced.work.loaded == 3 and forced.reason == "forced rebuild"


def _encrypted_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BAD: dict[str, tuple[bytes, str]] = {
    "binary.txt": (b"abc\x00\x01\x02" * 10, "binary"),
    "fake.pdf": (b"<html>not a pdf</html>", "not-pdf"),
    "empty.md": (b"  \n\n ", "empty"),
    "latin1.txt": ("Grüße aus Köln".encode("latin-1"), "encoding"),
    "fake.docx": (b"plain text, not a zip", "binary"),
}


def test_a_mixed_folder_indexes_the_good_files_and_reports_the_rest(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {**TEXTS, **{k: v[0] for k, v in BAD.items()}}
    files["locked.pdf"] = _encrypted_pdf()
    files["page.html"] = "<html><head><title>Seite</title></head><body><p>Die Seite nennt 42 Wege.</p></body></html>"
    _corpus(tmp_path, files)
    result = _build(tmp_path, tmp_path / "idx", HashEmbedder())
    got = {Path(s.source).name: s.reason for s in result.skipped}
    assert got == {**{k: v[1] for k, v in BAD.items()}, "locked.pdf": "encrypted"}
    assert all(s.message.startswith(Path(s.source).name) for s in result.skipped)
    manifest = read_manifest(result.path)
    assert {Path(s["source"]).name for s in manifest["skipped"]} == set(got)
    assert {Path(s).name for s in manifest["sources"]} == {*TEXTS, "page.html"}
    retriever = HybridRetriever(open_index(tmp_path / "idx", None), HashEmbedder(), RetrievalSettings())
    assert "42 Wege" in retriever.retrieve("42 Wege", k=1).hits[0].chunk.text

    # An unchanged bad file is not read again, and stays reported; a fixed one is indexed.
    emb = HashEmbedder()
    (tmp_path / "corpus" / "latin1.txt").write_text("Grüße aus Köln, jetzt in UTF-8.", encoding="utf-8")
    again = _build(tmp_path, tmp_path / "idx", emb)
    assert again.work.loaded == 1 and again.work.kept == len(TEXTS) + 1
    assert {Path(s.source).name for s in again.skipped} == set(got) - {"latin1.txt"}


def test_a_folder_of_only_bad_files_fails_and_keeps_the_previous_index(tmp_path: Path) -> None:
    _corpus(tmp_path, dict(TEXTS))
    _build(tmp_path, tmp_path / "idx", HashEmbedder())
    before = current_build(tmp_path / "idx")
    _corpus(tmp_path, {k: v[0] for k, v in BAD.items()})
    with pytest.raises(IndexError_, match=r"no text to index.*skipped.*binary\.txt"):
        _build(tmp_path, tmp_path / "idx", HashEmbedder())
    assert current_build(tmp_path / "idx") == before


class _Exploding(HashEmbedder):
    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        raise KeyboardInterrupt  # a kill in the middle of an incremental build


def test_an_interrupted_incremental_build_keeps_the_previous_index(tmp_path: Path) -> None:
    _corpus(tmp_path, {k: TEXTS[k] for k in ("haushalt.txt", "island.txt")})
    _build(tmp_path, tmp_path / "idx", HashEmbedder())
    before = current_build(tmp_path / "idx")
    before_results = _results(tmp_path / "idx")
    _corpus(tmp_path, dict(TEXTS))
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path, tmp_path / "idx", _Exploding())
    assert current_build(tmp_path / "idx") == before
    assert not list((tmp_path / "idx").glob(".tmp-*"))
    assert _results(tmp_path / "idx") == before_results
    # The stale check still sees the change, and the next build finishes it.
    expected = expected_manifest(HashEmbedder(), P, corpus_digest(scan_corpus(tmp_path / "corpus", tmp_path)))
    with pytest.raises(IndexError_, match="stale"):
        open_index(tmp_path / "idx", expected)
    assert _build(tmp_path, tmp_path / "idx", HashEmbedder()).work.loaded == 1


def test_sentence_vectors_are_memory_mapped(tmp_path: Path) -> None:
    _corpus(tmp_path, dict(TEXTS))
    result = _build(tmp_path, tmp_path / "idx", HashEmbedder())
    vectors = open_index(tmp_path / "idx", None).sentence_vectors
    assert vectors and all(isinstance(m.base, np.memmap) or isinstance(m, np.memmap) for m in vectors.values())
    rows = json.loads((result.path / "sentences.json").read_text())
    assert len(rows) == sum(len(m) for m in vectors.values())


def test_a_file_added_to_a_large_index_is_embedded_by_the_runtime_a_full_build_uses(tmp_path: Path) -> None:
    from assistant.embeddings.routed import RoutedEmbedder

    big = {f"d{i}.txt": "".join(f"Satz {j} aus Text {i} zum Gipfel. " for j in range(40)) for i in range(4)}
    _corpus(tmp_path, dict(big))
    fast, bulk = HashEmbedder(), HashEmbedder()
    routed = RoutedEmbedder(fast, lambda: bulk, 100)
    _build(tmp_path, tmp_path / "idx", routed)  # type: ignore[arg-type]
    assert bulk.calls > 100 and fast.calls == 0
    bulk.calls = 0
    _corpus(tmp_path, {**big, "neu.txt": "Ein neuer Satz zum Gipfel."})
    added = _build(tmp_path, tmp_path / "idx", routed)  # type: ignore[arg-type]
    assert 0 < added.work.embedded < 100 and bulk.calls == added.work.embedded and fast.calls == 0


def test_an_incremental_build_analyses_only_the_new_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.indexing as indexing
    from assistant.text.analyzer import tokenize

    _corpus(tmp_path, {k: TEXTS[k] for k in ("haushalt.txt", "island.txt")})
    _build(tmp_path, tmp_path / "idx", HashEmbedder())
    analysed: list[str] = []

    def counting(text: str) -> list[str]:
        analysed.append(text)
        return tokenize(text)

    monkeypatch.setattr(indexing, "tokenize", counting)
    _corpus(tmp_path, dict(TEXTS))
    added = _build(tmp_path, tmp_path / "idx", HashEmbedder())
    new = [c for c in open_index(tmp_path / "idx", None).chunks.values() if c.source == "corpus/bahn.md"]
    assert len(analysed) == len(new) == added.chunks - 2
    monkeypatch.undo()
    _build(tmp_path, tmp_path / "full", HashEmbedder())
    assert _results(tmp_path / "idx") == _results(tmp_path / "full")


def test_an_active_build_that_cannot_lend_is_replaced_by_a_full_build(tmp_path: Path) -> None:
    import shutil

    _corpus(tmp_path, {k: TEXTS[k] for k in ("haushalt.txt", "island.txt")})
    first = _build(tmp_path, tmp_path / "idx", HashEmbedder())
    shutil.rmtree(first.path / "chroma")  # the active store is gone (a disk cleaned by hand)
    _corpus(tmp_path, dict(TEXTS))
    said: list[str] = []
    result = _build(tmp_path, tmp_path / "idx", HashEmbedder(), progress=lambda m, _: said.append(m))
    assert result.work.kept == 0 and result.work.loaded == 3 and any("building from nothing" in m for m in said)
    assert read_manifest(result.path)["files"].keys() == {f"corpus/{k}" for k in TEXTS}
    _build(tmp_path, tmp_path / "full", HashEmbedder())
    assert _results(tmp_path / "idx") == _results(tmp_path / "full")


def test_the_saved_names_are_the_ones_a_scan_of_every_chunk_finds(tmp_path: Path) -> None:
    from assistant.answer.facts import NameBook

    extra = {"nato.txt": "Gipfel\n\nDie Nordatlantische Vertragsorganisation tagte in Ankara. Mark Rutte sprach."}
    _corpus(tmp_path, {"haushalt.txt": TEXTS["haushalt.txt"], **extra})
    _build(tmp_path, tmp_path / "idx", HashEmbedder())
    _corpus(tmp_path, {**TEXTS, **extra})
    _build(tmp_path, tmp_path / "idx", HashEmbedder())  # incremental: the kept sources' names come along
    retriever = HybridRetriever(open_index(tmp_path / "idx", None), HashEmbedder(), RetrievalSettings())
    saved = retriever.name_book()
    assert saved == NameBook.from_texts(retriever.chunk_texts()) and "nordatlantische" in saved.names


def test_pruning_keeps_the_two_newest_builds_even_within_one_second(tmp_path: Path) -> None:
    """Builds sort by name in start order: the active build and its parent survive, however fast they come."""
    emb = HashEmbedder()
    made = []
    for n in range(4):
        _corpus(tmp_path, {"haushalt.txt": TEXTS["haushalt.txt"] + f" Fassung {n}."})
        made.append(_build(tmp_path, tmp_path / "inc", emb).path)
    left = sorted(p.name for p in (tmp_path / "inc").glob("build-*"))
    assert left == [made[2].name, made[3].name]
    assert current_build(tmp_path / "inc") == made[3]
