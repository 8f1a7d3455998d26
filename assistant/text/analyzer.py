"""German keyword analyzer for BM25: fold, split, drop stop words, stem.

BM25 only matches identical tokens, so everything that a user may spell
differently from the source has to be made identical here, on both the
indexing and the query side:

* **Spelling.** ``fold`` lower-cases, writes ``ß`` as ``ss``, maps the
  transliterations ``ae``/``oe``/``ue`` to ``ä``/``ö``/``ü`` and then strips
  all diacritics, so "Südkorea", "Suedkorea" and "Sudkorea" all become
  ``sudkorea``, and "Größe"/"Groesse" both become ``grosse``.  The digraph
  rule is skipped after a vowel and, for ``ue``, after ``q`` (as in
  Snowball's old *german2* variant), which keeps "Quelle", "Mauer", "neue",
  "Feuer", "sauer" intact.  Measured on the 5,923 distinct words of the
  summit corpus plus the German XQuAD dev paragraphs and questions: the rule
  changes 24 words ("aktuell" -> "aktull", "zuerst" -> "zurst", ...) and
  merges no two words that were distinct before; without the vowel/``q``
  exceptions it changes 75 and wrongly merges "neuen"/"neun" and
  "sauer"/"Säuren".  Since both sides are folded alike, a changed word is
  only a problem if it collides with another word, which did not happen.
* **Inflection and compounds.** There is no compound splitter: compounds
  match only through the Snowball German stemmer, which strips inflection
  ("Verteidigungsausgaben"/"Verteidigungsausgabe" -> ``verteidigungsausgab``,
  "Drohnen"/"Drohne" -> ``drohn``).  A question that names only part of a
  compound ("Ausgaben") therefore does not hit the compound; dense retrieval
  covers that case.
* **Codes and numbers.** Tokens containing a digit are not stemmed.  A
  decimal comma becomes a point ("3,5" -> ``3.5``, same as "3.5"), and a
  number with 3-digit groups also yields its plain form ("1.000" -> ``1.000``
  and ``1000``).  Hyphenated words yield their parts *and* their joined form
  ("Nord-Atlantik" -> ``nord``, ``atlant``, ``nordatlant``); when the word
  contains a digit, every joined prefix is a term too ("PAC-3-Flugabwehr" ->
  ``pac3``; "AIM-120C-8-AMRAAM-Raketen" -> ``aim120c``, ``aim120c8amraam``,
  ...), so a model designator matches whether it is written with hyphens or
  not, in full or in part.

Stop words (German and a short English list, since English questions also
go through BM25) are removed so that "Wer hat das gesagt?" searches for
``gesagt`` only: in a corpus of a few dozen chunks an article's IDF is not
reliably low, and a question made of function words alone should find
nothing rather than whatever chunk has the most "der"s.  On the 120 German
XQuAD dev paragraphs (612 questions) removal is neutral: recall@1 0.873
with, 0.876 without; stemming is what matters there (0.846 without it).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

import Stemmer

#: Stored with every BM25 index: changing any rule here changes the tokens,
#: so an index built with another version must be rebuilt, not reused.
ANALYZER_VERSION = "de-snowball-fold-1"

_GERMAN_STOP = """
aber alle allem allen aller alles als also am an ander andere anderem anderen
anderer anderes anders auch auf aus bei beide beiden beim bereits bin bis bist
bzw ca da dabei dadurch daher dafür dagegen damals damit danach dann daran
darauf daraus darin darum darunter darüber das dass dasselbe davon davor dazu
dein deine deinem deinen deiner dem demselben den denen denn dennoch denselben
der deren derer derselbe derselben des deshalb desselben dessen dich die dies
diese dieselbe dieselben diesem diesen dieser dieses dir doch dort du durch
ebenfalls ein eine einem einen einer eines einige einigem einigen einiger
einiges einmal er es etc etwa etwas euch euer eure eurem euren eurer für
gegen gewesen hab habe haben hat hatte hatten hattest hier hin hinter ich ihm
ihn ihnen ihr ihre ihrem ihren ihrer ihres im in indem ins ist ja je jede
jedem jeden jeder jedes jedoch jene jenem jenen jener jenes jetzt kann kannst
kein keine keinem keinen keiner keines können könnte könnten man manche
manchem manchen mancher manches mein meine meinem meinen meiner meines mich
mir mit muss musste müssen nach nicht nichts noch nun nur ob oder ohne sehr
sei sein seine seinem seinen seiner seines seit selbst sich sie sind so
solche solchem solchen solcher solches soll sollen sollte sollten sondern
sonst sowie sowohl über um und uns unser unsere unserem unseren unserer
unseres unter usw vom von vor während war waren warst was weil welche
welchem welchen welcher welches wenn wer werde werden werdet wessen wie
wieder will wir wird wirst wo wollen wollte wollten worden wurde wurden würde
würden zu zudem zum zur zwar zwischen
wann warum weshalb wieso wofür woher wohin womit wodurch worauf worin worüber
wieviel wieviele
"""

# "us" is left out on purpose: in this corpus it is the country (US-Dollar).
_ENGLISH_STOP = """
a about after all also an and any are as at be because been before being both
but by can could did do does doing during each few for from had has have
having he her here hers him his how i if in into is it its itself just may
me might more most must my no nor not of on only or other our ours own same
shall she should so some such than that the their theirs them then there
these they this those through to too very was we were what when where which
while who whom whose why will with would you your yours
"""

_HYPHENS = "-\u2010\u2011"
# A part is a run of letters/digits; a digit may be followed by ",5" or ".000".
_PART = r"[^\W_]+(?:(?<=\d)[.,]\d+)*"
_CHAIN_RE = re.compile(rf"{_PART}(?:[{_HYPHENS}]{_PART})*")
_HYPHEN_RE = re.compile(rf"[{_HYPHENS}]")
_DIGRAPH_RE = re.compile(r"(?<![aeiouyäöü])(?:ae|oe|(?<!q)ue)")
_DIGRAPH_TO_UMLAUT = {"ae": "ä", "oe": "ö", "ue": "ü"}
_THOUSANDS_RE = re.compile(r"\d{1,3}(?:\.\d{3})+")
_MAX_TOKEN_LEN = 64

_local = threading.local()


def fold(text: str) -> str:
    """Reduce spelling variants to one form, so BM25 can match them.

    See the module docstring for the ``ae``/``oe``/``ue`` rule and why it has
    exceptions.  Other diacritics are stripped too ("Erdoğan" -> ``erdogan``)
    because users rarely type them.
    """
    text = unicodedata.normalize("NFC", text.casefold())
    text = _DIGRAPH_RE.sub(lambda m: _DIGRAPH_TO_UMLAUT[m.group(0)], text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold_words(words: str) -> frozenset[str]:
    return frozenset(fold(w) for w in words.split())


#: Folded, so that they match folded tokens ("für" -> ``fur``).
STOP_WORDS: frozenset[str] = _fold_words(_GERMAN_STOP) | _fold_words(_ENGLISH_STOP)


def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe; the UI may search from threads.
    stemmer: Stemmer.Stemmer | None = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = Stemmer.Stemmer("german")
        _local.stemmer = stemmer
    return stemmer


@functools.lru_cache(maxsize=131_072)
def stem(word: str) -> str:
    """Stem a folded word; cached because a corpus repeats most words often."""
    result: str = _stemmer().stemWord(word)
    return result


def _has_digit(token: str) -> bool:
    return any(c.isdigit() for c in token)


def _normalise_number(part: str) -> str:
    return part.replace(",", ".")


def _part_tokens(part: str) -> list[str]:
    """Tokens for one hyphen-free part: a number/code as is, a word stemmed."""
    if _has_digit(part):
        tokens = [part]
        if _THOUSANDS_RE.fullmatch(part):
            tokens.append(part.replace(".", ""))
        elif part.count(".") >= 2:  # a date such as 8.7.2026: the year matters
            tokens.extend(p for p in part.split(".") if p)
        return tokens
    if len(part) < 2 or part in STOP_WORDS:
        return []
    return [stem(part)]


def _joined(parts: list[str]) -> str:
    whole = "".join(parts)
    return whole if _has_digit(whole) else stem(whole)


def _chain_tokens(chain: str) -> list[str]:
    parts = [_normalise_number(p) for p in _HYPHEN_RE.split(chain) if p]
    tokens: list[str] = []
    for part in parts:
        tokens.extend(_part_tokens(part))
    if len(parts) > 1:
        # A code ("AIM-120C-8-AMRAAM-Raketen") is often quoted only in part
        # ("AIM-120", "AIM-120C-8-AMRAAM"), so each prefix is a term too;
        # a plain compound ("Nord-Atlantik") needs only its whole.
        ends = range(2, len(parts) + 1) if _has_digit(chain) else [len(parts)]
        for end in ends:
            joined = _joined(parts[:end])
            if joined not in tokens:
                tokens.append(joined)
    return tokens


def tokenize(text: str) -> list[str]:
    """Turn text into BM25 terms; the same function serves documents and queries."""
    tokens: list[str] = []
    for match in _CHAIN_RE.finditer(fold(text)):
        tokens.extend(t for t in _chain_tokens(match.group(0)) if len(t) <= _MAX_TOKEN_LEN)
    return tokens
