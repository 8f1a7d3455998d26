"""Calibrating the "nothing relevant" threshold (``retrieval.min_dense_score``) on measured scores.

The retrieval benchmark hands in the hybrid retriever's dense evidence for
several populations (answerable summit and XQuAD questions, unanswerable
summit questions, the off-topic questions of ``data/off_topic.yaml`` on
both indexes); this module turns them into a recommended threshold, shows
what it and the configured one would flag, and with ``--write-calibration``
records it in ``assistant/retrieval/calibration.json``, where the setting's
value is traced to.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import ConfigError
from assistant.evaluation.retrieval_systems import Searcher
from assistant.evaluation.stats import percentile, rounded

CALIBRATION_FILE = Path(__file__).resolve().parents[1] / "retrieval" / "calibration.json"
#: Share of answerable questions that may be flagged "nothing relevant".
MAX_FALSE_IRRELEVANT = 0.01


@cache
def off_topic_questions() -> tuple[str, ...]:
    """Questions no document of this project answers (``data/off_topic.yaml``).

    They calibrate the threshold from below: it should catch them while
    keeping (almost) all answerable questions.  Data, not code, so that
    adding one is a one-line change a reviewer can read as a list.
    """
    text = (resources.files("assistant.evaluation") / "data" / "off_topic.yaml").read_text(encoding="utf-8")
    questions = yaml.safe_load(text)
    if not isinstance(questions, list) or not all(isinstance(q, str) and q for q in questions):
        raise ConfigError("assistant/evaluation/data/off_topic.yaml: must be a list of question strings")
    return tuple(questions)


def recommend_threshold(answerable: Mapping[str, Sequence[float]], off_topic: Sequence[float]) -> dict[str, Any]:
    """The "nothing relevant" threshold on the best dense evidence.

    Rule: the threshold may flag at most 1 % (``MAX_FALSE_IRRELEVANT``) of
    the answerable questions *of each population* (summit, XQuAD), so that
    the large XQuAD sample cannot hide a bad rate on the product's own
    corpus.  That gives an upper bound.  If the off-topic questions (asked
    against the summit index) all score below every answerable question,
    the threshold goes halfway between the two (a margin on both sides for
    questions not in the data), capped by the bound; otherwise it is the
    bound itself.  It is rounded down to 0.01.
    """
    bounds = {}
    for name, values in answerable.items():
        ordered = sorted(values)
        if ordered:
            bounds[name] = ordered[math.floor(MAX_FALSE_IRRELEVANT * len(ordered))]
    if not bounds:
        return {"threshold": 0.0, "bound": None, "reason": "no answerable questions"}
    bound = min(bounds.values())
    lowest = min(min(v) for v in answerable.values() if v)
    highest_off = max(off_topic, default=-1.0)
    if highest_off < lowest:
        value = min(bound, (highest_off + lowest) / 2)
        reason = "separable: halfway between the highest off-topic and the lowest answerable score"
    else:
        value = bound
        reason = "overlapping: the highest threshold that keeps the false-irrelevant rate within the limit"
    return {
        "threshold": math.floor(value * 100) / 100,
        "bound": round(bound, 4),
        "bound_per_population": {k: round(v, 4) for k, v in bounds.items()},
        "lowest_answerable": round(lowest, 4),
        "highest_off_topic": round(highest_off, 4),
        "reason": reason,
    }


def flagged(values: Sequence[float], threshold: float) -> dict[str, Any]:
    """How many of ``values`` fall below ``threshold`` (= marked irrelevant)."""
    n = len(values)
    below = sum(1 for v in values if v < threshold)
    return {"n": n, "flagged": below, "rate": round(below / n, 4) if n else None}


def calibrate(populations: dict[str, list[float]], configured: float, off_topic: Sequence[str]) -> dict[str, Any]:
    """Recommend a threshold and show what it and the configured one catch.

    ``off_topic`` are the question texts behind the ``off_topic_*``
    populations (same order), to name the ones that slip through.
    """
    answerable = {k.removesuffix("_answerable"): v for k, v in populations.items() if k.endswith("_answerable")}
    recommendation = recommend_threshold(answerable, populations["off_topic_summit"])
    chosen = recommendation["threshold"]
    return {
        "score": "best dense evidence of the hybrid retriever: "
        "(1 - sentence_weight) * chunk cosine + sentence_weight * best-sentence cosine",
        "method": recommend_threshold.__doc__ and " ".join(recommend_threshold.__doc__.split()),
        "recommended": recommendation,
        "configured_min_dense_score": configured,
        "at_recommended": {k: flagged(v, chosen) for k, v in populations.items()},
        "at_configured": {k: flagged(v, configured) for k, v in populations.items()},
        "off_topic_not_caught_at_configured": {
            k: [q for q, v in zip(off_topic, values, strict=True) if v >= configured]
            for k, values in populations.items()
            if k.startswith("off_topic")
        },
        "distribution": {k: _distribution(v) for k, v in populations.items() if v},
    }


def _distribution(values: Sequence[float]) -> dict[str, float | None]:
    return {"min": round(min(values), 4), "median": rounded(percentile(values, 50), 4), "max": round(max(values), 4)}


def evidence_of(searcher: Searcher, questions: Sequence[str]) -> list[float]:
    """The hybrid retriever's relevance score for each question, in order."""
    return [searcher.search(q).evidence or 0.0 for q in questions]


def write_calibration(report: dict[str, Any]) -> None:
    """Record the threshold, how it was chosen and what it catches."""
    cal = report["calibration"]
    data = {
        "date": report["date"],
        "command": report["command"],
        "embedding": report["embedding"],
        "retrieval_settings": report["retrieval_settings"],
        "min_dense_score": cal["recommended"]["threshold"],
        **cal,
        "off_topic_questions": report["off_topic_questions"],
    }
    CALIBRATION_FILE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
