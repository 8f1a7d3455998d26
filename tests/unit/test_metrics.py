"""Eval metrics on hand-computed examples, including the null rules."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.evaluation.gold import Case, GoldTurn
from assistant.evaluation.metrics import SCALAR_METRICS, TurnMetrics
from assistant.evaluation.relevance import citation_is_supported, locate_quotes, passage_is_relevant
from assistant.evaluation.results import CaseResult, PassageRef, TurnResult
from assistant.evaluation.scoring import retrieval_scores, score_failed_turn, score_retrieval_turn, score_turn
from assistant.evaluation.stats import percentile
from assistant.evaluation.summary import summarize
from assistant.types import Citation

SRC = "corpus/a.txt"
TEXT = "Der Haushalt steigt auf 124 Milliarden Euro.\n\nIsland ist beigetreten. Schweden ist beigetreten."
CORPUS = {SRC: TEXT, "corpus/b.txt": "Island ist beigetreten."}
QUOTE = "124 Milliarden Euro"
Q_START = TEXT.index(QUOTE)
Q_END = Q_START + len(QUOTE)


def _passage(start: int, end: int, source: str = SRC, n: int = 0) -> PassageRef:
    return PassageRef(f"c{n}-{start}", source, "Intro", start, end, 1.0)


def _cite(start: int, end: int, quote: str, source: str = SRC, n: int = 1) -> Citation:
    return Citation(n, f"c-{start}", source, "Intro", start, end, quote)


GOLD = GoldTurn(
    question="Wie hoch ist der Haushalt?",
    accept=("124 Milliarden",),
    gold_quotes=(QUOTE,),
    gold_spans=((SRC, Q_START, Q_END),),
    reference="124 Milliarden Euro.",
)
CASE = Case("de-1", "de", True, (GOLD,))
UNANS = Case("de-u", "de", False, (GoldTurn("Wer richtet 2027 aus?"),))


def _score(case: Case = CASE, gold: GoldTurn = GOLD, **kw: Any) -> TurnMetrics:
    args: dict[str, Any] = {
        "text": "Auf 124 Milliarden Euro [1].",
        "refused": False,
        "language": "de",
        "citations": (),
        "passages": (),
    }
    args.update(kw)
    return score_turn(case, gold, **args)


# -- locating gold and relevance ----------------------------------------------------
def test_locate_quotes_finds_every_occurrence_and_respects_source() -> None:
    spans = locate_quotes(["Island ist beigetreten."], CORPUS)
    start = TEXT.index("Island")
    assert set(spans) == {(SRC, start, start + 23), ("corpus/b.txt", 0, 23)}
    assert locate_quotes(["Island ist beigetreten."], CORPUS, "corpus/b.txt") == (("corpus/b.txt", 0, 23),)
    twice = locate_quotes(["ist beigetreten"], {SRC: TEXT})
    assert len(twice) == 2
    assert locate_quotes(["not in the text", ""], CORPUS) == ()


def test_passage_relevance_needs_half_the_quote_in_the_same_source() -> None:
    spans = [(SRC, Q_START, Q_END)]  # 19 characters
    assert passage_is_relevant(_passage(0, 60), spans, None)  # covers it
    assert passage_is_relevant(_passage(Q_START + 9, 200), spans, None)  # 10 of 19 chars
    assert not passage_is_relevant(_passage(Q_START + 10, 200), spans, None)  # 9 of 19
    assert not passage_is_relevant(_passage(0, 60, source="corpus/b.txt"), spans, None)
    assert not passage_is_relevant(_passage(Q_END, 200), spans, None)  # touching is not overlapping


def test_gold_source_makes_any_passage_of_that_source_relevant() -> None:
    assert passage_is_relevant(_passage(500, 600, source="squad/p1"), [], "squad/p1")
    assert not passage_is_relevant(_passage(0, 60), [(SRC, Q_START, Q_END)], "squad/p1")


@pytest.mark.parametrize(
    ("relevant_at", "expected"),
    [
        (1, (1, 1.0, 1.0, 1.0)),
        (2, (2, 0.0, 1.0, 0.5)),
        (5, (5, 0.0, 1.0, 0.2)),
        (7, (7, 0.0, 0.0, 1 / 7)),
        (11, (11, 0.0, 0.0, 0.0)),
        (None, (None, 0.0, 0.0, 0.0)),
    ],
)
def test_retrieval_scores_by_rank(relevant_at: int | None, expected: tuple[object, ...]) -> None:
    passages = [_passage(200 + i, 210 + i, n=i) for i in range(1, 13)]
    if relevant_at is not None:
        passages[relevant_at - 1] = _passage(0, 60)
    got = retrieval_scores(CASE, GOLD, passages)
    assert (got["rank"], got["hit_at_1"], got["hit_at_5"], got["mrr_at_10"]) == pytest.approx(expected)


def test_retrieval_scores_are_null_without_gold() -> None:
    got = retrieval_scores(UNANS, UNANS.turns[0], [_passage(0, 60)])
    assert got == {"rank": None, "hit_at_1": None, "hit_at_5": None, "mrr_at_10": None}


# -- answers --------------------------------------------------------------------------
def test_accuracy_by_accept_match_and_refusal() -> None:
    assert _score().correct == 1.0
    assert _score(text="Auf 142 Milliarden Euro.").correct == 0.0
    # A refusal never answers an answerable question, whatever its text says.
    assert _score(refused=True).correct == 0.0
    gold_u = UNANS.turns[0]
    assert _score(UNANS, gold_u, text="Dazu keine Angabe.", refused=True).correct == 1.0
    assert _score(UNANS, gold_u, text="Ankara.", refused=False).correct == 0.0


def test_squad_exact_match_and_f1_only_for_squad_cases() -> None:
    m = _score()
    assert m.exact_match is None and m.f1 is None
    gold = GoldTurn("Wie viele Punkte?", accept=("308 Punkte", "308"))
    squad = Case("sq-1", "de", True, (gold,), gold_source="squad/p1", squad=True)
    exact = score_turn(squad, gold, text="308", refused=False, language="de", citations=(), passages=())
    assert (exact.exact_match, exact.f1) == (1.0, 1.0)
    partial = score_turn(
        squad, gold, text="insgesamt 308 Punkte", refused=False, language="de", citations=(), passages=()
    )
    assert partial.exact_match == 0.0
    assert partial.f1 == pytest.approx(0.8)  # p=2/3, r=1 vs "308 punkte"
    refused = score_turn(squad, gold, text="308", refused=True, language="de", citations=(), passages=())
    assert (refused.exact_match, refused.f1) == (0.0, 0.0)


def test_language_match_detects_text_but_trusts_refusals_declared_language() -> None:
    assert _score(text="Auf 124 Milliarden Euro, das ist der Haushalt.").language_match == 1.0
    english = _score(text="It is 124 billion euros, which is the budget.", language="de")
    assert english.language_match == 0.0
    # A refusal template is not run through detection: answer.language counts.
    refusal = _score(UNANS, UNANS.turns[0], text="The text does not say.", refused=True, language="de")
    assert refusal.language_match == 1.0


def test_language_match_leaves_out_nested_quotes() -> None:
    # The source nests quotes; the first inner „ must not end the outer quotation, or the rest of the
    # German quote would count as the answer's own words.
    nested = (
        "According to the text: „In ihrer Gipfelerklärung bekräftigen die Alliierten ihre Vorstellungen: "
        "„Wir gestalten die Zukunft: ein stärkeres Europa innerhalb einer stärkeren NATO.“, heißt es in dem "
        "Dokument und die Partner stehen zu ihrem Versprechen.“ [1]"
    )
    english = Case("en-1", "en", True, (GOLD,))
    assert _score(english, text=nested, language="en").language_match == 1.0
    own_german = _score(english, text="Laut Text ist es „so“ und nicht anders, sagt der Text.", language="en")
    assert own_german.language_match == 0.0


# -- citations ------------------------------------------------------------------------
def test_citation_supported_by_overlap_or_by_quoting_an_accepted_answer() -> None:
    overlapping = _cite(Q_START - 5, Q_START + 3, TEXT[Q_START - 5 : Q_START + 3])
    restating = _cite(900, 950, "Das sind 124 Milliarden für die Bundeswehr", source="corpus/other.txt")
    unrelated_start = TEXT.index("Island")
    unrelated = _cite(unrelated_start, unrelated_start + 23, "Island ist beigetreten.")
    assert citation_is_supported(overlapping, GOLD)
    assert citation_is_supported(restating, GOLD)
    assert not citation_is_supported(unrelated, GOLD)
    wrong_source = _cite(Q_START, Q_END, "ohne Zahl", source="corpus/b.txt")
    assert not citation_is_supported(wrong_source, GOLD)


def test_citation_precision_and_recall_per_turn() -> None:
    island = TEXT.index("Island")
    good = _cite(Q_START, Q_END, QUOTE, n=1)
    restating = _cite(island, island + 10, "steigt auf 124 Milliarden", n=2)  # no overlap, but accepted answer
    bad = _cite(island, island + 23, "Island ist beigetreten.", n=3)
    m = _score(citations=(good, restating, bad))
    assert (m.citations, m.citations_supported) == (3, 2)
    assert m.citation_precision == pytest.approx(2 / 3)
    assert m.citation_recall == 1.0
    # Recall needs a citation *of the gold evidence*: restating is not enough.
    only_restating = _score(citations=(restating, bad))
    assert only_restating.citation_recall == 0.0
    uncited = _score()
    assert uncited.citation_precision is None and uncited.citation_recall == 0.0
    unans = _score(UNANS, UNANS.turns[0], citations=(good,), text="x")
    assert unans.citation_precision is None and unans.citation_recall is None


def test_grounded_needs_a_correct_answer_and_a_citation_of_the_gold_evidence() -> None:
    island = TEXT.index("Island")
    good = _cite(Q_START, Q_END, QUOTE)
    bad = _cite(island, island + 23, "Island ist beigetreten.")
    assert _score(citations=(good,)).grounded == 1.0
    assert _score(citations=(bad,)).grounded == 0.0  # right answer, wrong passage cited
    assert _score(citations=()).grounded == 0.0  # right answer, nothing cited
    assert _score(citations=(good,), text="Auf 150 Milliarden Euro [1].").grounded == 0.0
    assert _score(citations=(good,), refused=True).grounded == 0.0
    # Without gold quotes, a citation that quotes an accepted answer is the evidence.
    no_quotes = GoldTurn("Wie hoch ist der Haushalt?", accept=("124 Milliarden",))
    assert _score(CASE, no_quotes, citations=(_cite(island, island + 9, "auf 124 Milliarden"),)).grounded == 1.0
    assert _score(CASE, no_quotes, citations=(bad,)).grounded == 0.0
    assert _score(UNANS, UNANS.turns[0], refused=True).grounded is None
    assert score_failed_turn(CASE, GOLD).grounded == 0.0


def test_failed_turn_scores_as_wrong_everywhere_it_applies() -> None:
    m = score_failed_turn(CASE, GOLD)
    assert (m.hit_at_5, m.correct, m.citation_recall, m.language_match, m.refused) == (0.0, 0.0, 0.0, 0.0, False)
    assert m.exact_match is None
    r = score_failed_turn(CASE, GOLD, retrieval_only=True)
    assert r.hit_at_5 == 0.0 and r.correct is None and r.language_match is None


# -- aggregation ----------------------------------------------------------------------
def test_percentile_interpolates_linearly() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(x) for x in range(1, 101)], 95) == pytest.approx(95.05)


def _turn(case: Case, gold: GoldTurn, *, text: str, refused: bool, passages: list[PassageRef],
          citations: tuple[Citation, ...] = (), total: float = 100.0, lang: str = "de") -> TurnResult:  # fmt: skip
    m = score_turn(case, gold, text=text, refused=refused, language=lang, citations=citations, passages=passages)
    timings = {"retrieve": total / 10, "first_token": total / 2, "total": total}
    return TurnResult(gold, m, answer=text, refused=refused, language=lang, citations=citations,
                      passages=tuple(passages), timings_ms=timings)  # fmt: skip


def _results() -> list[CaseResult]:
    """4 cases, 5 questions; every number in the summary test is counted from here.

    de-1: right, gold at rank 1, one good citation            (100 ms)
    en-1: wrong (answers in German), gold at rank 2, one bad citation (200 ms)
    de-u: unanswerable, refused                                 (300 ms)
    en-m: two turns; turn 1 right (rank 3, no citations), turn 2 falsely refused, no gold found
    """
    island = TEXT.index("Island")
    gold_en = GoldTurn("How high is the budget?", accept=("124 billion", "124 Milliarden"),
                       gold_spans=((SRC, Q_START, Q_END),))  # fmt: skip
    en1 = Case("en-1", "en", True, (gold_en,))
    gold_m2 = GoldTurn("And Iceland?", accept=("beigetreten", "joined"),
                       gold_spans=((SRC, island, island + 23),))  # fmt: skip
    multi = Case("en-m", "en", True, (gold_en, gold_m2))
    hit = _passage(0, 60)
    miss = _passage(300, 400)
    return [
        CaseResult(CASE, (_turn(CASE, GOLD, text="Der Haushalt: 124 Milliarden Euro.", refused=False,
                                passages=[hit, miss], citations=(_cite(Q_START, Q_END, QUOTE),)),)),
        CaseResult(en1, (_turn(en1, gold_en, text="Der Haushalt ist hoch.", refused=False, passages=[miss, hit],
                               citations=(_cite(island, island + 6, "Island"),), total=200.0, lang="en"),)),
        CaseResult(UNANS, (_turn(UNANS, UNANS.turns[0], text="Dazu keine Angabe.", refused=True,
                                 passages=[miss], total=300.0),)),
        CaseResult(multi, (
            _turn(multi, gold_en, text="It is 124 billion euros.", refused=False, passages=[miss, miss, hit],
                  total=400.0, lang="en"),
            _turn(multi, gold_m2, text="The text does not say.", refused=True, passages=[miss], total=500.0,
                  lang="en"),
        )),
    ]  # fmt: skip


def test_summary_has_exactly_the_documented_keys() -> None:
    s = summarize(_results())
    block_keys = {"n", *SCALAR_METRICS, "latency_ms"}
    assert set(s) == block_keys | {"by_lang", "by_type"}
    assert set(s["by_lang"]) == {"de", "en"}
    assert set(s["by_type"]) == {"answerable", "unanswerable"}
    for block in [*s["by_lang"].values(), *s["by_type"].values()]:
        assert set(block) == block_keys
    assert set(s["latency_ms"]) == {"retrieve", "first_token", "total"}
    assert set(s["latency_ms"]["total"]) == {"p50", "p95"}


def test_summary_values_hand_computed() -> None:
    s = summarize(_results())
    assert s["n"] == 4
    # Retrieval over the 4 questions with gold: ranks 1, 2, 3, none.
    assert s["hit@1"] == pytest.approx(1 / 4)
    assert s["hit@5"] == pytest.approx(3 / 4)
    assert s["mrr@10"] == pytest.approx(round((1 + 1 / 2 + 1 / 3 + 0) / 4, 4))
    # Correct: de-1 yes, en-1 no, de-u yes (refused), en-m t1 yes, t2 no -> 3/5.
    assert s["accuracy"] == pytest.approx(3 / 5)
    # Answerable turns correct *and* citing gold: only de-1 of 4.
    assert s["grounded_accuracy"] == pytest.approx(1 / 4)
    assert s["by_type"]["unanswerable"]["grounded_accuracy"] is None
    assert s["exact_match"] is None and s["f1"] is None
    # Citations on answerable turns: 1 good + 1 bad -> 1/2; recall: de-1 only of 4 answerable turns.
    assert s["citation_precision"] == pytest.approx(0.5)
    assert s["citation_recall"] == pytest.approx(1 / 4)
    assert s["refusal_rate"] == 1.0
    assert s["false_refusal_rate"] == pytest.approx(1 / 4)
    # en-1 answered in German -> 4/5.
    assert s["language_match"] == pytest.approx(4 / 5)
    assert s["latency_ms"]["total"] == {"p50": 300.0, "p95": 480.0}
    assert s["latency_ms"]["retrieve"]["p50"] == 30.0
    de, en = s["by_lang"]["de"], s["by_lang"]["en"]
    assert (de["n"], en["n"]) == (2, 2)
    assert de["accuracy"] == 1.0 and en["accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert en["refusal_rate"] is None  # no unanswerable English case
    unans = s["by_type"]["unanswerable"]
    assert unans["hit@5"] is None and unans["citation_recall"] is None and unans["false_refusal_rate"] is None
    assert unans["refusal_rate"] == 1.0
    assert s["by_type"]["answerable"]["refusal_rate"] is None


def test_case_passed_requires_every_turn() -> None:
    results = _results()
    assert [r.passed for r in results] == [True, False, True, False]
    assert results[3].case_metrics()["accuracy"] == 0.5


def test_a_right_answer_without_a_citation_of_the_evidence_does_not_pass() -> None:
    island = TEXT.index("Island")
    wrong_cite = (_cite(island, island + 23, "Island ist beigetreten."),)
    cited_wrongly = _turn(CASE, GOLD, text="124 Milliarden [1].", refused=False, passages=[], citations=wrong_cite)
    assert cited_wrongly.metrics.correct == 1.0
    assert CaseResult(CASE, (cited_wrongly,)).passed is False
    good = (_cite(Q_START, Q_END, QUOTE),)
    cited_well = _turn(CASE, GOLD, text="124 Milliarden [1].", refused=False, passages=[], citations=good)
    assert CaseResult(CASE, (cited_well,)).passed is True


def test_retrieval_only_summary_nulls_answer_metrics() -> None:
    gold_u = UNANS.turns[0]
    results = [
        CaseResult(CASE, (TurnResult(GOLD, score_retrieval_turn(CASE, GOLD, [_passage(0, 60)])),), True),
        CaseResult(UNANS, (TurnResult(gold_u, score_retrieval_turn(UNANS, gold_u, [_passage(0, 60)])),), True),
    ]
    s = summarize(results)
    assert s["hit@1"] == 1.0 and s["mrr@10"] == 1.0
    for key in ("accuracy", "citation_precision", "citation_recall", "refusal_rate", "false_refusal_rate",
                "language_match", "exact_match", "f1"):  # fmt: skip
        assert s[key] is None, key
    assert s["latency_ms"]["first_token"] == {"p50": None, "p95": None}
    assert [r.passed for r in results] == [True, None]


def test_empty_run_is_all_null() -> None:
    s = summarize([])
    assert s["n"] == 0
    assert all(s[k] is None for k in SCALAR_METRICS)
