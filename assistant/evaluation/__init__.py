"""Offline evaluation: the gold eval set, its loader and answer scoring.

Kept apart from the pipeline so that an eval file can be validated (and a
model answer scored) without loading any model or index.
"""
