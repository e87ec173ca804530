"""The sharded search index: which shard a page joins, what its digest reads, and which shards a rebuild indexes.

A rebuild indexes only the shards whose pages changed where Pagefind reads them,
links the others from the previous output, and ends with the bundles a clean
build writes, byte for byte.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cndkg.bench.corpus import write_corpus
from cndkg.build import BuildOptions, BuildReport, build
from cndkg.errors import BuildError
from cndkg.publish import search
from cndkg.publish.search import Shard, plan_search, run_shards, searched_digest, shard_of
from cndkg.resources import data_dir

from .helpers import tree_hashes


@pytest.mark.parametrize(
    ("path", "shard"),
    [
        ("res/cnd/66/1", "texts-cnd-66"),
        ("draft/cnd/66/L.2", "texts-cnd-66"),
        ("res/ga/70/1", "texts-ga-70"),
        ("res/ga/S-30/1", "texts-ga"),
        ("res/ga/217-A-III", "texts-ga"),
        ("state/ISR", "state"),
        ("sdg/3.5", "sdg"),
        ("source/2019/cnd-62-4.txt", None),
    ],
)
def test_a_page_joins_its_session_or_its_kind(path: str, shard: str | None) -> None:
    assert shard_of(path) == shard


PAGE = (
    "<html><head><title>{title}</title></head><body><article data-pagefind-body><h1>{title}</h1><p>{text}</p>"
    '<figure class="network" data-pagefind-ignore><svg><text>{network}</text></svg></figure>'
    '<section id="cited-by" data-pagefind-ignore><h2>Cited by</h2><section><p>{cited}</p></section>'
    "<p>{after}</p></section></article></body></html>"
)


def _page(**changes: str) -> str:
    values = {"title": "Resolution 57/4", "text": "Recovery", "network": "61/11", "cited": "62/4", "after": "63/1"}
    return PAGE.format(**(values | changes))


@pytest.mark.parametrize(
    ("change", "same"),
    [
        ({"network": "63/1"}, True),  # the citation network is not searched
        ({"cited": "63/1"}, True),  # nor the "Cited by" list
        ({"title": "Resolution 57/5"}, False),
        ({"text": "Prevention"}, False),
        # after a nested section inside "Cited by": Pagefind ignores it, the digest errs on the side of indexing
        ({"after": "64/1"}, False),
    ],
)
def test_the_searched_digest_leaves_out_only_ignored_regions(change: dict[str, str], same: bool) -> None:
    assert (searched_digest(_page(**change)) == searched_digest(_page())) is same


def test_the_cited_by_list_outside_nested_sections_is_left_out() -> None:
    page = (
        '<article data-pagefind-body><p>x</p><section id="cited-by" data-pagefind-ignore><p>{}</p></section></article>'
    )
    assert searched_digest(page.format("62/4")) == searched_digest(page.format("63/1"))


def test_the_plan_indexes_changed_shards_and_joins_small_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SMALL_SHARD", 2)
    digests = {"res/cnd/66/1": "a", "res/cnd/66/2": "b", "res/cnd/67/1": "c", "state/ISR": "d", "source/x": "e"}
    plan = plan_search(digests)
    assert [(s.key, s.pages) for s in plan.shards] == [
        ("other", ("state/ISR",)),
        ("texts-cnd", ("res/cnd/67/1",)),
        ("texts-cnd-66", ("res/cnd/66/1", "res/cnd/66/2")),
    ]
    assert plan.stale == {"other", "texts-cnd", "texts-cnd-66"}
    previous = {s.key: s.digest for s in plan.shards}
    assert plan_search(digests, previous).stale == frozenset()
    assert plan_search(digests | {"res/cnd/66/2": "B"}, previous).stale == {"texts-cnd-66"}
    assert plan_search(digests | {"res/cnd/66/3": "f"}, previous).stale == {"texts-cnd-66"}
    assert plan.bundles == ["pagefind/other/", "pagefind/texts-cnd/", "pagefind/texts-cnd-66/"]


def test_a_shard_glob_matches_exactly_its_pages_whatever_their_names(tmp_path: Path) -> None:
    from pagefind.service import get_executable

    names = ["res/x/a,b(c)", "res/x/a", "res/x/{ab}", "res/x/a*"]
    for name in [*names, "res/x/ab", "res/x/a/b"]:
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "index.html").write_text(
            f'<html lang="en"><body><article data-pagefind-body><h1>{name}</h1></article></body></html>',
            encoding="utf-8",
        )
    shard = Shard("x", tuple(sorted(names)), "digest")
    (tmp_path / "scratch").mkdir()
    job = {
        "site": str(tmp_path),
        "scratch": str(tmp_path / "scratch"),
        "binary": str(get_executable()),
        "shards": [{"key": "x", "glob": shard.glob(), "pages": 4}],
    }
    run_shards(job)  # raises if Pagefind indexed another number of pages
    bundle = tmp_path / "pagefind" / "x"
    assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-entry.json").is_file()
    assert not (bundle / "pagefind-ui.js").exists() and (tmp_path / "pagefind" / "pagefind-ui.js").is_file()
    assert not (bundle / "pagefind-component-ui.js").exists()


def _build(sources: Path, out: Path, cache: Path | None) -> BuildReport:
    return build(BuildOptions(sources=[str(sources)], out=out, root=sources, cache=cache, jobs=1))


def _bundles(out: Path) -> dict[str, str]:
    return {k: v for k, v in tree_hashes(out).items() if k.startswith("pagefind/")}


def _edit_words(corpus: Path) -> Path:
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        if "Member States" in text:
            path.write_text(text.replace("Member States", "Member States and observers", 1), encoding="utf-8")
            return path
    raise AssertionError("no text says Member States")


@pytest.mark.slow
def test_an_edit_indexes_its_session_again_and_ends_as_a_clean_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SMALL_SHARD", 1)  # a shard per session, as in a large corpus
    corpus, out, cache = tmp_path / "corpus", tmp_path / "out", tmp_path / "cache"
    write_corpus(corpus, 24)
    first = _build(corpus, out, cache)
    assert first.search_shards_indexed == first.search_shards > 3
    inodes = {p: (out / p).stat().st_ino for p in _bundles(out)}
    edited = _edit_words(corpus)
    again = _build(corpus, out, cache)
    assert 1 <= again.search_shards_indexed < again.search_shards, edited
    kept = [p for p in _bundles(out) if inodes.get(p) == (out / p).stat().st_ino]
    assert kept and any(p.startswith("pagefind/texts-") for p in kept)
    clean = tmp_path / "clean"
    shutil.copytree(out, clean)  # the change feed reads the previous output; the bundles are rebuilt from nothing
    shutil.rmtree(clean / "pagefind")
    _build(corpus, clean, None)
    assert _bundles(out) == _bundles(clean)
    home = (out / "index.html").read_text(encoding="utf-8")
    listed = re.search(r'data-bundles="([^"]*)"', home)
    assert listed and len(listed.group(1).split()) == again.search_shards


def test_a_bundle_missing_from_the_previous_output_is_indexed_again(tmp_path: Path) -> None:
    corpus, out, cache = tmp_path / "corpus", tmp_path / "out", tmp_path / "cache"
    shutil.copytree(data_dir("corpus"), corpus)
    _build(corpus, out, cache)
    assert _build(corpus, out, cache).search_shards_indexed == 0
    victim = sorted((out / "pagefind").glob("*/pagefind-entry.json"))[0].parent
    shutil.rmtree(victim)
    report = _build(corpus, out, cache)
    assert report.search_shards_indexed == 1
    entry = json.loads((victim / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]


def test_a_bundle_another_build_wrote_is_not_vouched_for_by_an_older_record(tmp_path: Path) -> None:
    corpus, out, cache = tmp_path / "corpus", tmp_path / "out", tmp_path / "cache"
    shutil.copytree(data_dir("corpus"), corpus)
    _build(corpus, out, cache)
    texts = sorted(p for p in corpus.rglob("*") if p.is_file())
    original = next(p.read_text(encoding="utf-8") for p in texts if "Member States" in p.read_text(encoding="utf-8"))
    edited = _edit_words(corpus)  # the same file: the first that says Member States
    _build(corpus, out, None)  # this build leaves the cache's record as it was
    edited.write_text(original, encoding="utf-8")
    report = _build(corpus, out, cache)
    assert report.search_shards_indexed >= 1  # the record's digest matches, but the bundle is not the one it saw
    clean = tmp_path / "clean"
    shutil.copytree(out, clean)
    shutil.rmtree(clean / "pagefind")
    _build(corpus, clean, None)
    assert _bundles(out) == _bundles(clean)


def test_a_failing_pagefind_stops_the_build_and_keeps_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(data_dir("corpus"), corpus)
    _build(corpus, out, None)
    before = tree_hashes(out)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", shutil.which("false") or "/bin/false")
    with pytest.raises(BuildError, match="search index: pagefind failed: shard"):
        _build(corpus, out, None)
    assert tree_hashes(out) == before
