"""The second-opinion comparison: what two replies add to the question, not how they word it."""

from __future__ import annotations

import pytest

from assistant.answer.consistency import agreement

Q = "What type of aircraft is the P-8A?"


def test_the_same_claim_in_other_words_agrees() -> None:
    assert agreement("The P-8A is a maritime patrol aircraft [1].", "It is a maritime patrol aircraft.", Q) == 1.0
    # A longer second reply that says the same and more still agrees: the overlap is over the shorter one.
    longer = "The P-8A is a maritime patrol aircraft used by Denmark and Germany [1]."
    assert agreement("A maritime patrol aircraft [1].", longer, Q) == 1.0


def test_a_changed_claim_disagrees() -> None:
    assert agreement("The AMRAAM is described as a rocket [1].", "As an air-to-air guided missile [1].",
                     "How is the AMRAAM described?") == 0.0  # fmt: skip
    half = agreement("Norway, Canada and Germany [1].", "Iceland and Norway [1].", "Who joined?")
    assert half == pytest.approx(0.5)


def test_a_refusal_or_nothing_agrees_with_nothing() -> None:
    assert agreement("Lara Finke [1].", "NO_ANSWER", "Who wrote it?") == 0.0
    assert agreement("Lara Finke [1].", "  ", "Who wrote it?") == 0.0
    # Two restatements of the question agree; the restatement check judges them, not this one.
    assert agreement("The P-8A is an aircraft.", "P-8A aircraft type.", Q) == 1.0


def test_a_yes_no_question_compares_polarity() -> None:
    q = "did south korea take part in the summit"
    assert agreement("South Korea took part in the summit [1].", "YES", q) == 1.0
    assert agreement("South Korea took part in the summit [1].", "No, it did not.", q) == 0.0
    assert (
        agreement("Ja, Island ist beigetreten [1].", "Island trat nicht bei.", "Ist Island beigetreten?", "de") == 0.0
    )


def test_the_same_new_numbers_agree_across_languages() -> None:
    # The sampled reply drifted into English; both give the year the question asks for.
    q = "Wann wurde die Burg Hohenfels erbaut?"
    assert (
        agreement("Die Burg Hohenfels wurde im Jahr 1187 erbaut [1].", "The castle was built in 1187 [1].", q, "de")
        == 1.0
    )
    # Spelled and written numbers are one number.
    museum = "How many galleries does the Riverside Museum have?"
    assert agreement("The Riverside Museum has twelve galleries [1].", "It has 12 [1].", museum) == 1.0


def test_other_numbers_or_a_number_the_question_states_do_not_agree() -> None:
    q = "How much time remained when the interception was made?"
    assert agreement("17 seconds remained [1].", "3:08 minutes remained [1].", q) == 0.0
    # 1187 is the question's own number: it says nothing about the answer, so the words decide.
    built = "Who built the castle in 1187?"
    assert agreement("Count Otto built it in 1187 [1].", "The monks of Lorsch built it in 1187.", built) < 0.7
