"""Yes/no questions get a "Yes."/"No." lead from the answer's own polarity."""

from __future__ import annotations

import pytest

from assistant.answer.yesno import lead_yes_no


@pytest.mark.parametrize(
    ("question", "answer", "language", "expected"),
    [
        ("did south korea take part in the summit", "South Korea took part [1].", "en", "Yes. South Korea took part [1]."),
        ("Did France join?", "France did not join [1].", "en", "No. France did not join [1]."),
        ("Is Iceland a member?", "Yes, Iceland joined [1].", "en", "Yes, Iceland joined [1]."),  # already led
        ("Nahm Südkorea am Gipfel teil?", "Südkorea nahm teil [1].", "de", "Ja. Südkorea nahm teil [1]."),
        ("Hat Frankreich unterzeichnet?", "Frankreich hat keine Vereinbarung gezeichnet [1].", "de",
         "Nein. Frankreich hat keine Vereinbarung gezeichnet [1]."),
        ("Who took part?", "South Korea took part [1].", "en", "South Korea took part [1]."),  # not yes/no
        ("Wer nahm teil?", "Südkorea [1].", "de", "Südkorea [1]."),
    ],
)  # fmt: skip
def test_lead(question: str, answer: str, language: str, expected: str) -> None:
    assert lead_yes_no(question, answer, language) == expected
