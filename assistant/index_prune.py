"""Dropping old builds, and what they held on a Chroma server.

Why a module of its own: on a server, builds of one lineage share a
collection (:class:`assistant.store.ChromaStore`), so pruning a build is not
deleting its collection. A collection that no kept build uses is dropped;
one that a kept build still uses keeps the records some kept build sees and
loses the rest (the pruned builds' retired chunks, and what a killed build
left behind).
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

from assistant.index_manifest import manifest_or_none
from assistant.index_reuse import lineage_of
from assistant.store import ChromaStore, open_client

KEEP_BUILDS = 2  # the active build and the one before it


def prune(index_dir: Path, keep: set[str]) -> None:
    """Drop builds other than the newest two and those in ``keep`` (and their server records), and dead temp dirs."""
    builds = sorted((p for p in index_dir.glob("build-*") if p.is_dir()), key=lambda p: p.name)
    dropped = [b for b in builds[:-KEEP_BUILDS] if b.name not in keep]
    kept = [b for b in builds if b not in dropped]
    _collect(dropped, kept)
    for old in dropped:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in index_dir.glob(".tmp-*"):
        if tmp.name not in keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _collect(dropped: list[Path], kept: list[Path]) -> None:
    """Drop the server collections only ``dropped`` builds used; collect the rest for the ``kept`` lineages."""
    users: dict[tuple[str, str], list[tuple[int, ...]]] = defaultdict(list)
    for build in kept:
        m = manifest_or_none(build) or {}
        if m.get("chroma_url"):
            users[(str(m["chroma_url"]), str(m.get("collection", "")))].append(lineage_of(m))
    seen: set[tuple[str, str]] = set()
    for build in dropped:
        m = manifest_or_none(build) or {}
        key = (str(m.get("chroma_url", "")), str(m.get("collection", "")))
        if not key[0] or key in seen:
            continue
        seen.add(key)
        try:
            store = ChromaStore(open_client(None, key[0]), key[1])
            if key in users:
                store.collect(users[key])
            else:
                store.drop()
        except Exception:  # a server that is down or a collection already gone: pruning is best effort
            continue
