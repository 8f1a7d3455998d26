"""make bench-scale's pieces that need no model: the corpora it stages, and how its report judges the targets."""

from __future__ import annotations

from pathlib import Path

from assistant.evaluation.bench_scale_corpora import ADDED_BYTES, added_text, stage
from assistant.evaluation.bench_scale_report import markdown, meets
from assistant.ingest.loaders import corpus_files

ROOT = Path(__file__).resolve().parents[2]


def test_the_added_file_is_just_over_ten_kilobytes_of_whole_paragraphs() -> None:
    text = added_text()
    assert ADDED_BYTES <= len(text.encode()) < ADDED_BYTES + 4096
    assert text.endswith("\n") and "\n\n" in text


def test_the_medium_corpus_is_the_summit_text_xquad_and_the_debian_reference(tmp_path: Path) -> None:
    stage("medium", tmp_path / "corpus", ROOT, tmp_path / "cache")
    files = corpus_files(tmp_path / "corpus")
    kinds = {p.relative_to(tmp_path / "corpus").parts[0] for p in files}
    assert kinds == {"summit", "xquad-de", "xquad-en", "debian-reference-de"}
    assert len(files) > 200 and not (tmp_path / "cache").exists()  # nothing downloaded below the large size


def test_the_report_judges_the_largest_size_on_the_in_build_figures() -> None:
    small = {"size": "summit", "store": "embedded", "chunks": 23, "add_build_s": 30.0, "full_build_s": 20.0}
    large = {
        "size": "large", "store": "embedded", "chunks": 9961, "full_build_s": 2272.0, "chunks_per_s": 4.4,
        "add_build_s": 14.0, "add_s": 30.0, "remove_build_s": 5.5, "remove_s": 9.0, "retrieval_p50_ms": 58.0,
        "serve_ready_s": 14.0, "serve_peak_rss_mb": 2800.0,
    }  # fmt: skip
    table = markdown([large, small])
    assert table.index("| summit |") < table.index("| large |")  # rows in size order
    assert "| add one 10 KB file (incremental; in build, CLI wall) | 14.0 s (30.0 s) ✓ |" in table
    assert "| remove one file (in build, CLI wall) | 5.5 s (9.0 s) ✗ |" in table
    assert meets(large, "add_build_s", 1000.0) is False  # 14 s is over 1 % of a 1000 s build
    assert meets(large, "chunks_per_s", None) is True and meets(small, "serve_ready_s", None) is None
