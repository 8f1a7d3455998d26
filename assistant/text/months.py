"""Month names in any pack language, from Babel (CLDR): the one source every date comparison uses.

Numeric dates are written with German month names ("8.7.2026" -> "8 juli
2026"), English month names fold to the German ones, and a question's "in
which month" is answered by any month name; all three read this table, so
they cannot drift apart.
"""

from __future__ import annotations

from functools import cache

from assistant.text.pack import light_fold


@cache
def month_names(code: str, width: str = "wide") -> tuple[str, ...]:
    """The folded month names of language ``code``, January first ("januar", …, "dezember").

    ``width`` is CLDR's: "wide" for full names, "abbreviated" for "Jan.",
    "Sept." (the trailing dot dropped).
    """
    from babel import Locale

    names = Locale.parse(code).months["format"][width]
    return tuple(light_fold(names[i]).rstrip(".") for i in range(1, 13))
