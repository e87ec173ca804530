"""The parse cache: a rebuild after one file changed reuses the rest and gives a clean build's exact bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cndkg.bench.corpus import write_corpus
from cndkg.build import BuildOptions, BuildReport, build
from cndkg.cache import ParseCache, cache_salt

from .helpers import tree_hashes

pytestmark = pytest.mark.slow


def build_into(sources: Path, out: Path, cache: Path | None) -> BuildReport:
    return build(BuildOptions(sources=[str(sources)], out=out, search=False, root=sources, cache=cache, jobs=1))


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_corpus(folder, 24, seed=11)
    return folder


def test_rebuild_after_one_change_reuses_the_rest_and_matches_a_clean_build(tmp_path: Path, corpus: Path) -> None:
    cache = tmp_path / "cache"
    first = build_into(corpus, tmp_path / "dist", cache)
    assert first.cache_hits == 0 and first.sources == 24
    again = build_into(corpus, tmp_path / "dist", cache)
    assert again.cache_hits == 24
    changed = sorted(corpus.rglob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8").replace("Recalling", "Recalling also", 1), encoding="utf-8")
    rebuilt = build_into(corpus, tmp_path / "dist", cache)
    assert rebuilt.cache_hits == 23
    clean = build_into(corpus, tmp_path / "clean", None)
    assert tree_hashes(tmp_path / "dist") == tree_hashes(tmp_path / "clean")
    assert "Recalling also" in (tmp_path / "dist" / "cndkg.nt").read_text(encoding="utf-8")
    assert rebuilt.resolutions == clean.resolutions == 24


def test_a_damaged_entry_is_a_miss_and_is_written_again(tmp_path: Path, corpus: Path) -> None:
    cache = tmp_path / "cache"
    build_into(corpus, tmp_path / "dist", cache)
    entries = sorted(cache.glob("*/*.pickle"))
    assert len(entries) == 24
    entries[0].write_bytes(b"not a pickle")
    entries[1].write_bytes(entries[1].read_bytes()[:10])
    assert build_into(corpus, tmp_path / "dist", cache).cache_hits == 22
    assert build_into(corpus, tmp_path / "dist", cache).cache_hits == 24


def test_entries_of_removed_sources_are_pruned(tmp_path: Path, corpus: Path) -> None:
    cache = tmp_path / "cache"
    build_into(corpus, tmp_path / "dist", cache)
    for path in sorted(corpus.rglob("*.md")):
        path.unlink()
    left = len([p for p in corpus.rglob("*") if p.is_file()])
    (cache / "ab").mkdir(exist_ok=True)
    (cache / "ab" / "notes.pickle").write_bytes(b"someone else's file")
    assert build_into(corpus, tmp_path / "dist", cache).cache_hits == left
    assert len([p for p in cache.glob("*/*.pickle") if p.name != "notes.pickle"]) == left
    assert (cache / "ab" / "notes.pickle").exists(), "prune deletes only the cache's own entries"
    assert (cache / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith("Signature: 8a477f597d28d172")


def test_keys_change_with_the_name_the_bytes_and_the_options(tmp_path: Path) -> None:
    plain = ParseCache(tmp_path, cache_salt(None, []))
    latin = ParseCache(tmp_path, cache_salt("latin-1", []))
    assert plain.key("a.txt", b"text") == plain.key("a.txt", b"text")
    assert len({plain.key("a.txt", b"text"), plain.key("b.txt", b"text"), plain.key("a.txt", b"text2")}) == 3
    assert plain.key("a.txt", b"text") != latin.key("a.txt", b"text")
    # the length prefix keeps name and bytes apart: ("ab", "c") is not ("a", "bc")
    assert plain.key("ab", b"c") != plain.key("a", b"bc")


def test_a_source_that_fails_is_not_cached(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    write_corpus(folder, 3, seed=2)
    (folder / "broken.txt").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    cache = tmp_path / "cache"
    report = build(
        BuildOptions(
            sources=[str(folder)], out=tmp_path / "dist", site=False, root=folder, cache=cache, skip_bad_sources=True
        )
    )
    assert report.resolutions == 3
    assert [d.source for d in report.diagnostics if d.code == "unreadable"] == ["broken.txt"]
    assert len(list(cache.glob("*/*.pickle"))) == 3


def test_workers_hand_hits_back_once_and_a_damaged_entry_is_parsed_again(tmp_path: Path) -> None:
    """The parallel path: hits come back as the entry's bytes; the results equal one process's parse."""
    from cndkg.parse_parallel import PARALLEL_FROM, parse_all, parse_sources
    from cndkg.pipeline import collect_sources, lexicon_for
    from cndkg.registry import load_registry

    folder = tmp_path / "corpus"
    write_corpus(folder, PARALLEL_FROM + 6, seed=5)
    registry = load_registry()
    names, lexicon = registry.state_names_with_and, lexicon_for(registry)
    sources, _ = collect_sources([str(folder)], folder)
    cache = ParseCache(tmp_path / "cache", cache_salt(None, sorted(names)))
    serial = parse_sources(sources, None, names, lexicon)
    first, _ = parse_all(sources, None, names, lexicon, jobs=2, cache=cache)
    assert first.cache_hits == 0
    damaged = sorted((tmp_path / "cache").glob("*/*.pickle"))[3]
    damaged.write_bytes(b"\x80\x05not a pickle")
    second, _ = parse_all(sources, None, names, lexicon, jobs=2, cache=cache)
    assert second.cache_hits == len(sources) - 1
    assert (second.records, second.mentions, second.problems) == (serial.records, serial.mentions, serial.problems)
    assert second.cache_keys == first.cache_keys
    third, _ = parse_all(sources, None, names, lexicon, jobs=2, cache=cache)
    assert third.cache_hits == len(sources), "the damaged entry was written again"
