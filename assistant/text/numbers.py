"""Number and date folding: one spelling for each number the answer layer compares.

Why: "1.000", "1,000" and "1000" are one number; so are "3,5" and "3.5",
"8.7.2026" and "2026-07-08", "1st" and "1". Passages, questions, model
answers and gold answers write them every way, and a check that compares
numbers must not depend on which way was used.
"""

from __future__ import annotations

import re

from assistant.text.months import month_names

_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:[.,]\d{3})+)(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d])")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_TRAILING_ZEROS = re.compile(r"(?<![\d.])(\d+)\.(\d*?)0+(?![\d.])")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b")


def _date(day: str, month: str, year: str) -> str:
    m = int(month)
    name = month_names("de")[m - 1] if 1 <= m <= 12 else month  # one spelling: German, as folded
    return f" {int(day)} {name} {year} "


def fold_numbers(text: str) -> str:
    """Write numbers and numeric dates of letter-folded ``text`` one way ("8 juli 2026", "1000", "3.5")."""
    text = _NUMERIC_DATE.sub(lambda m: _date(m[1], m[2], m[3]), text)
    text = _ISO_DATE.sub(lambda m: _date(m[3], m[2], m[1]), text)
    text = _THOUSANDS.sub(lambda m: m[1] + re.sub(r"[.,]", "", m[2]), text)
    text = _DECIMAL_COMMA.sub(".", text)
    text = _TRAILING_ZEROS.sub(lambda m: m[1] + (f".{m[2]}" if m[2] else ""), text)
    return _ORDINAL.sub("", text)
