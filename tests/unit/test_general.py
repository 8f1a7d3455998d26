"""The general benchmark's corpora and scoring rules, on a small SQuAD pair written here."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.evaluation.general import xquad_corpus
from assistant.evaluation.quotation import is_quote
from assistant.evaluation.scoring import score_turn


def _squad(path: Path, lang: str) -> None:
    articles = []
    for a in range(6):
        paragraphs = []
        for p in range(2):
            qid = f"q{a}{p}"
            context = f"Artikel {a} Absatz {p}: Die Stadt Nummer {a}{p} wurde im Jahr 19{a}{p} gegründet."
            question = f"Wann wurde Stadt {a}{p} gegründet?" if lang == "de" else f"When was city {a}{p} founded?"
            answer = f"19{a}{p}" if lang == "de" else f"in 19{a}{p}"
            paragraphs.append(
                {
                    "context": context,
                    "qas": [{"id": qid, "question": question, "answers": [{"text": answer, "answer_start": 0}]}],
                }
            )
        articles.append({"title": f"Artikel_{a}", "paragraphs": paragraphs})
    path.write_text(json.dumps({"data": articles}), encoding="utf-8")


def test_xquad_corpus_leaves_articles_out_and_asks_both_languages(tmp_path: Path) -> None:
    _squad(tmp_path / "xquad.de.dev.json", "de")
    _squad(tmp_path / "xquad.en.dev.json", "en")
    corpus = xquad_corpus(tmp_path, per_article=2, left_out_every=3)
    assert len(corpus.documents) == 4  # articles 2 and 5 are left out
    assert not any("Artikel_2" in d.source or "Artikel_5" in d.source for d in corpus.documents)
    off = [c for c in corpus.cases if not c.answerable]
    assert len(off) == 2 * 2 * 2 and all(not c.turns[0].accept for c in off)
    on = [c for c in corpus.cases if c.answerable]
    assert {c.lang for c in on} == {"de", "en"}
    case = next(c for c in on if c.lang == "en" and c.id.endswith("q01"))
    # Right in either language: the German and the English gold answers are both accepted.
    assert set(case.turns[0].accept) == {"1901", "in 1901"}
    src, start, end = case.turns[0].gold_spans[0]
    assert corpus.texts[src][start:end].startswith("Artikel 0 Absatz 1")


def test_an_answer_counts_right_by_token_f1_and_is_grounded_only_in_its_paragraph(tmp_path: Path) -> None:
    _squad(tmp_path / "xquad.de.dev.json", "de")
    _squad(tmp_path / "xquad.en.dev.json", "en")
    corpus = xquad_corpus(tmp_path, per_article=2, left_out_every=3)
    case = next(c for c in corpus.cases if c.answerable)
    gold = case.turns[0]
    wrong = score_turn(case, gold, text="Sie entstand 1777.", refused=False, language="de", citations=(), passages=())
    assert wrong.correct == 0.0
    right = score_turn(
        case, gold, text=f"Im Jahr {gold.accept[0]}.", refused=False, language="de", citations=(), passages=()
    )
    assert right.correct == 1.0 and right.grounded == 0.0  # right, but nothing cited


def test_quotes_are_told_from_answers() -> None:
    assert is_quote("According to the text: „Die Stadt wurde im Jahr 1901 gegründet und wuchs schnell.“ [1]")
    assert not is_quote("The city was founded in 1901 [1].")
    assert not is_quote("Das Motto war „Einheit“ [1], so der Text.")
