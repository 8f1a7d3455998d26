"""BM25's German analyzer now lives in :mod:`assistant.text.analyzer`.

Why this module stays: scripts and code written before the move import the
analyzer from here; everything in the package imports ``assistant.text``.
"""

from assistant.text.analyzer import ANALYZER_VERSION, STOP_WORDS, fold, stem, tokenize

__all__ = ["ANALYZER_VERSION", "STOP_WORDS", "fold", "stem", "tokenize"]
