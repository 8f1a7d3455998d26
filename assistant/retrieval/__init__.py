"""Finding the passages a question is about: keyword (BM25) search and rank fusion.

Dense search lives with the embeddings; this package holds the parts that
work without a model, so that retrieval still degrades gracefully offline.
"""
