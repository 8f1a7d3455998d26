"""The fallback checks of the answer policy: run when a reply check fell back, on the sentence it would use.

See :mod:`assistant.answer.policy` for the protocol and the stages.
"""

from dataclasses import dataclass

import numpy as np

from assistant.answer.policy import PASS, Context, Draft, Stage, Verdict, refuse
from assistant.retrieval.signals import sentence_cosines


def pick_cosine(draft: Draft, ctx: Context) -> float | None:
    """The best sentence's cosine to the question, or to the retrieval query when that is closer (a follow-up's
    own words are few: "Und wann?"); None without a pick or its vector."""
    if not draft.picks:
        return None
    p, i, _ = draft.picks[0]
    best: float | None = None
    for text in dict.fromkeys((draft.question, draft.query)):
        q = np.asarray(ctx.question_vec(text), dtype=np.float32)
        sims = sentence_cosines(p.hit.chunk.chunk_id, len(p.hit.chunk.sentence_spans()), q, ctx.sentence_vectors)
        if sims is not None:
            best = max(best if best is not None else -1.0, float(sims[i]))
    return best


@dataclass(frozen=True)
class OnTopic:
    """The sentence a fallback would answer from is too far from the question to answer it: refuse.

    While the model's reply passes its checks, the model vouches that the
    passages answer. Once a reply check has thrown the reply away, only the
    ranking vouches for the best sentence, and retrieval returns the closest
    sentences whatever the question: for one the corpus does not answer, a
    sentence about something else ("Welche Stadt wurde den Hugenotten bei
    ihrer Ankunft überlassen?" answered by "Tatsächlich scheint es so, als
    ob nur wenige von dort kamen."). On XQuAD with articles left out of the
    corpus, every off-corpus question that was not refused was such a
    fallback, its sentence at an EmbeddingGemma cosine of at most 0.35 to
    the question; answerable questions' fallbacks sat at 0.39 or more
    (0.43 in the same language), and the Debian Reference's at 0.46 or more
    (``evals/results/fallback-on-topic-*.md``). Across languages cosines run
    lower, hence the second floor (``answer.fallback_min_cosine*``). A
    question about the document itself is exempt: its byline answers it and
    is close to no question.
    """

    name: str = "on_topic"
    stage: Stage = "fallback"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        if draft.byline:
            return PASS
        cos = pick_cosine(draft, ctx)
        if cos is None:
            return PASS
        n = draft.picks[0][0].n
        cross = draft.passage_languages.get(n, draft.language) != draft.language
        floor = ctx.settings.fallback_min_cosine_cross if cross else ctx.settings.fallback_min_cosine
        if cos >= floor:
            return PASS
        return refuse("fallback_off_topic", f"the best sentence is far from the question (cosine {cos:.2f} < {floor})")
