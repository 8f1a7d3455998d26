"""Ingestion: corpus files -> Documents -> clean text with offsets -> Chunks."""
