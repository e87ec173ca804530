"""A rebuild takes each text's triples from the cache when the resolver settled it as before."""

from __future__ import annotations

import shutil
from pathlib import Path

from cndkg.build import BuildOptions, BuildReport, build
from cndkg.graph.parts import FOLDER
from cndkg.resources import data_dir

from .helpers import tree_hashes


def _build(corpus: Path, out: Path, cache: Path | None) -> BuildReport:
    return build(BuildOptions(sources=[str(corpus)], out=out, root=corpus, cache=cache, site=False, jobs=1))


def test_unchanged_texts_keep_their_triples_and_a_damaged_entry_is_described_again(tmp_path: Path) -> None:
    corpus, out, cache = tmp_path / "corpus", tmp_path / "out", tmp_path / "cache"
    shutil.copytree(data_dir("corpus"), corpus)
    first = _build(corpus, out, cache)
    assert first.texts_kept == 0
    entries = sorted((cache / FOLDER).glob("??/*.part"))
    assert len(entries) == first.resolutions
    assert _build(corpus, out, cache).texts_kept == first.resolutions
    entries[0].write_bytes(b"{not json\n<a> <b> <c> .\n")
    text = next(p for p in sorted(corpus.rglob("*")) if p.is_file() and "Requests" in p.read_text(encoding="utf-8"))
    text.write_text(text.read_text(encoding="utf-8").replace("Requests", "Also requests", 1), encoding="utf-8")
    again = _build(corpus, out, cache)
    assert 0 < again.texts_kept <= first.resolutions - 1
    clean = tmp_path / "clean"
    _build(corpus, clean, None)
    assert tree_hashes(out) == tree_hashes(clean)
    assert len(sorted((cache / FOLDER).glob("??/*.part"))) == first.resolutions  # the stale entries were pruned
