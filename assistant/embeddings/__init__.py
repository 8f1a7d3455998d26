"""Embedders: the protocol, the sentence-transformers implementation, a fake."""

from assistant.embeddings.base import Embedder
from assistant.embeddings.fake import HashEmbedder

__all__ = ["Embedder", "HashEmbedder"]
