"""The scale benchmark's three corpora, staged as plain corpus folders, and the 10 KB file it adds.

Real documents only: the summit press release; the XQuAD development
paragraphs (German and English, one ``.txt`` each) with the German Debian
Reference (HTML) from ``../shared/data``; and, for the largest size, the
GIMP manual's HTML pages from Debian's ``gimp-help-de`` (all of them) and
``gimp-help-en`` (the first pages by name, up to ``LARGE_DOCUMENTS`` in
all), downloaded with ``apt-get download`` into a cache outside the
repository. The added file is just over 10 KB of English Wikipedia
prose (the last XQuAD articles' paragraphs joined into one text).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from assistant.ingest.loaders import corpus_files

ADDED_NAME = "zz-bench-added.txt"
ADDED_BYTES = 10 * 1024
LARGE_DOCUMENTS = 1000
PACKAGES = ("gimp-help-de", "gimp-help-en")
HELP_DIR = Path("usr/share/gimp/2.0/help")


def _shared(root: Path) -> Path:
    return root.parent / "shared" / "data"


def _fresh(dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)


def stage(size: str, dest: Path, root: Path, cache: Path) -> None:
    """Write the corpus folder of ``size`` (``summit``, ``medium`` or ``large``) to ``dest``, replacing it."""
    _fresh(dest)
    shutil.copytree(root / "corpus", dest / "summit", ignore=shutil.ignore_patterns("README*"))
    if size == "summit":
        return
    for lang in ("de", "en"):
        _xquad_files(_shared(root) / "xquad" / f"xquad.{lang}.dev.json", dest / f"xquad-{lang}")
    debian = dest / "debian-reference-de"
    debian.mkdir()
    for page in sorted((_shared(root) / "debian-reference-de").glob("*.html")):
        shutil.copyfile(page, debian / page.name)
    if size == "large":
        _gimp(dest / "gimp", cache, LARGE_DOCUMENTS - len(corpus_files(dest)))


def _xquad_files(path: Path, dest: Path) -> None:
    dest.mkdir()
    for a, article in enumerate(json.loads(path.read_text(encoding="utf-8"))["data"]):
        for p, para in enumerate(article["paragraphs"]):
            title = str(article.get("title", "")).replace("_", " ")
            (dest / f"{a:02d}-{p:02d}.txt").write_text(f"{title}\n\n{para['context']}\n", encoding="utf-8")


def _gimp(dest: Path, cache: Path, wanted: int) -> None:
    """All German pages, then English ones by name until the corpus holds ``wanted`` more files."""
    unpacked = fetch_packages(cache)
    pages = sorted((unpacked / HELP_DIR / "de").rglob("*.html"))
    pages += sorted((unpacked / HELP_DIR / "en").rglob("*.html"))
    for page in pages[: max(wanted, 0)]:
        target = dest / page.relative_to(unpacked / HELP_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)


def fetch_packages(cache: Path) -> Path:
    """``apt-get download`` the GIMP manuals once into ``cache`` and unpack them; the unpacked root."""
    unpacked = cache / "unpacked"
    if all((unpacked / HELP_DIR / lang).is_dir() for lang in ("de", "en")):
        return unpacked
    cache.mkdir(parents=True, exist_ok=True)
    for package in PACKAGES:
        if not list(cache.glob(f"{package}_*.deb")):
            subprocess.run(["apt-get", "download", package], cwd=cache, check=True, capture_output=True)
    for deb in sorted(cache.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
    return unpacked


def added_text() -> str:
    """Just over 10 KB of real prose, whole paragraphs: the file each incremental step adds and removes."""
    root = Path(__file__).resolve().parents[2]
    data = json.loads((_shared(root) / "xquad" / "xquad.en.dev.json").read_text(encoding="utf-8"))["data"]
    text = str(data[-1].get("title", "")).replace("_", " ")
    for article in reversed(data):
        for para in article["paragraphs"]:
            text += "\n\n" + str(para["context"])
            if len(text.encode()) >= ADDED_BYTES:
                return text + "\n"
    return text + "\n"
