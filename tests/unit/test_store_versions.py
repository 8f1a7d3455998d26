"""Builds that share a server collection, each seeing its own version (assistant/store.py).

Chroma's embedded client filters as the server does, so these run on disk; the
same path against a real `chroma run` is in tests/integration/test_chroma_server.py.
"""

from __future__ import annotations

from pathlib import Path

from assistant.store import ChromaStore, new_generation, open_client
from assistant.types import Chunk


def _chunk(cid: str, source: str) -> Chunk:
    return Chunk(chunk_id=cid, doc_id=source, source=source, section="", start=0, end=4, text=cid, clean=cid, order=0)


def _vec(i: int) -> list[float]:
    v = [0.0] * 4
    v[i % 4] = 1.0
    return v


def _ids(store: ChromaStore) -> list[str]:
    return sorted(c.chunk_id for c in store.all_chunks())


def test_a_child_version_adds_and_retires_while_its_parent_sees_nothing_of_it(tmp_path: Path) -> None:
    client = open_client(tmp_path / "chroma")
    g1, g2 = new_generation(), new_generation()
    parent = ChromaStore(client, "museum", create=True, lineage=(g1,))
    parent.add([_chunk("hall", "a.txt"), _chunk("wing", "b.txt")], [_vec(0), _vec(1)])
    child = ChromaStore(client, "museum", lineage=(g1, g2))
    child.delete(["wing"])  # b.txt changed
    child.add([_chunk("wing", "b.txt"), _chunk("shop", "c.txt")], [_vec(2), _vec(3)])  # same chunk id, new text
    assert _ids(parent) == ["hall", "wing"] and parent.count() == 2
    assert _ids(child) == ["hall", "shop", "wing"] and child.count() == 3
    assert child.vectors(["wing"])["wing"] == [0.0, 0.0, 1.0, 0.0]  # the new version's vector, not the parent's
    assert parent.vectors(["wing"])["wing"] == [0.0, 1.0, 0.0, 0.0]
    assert [h.chunk.chunk_id for h in parent.query(_vec(3), 5)] == ["hall", "wing"]
    assert {h.chunk.chunk_id for h in child.query(_vec(3), 5)} == {"hall", "shop", "wing"}


def test_a_killed_build_leaves_nothing_any_lineage_sees_and_collect_removes_it(tmp_path: Path) -> None:
    client = open_client(tmp_path / "chroma")
    g1, g2, killed = new_generation(), new_generation(), new_generation()
    ChromaStore(client, "castle", create=True, lineage=(g1,)).add(
        [_chunk("keep", "a.txt"), _chunk("gate", "b.txt")], [_vec(0), _vec(1)]
    )
    half = ChromaStore(client, "castle", lineage=(g1, killed))
    half.delete(["gate"])
    half.add([_chunk("moat", "c.txt")], [_vec(2)])  # ... and the process dies before its manifest exists
    after = ChromaStore(client, "castle", lineage=(g1, g2))  # the next build grows from the active one
    assert _ids(after) == ["gate", "keep"]
    after.delete(["keep"])
    raw = client.get_collection("castle")
    assert raw.count() == 3
    after.collect([(g1,), (g1, g2)])  # the two kept builds: the killed build's record goes
    assert (
        raw.count() == 2
        and _ids(after) == ["gate"]
        and _ids(ChromaStore(client, "castle", lineage=(g1,)))
        == [
            "gate",
            "keep",
        ]
    )
    after.collect([(g1, g2)])  # the parent pruned too: what only it saw goes
    assert raw.count() == 1 and _ids(after) == ["gate"]
