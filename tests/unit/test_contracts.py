"""The Embedder and store contracts (tests/contract.py) on the unit-test instances.

The hash embedder, bare and behind the app's wrappers (lazy loading, bulk
routing), and the store on an embedded Chroma (PersistentClient) in a temp
folder. The real ONNX embedder and a Chroma server: tests/integration/test_contracts_real.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.embeddings.base import Embedder
from assistant.embeddings.fake import HashEmbedder
from assistant.embeddings.lazy import LazyEmbedder
from assistant.embeddings.routed import RoutedEmbedder
from assistant.store import ChromaStore, open_client
from tests.contract import check_embedder_contract, check_store_contract


def _lazy() -> Embedder:
    inner = HashEmbedder(dim=64)
    return LazyEmbedder(lambda: inner, inner.name, inner.fingerprint, inner.dim)


def _routed() -> Embedder:
    # A threshold of 2: the contract's three-text job goes to the bulk runtime.
    return RoutedEmbedder(HashEmbedder(dim=64), lambda: HashEmbedder(dim=64), 2, note="opening the bulk copy")


EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    "hash-64": lambda: HashEmbedder(dim=64),
    "hash-128": lambda: HashEmbedder(dim=128),  # the shared unit indexes' embedder (tests/unit/conftest.py)
    "lazy-hash": _lazy,
    "routed-hash": _routed,
}


@pytest.mark.parametrize("make", EMBEDDERS.values(), ids=EMBEDDERS.keys())
def test_embedder_contract(make: Callable[[], Embedder]) -> None:
    check_embedder_contract(make())


def test_embedded_store_contract(tmp_path: Path) -> None:
    def open_store(name: str, create: bool) -> ChromaStore:
        return ChromaStore(open_client(tmp_path / "chroma"), name, create=create)

    check_store_contract(open_store)


def test_a_version_of_a_shared_collection_keeps_the_store_contract(tmp_path: Path) -> None:
    """A server build's store is one version of a shared collection (assistant/store.py); the contract holds."""

    def open_store(name: str, create: bool) -> ChromaStore:
        return ChromaStore(open_client(tmp_path / "chroma"), name, create=create, lineage=(7, 11))

    check_store_contract(open_store)
