"""Text folding and tokenisation shared by retrieval, the answer checks and the evals.

Two foldings live here, for two different jobs:

* :mod:`assistant.text.analyzer`: BM25's German analyzer (``fold``,
  ``tokenize``, ``STOP_WORDS``). Conservative: it must not merge distinct
  words, and its version is recorded in every index.
* :mod:`assistant.text.fold` (``normalize``) with
  :mod:`assistant.text.numbers`: aggressive concept folding for deciding
  whether a fact (a number, a name, a date) occurs in a text.

Why a package of its own: the answer layer, chat and retrieval all need
these, and they must not depend on the evaluation code to get them.
"""
