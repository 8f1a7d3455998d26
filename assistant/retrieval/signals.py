"""Cheap per-chunk signals that the hybrid score adds to dense and BM25.

Only signals that the retrieval benchmark showed to help are here (see
``evals/results/retrieval-*.md`` for the numbers, including those that were
tried and dropped: exact name/number overlap, agreement-weighted BM25).

* **Best sentence.**  A chunk vector averages several sentences, so a
  question about one of them ("Who is the NATO Secretary General?") can
  rank the chunk low although one sentence answers it almost verbatim.
  Mixing the chunk cosine with the cosine of the chunk's best sentence
  (60/40) lifted hit@1 on XQuAD de->de from 0.938 to 0.954 and en->de
  from 0.948 to 0.959 (dense alone, before BM25).
* **Questions about the document itself.**  "Who wrote the press release?",
  "Von welchem Ministerium stammt der Artikel?": the answer is the byline
  at the top of the document, which no passage's *content* resembles, so
  neither dense nor BM25 finds it.  Such questions get a small bonus on
  each document's first chunk.  This is keyed on vocabulary; it fires on
  5 of the 1,224 XQuAD questions and changes no metric there, and lifts
  summit hit@3 from 0.962 to 0.981.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from assistant.text.analyzer import fold

# Folded (see analyzer.fold), so "veröffentlicht" is written "veroffentlicht".
_DOCUMENT_WORDS = re.compile(
    r"\b(?:artikel\w*|pressemitteilung\w*|pressemeldung\w*|meldung|beitrag\w*|dokument\w*|bericht\w*|text\w*"
    r"|article|press release|document|report|text)\b"
)
_PROVENANCE_WORDS = re.compile(
    r"\b(?:autor\w*|verfasst\w*|geschrieben|schrieb|veroffentlicht|erschien\w*|datum|datiert|uberschrift"
    r"|schlagzeile|titel|stammt|herausgegeben|herausgeber\w*|author\w*|wr[io]te|written|published|issued"
    r"|dated?|headline|title[d]?|publisher)\b"
)


def is_document_question(question: str) -> bool:
    """True when the question asks who wrote, published or titled the document.

    Both a word for the document ("Artikel", "press release") and a word for
    its provenance ("verfasst", "author", "date") are required: "mentioned
    in the text" alone is a content question and must not trigger it.
    """
    folded = fold(question)
    return bool(_DOCUMENT_WORDS.search(folded) and _PROVENANCE_WORDS.search(folded))


def sentence_cosines(
    chunk_id: str,
    count: int,
    query: npt.NDArray[np.float32] | None,
    sentence_vectors: Mapping[str, npt.NDArray[np.float32]],
) -> npt.NDArray[np.float32] | None:
    """Cosine to ``query`` of each of a chunk's ``count`` sentences, in order.

    None when there is no query vector, or the index holds no vectors for
    this chunk, or not one per sentence (an index built by an older
    sentence splitter): a caller then scores by words alone rather than
    pairing a sentence with another one's vector.
    """
    if query is None:
        return None
    matrix = sentence_vectors.get(chunk_id)
    if matrix is None or len(matrix) != count:
        return None
    return np.asarray(matrix @ query, dtype=np.float32)


def best_sentence_scores(
    query: npt.NDArray[np.float32],
    chunk_ids: Sequence[str],
    sentence_vectors: Mapping[str, npt.NDArray[np.float32]],
) -> dict[str, float]:
    """Cosine of each chunk's closest sentence to ``query``.

    Vectors are unit length, so a dot product is the cosine.  Chunks without
    sentence vectors (an index built before they existed, or an empty
    chunk) are left out; callers fall back to the chunk cosine for them.
    """
    out: dict[str, float] = {}
    for cid in chunk_ids:
        matrix = sentence_vectors.get(cid)
        if matrix is not None and len(matrix):
            out[cid] = float(np.max(matrix @ query))
    return out
