"""A one-letter slip in a phrase copied from a passage is mended only where the copy is proven."""

from __future__ import annotations

import pytest

from assistant.answer.copyfix import fix_copy_slips

PASSAGE = "Sie umfasst den Nord-Atlantik, den Hohen Norden und die Arktis. Die Baltik liegt nah."


@pytest.mark.parametrize(
    ("answer", "fixed", "mends"),
    [
        ("It includes the Arctic and the Hogen Norden [1].", "It includes the Arctic and the Hohen Norden [1].",
         ["Hogen -> Hohen"]),
        ("It includes the Hohen Nordn [1].", "It includes the Hohen Norden [1].", ["Nordn -> Norden"]),
        ("The Baltic Sea is near [1].", "The Baltic Sea is near [1].", []),  # no neighbour matches: not a copy
        ("It includes the Hohen Norden [1].", "It includes the Hohen Norden [1].", []),  # copied right
        ("Der Hohe Norden.", "Der Hohen Norden.", ["Hohe -> Hohen"]),  # a dropped letter
        ("Near dia Arktis.", "Near dia Arktis.", []),  # three letters are too short to judge
    ],
)  # fmt: skip
def test_fix_copy_slips(answer: str, fixed: str, mends: list[str]) -> None:
    assert fix_copy_slips(answer, PASSAGE) == (fixed, mends)
