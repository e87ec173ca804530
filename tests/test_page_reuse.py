"""Entity pages reused from the previous output when nothing they read changed (cndkg.publish.reuse)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cndkg.bench.corpus import write_corpus
from cndkg.build import BuildOptions, BuildReport, build
from cndkg.iris import Minter
from cndkg.namespaces import CNDKG, DCTERMS
from cndkg.publish.reuse import MEMO_FILE, ReadLog, digest_reads, pack_reads, replay, start_page, traced, unpack_reads
from cndkg.publish.sitedata import Backlink, SiteData

from .helpers import tree_hashes

COUNT = 8


def _site_data() -> SiteData:
    data = SiteData(minter=Minter("https://example.org/kg/"))
    a, b, c = (f"https://example.org/kg/id/res/cnd/60/{n}" for n in (1, 2, 3))
    data.entities.update({a, b, c})
    data.labels.update({a: "Resolution 60/1", b: "Resolution 60/2", c: "Resolution 60/3"})
    data.types.update({a: [str(CNDKG.Resolution)], b: [str(CNDKG.Resolution)]})
    data.values[(a, str(DCTERMS.identifier))] = []
    data.backlinks[a].append(Backlink(b, b + "#pp1", "pp1", "Recalling", "recalls"))
    return data


def _page(data: SiteData, iri: str) -> list[object]:
    """What a small page writer reads: its label, kind, backlinks and their labels and links."""
    rows: list[object] = [data.label(iri), data.kind(iri)]
    for link in data.backlinks.get(iri, []):
        rows += [data.label(link.source), data.href("res/cnd/60/1", link.source)]
    return rows


def _record(data: SiteData, iri: str) -> tuple[ReadLog, list[object]]:
    view = traced(data)
    log = start_page(view)
    return log, _page(view, iri)


def test_a_traced_page_reads_the_same_as_a_plain_one_and_replays_to_its_digest() -> None:
    data = _site_data()
    iri = "https://example.org/kg/id/res/cnd/60/1"
    log, rows = _record(data, iri)
    assert rows == _page(data, iri)
    assert ("backlinks.get", iri, "") in log.results
    assert digest_reads((read, replay(data, read)) for read in log.results) == log.digest()


@pytest.mark.parametrize(
    ("change", "matters"),
    [
        (lambda d: d.labels.update({"https://example.org/kg/id/res/cnd/60/2": "Renamed"}), True),  # a citer's label
        (lambda d: d.types.update({"https://example.org/kg/id/res/cnd/60/1": [str(CNDKG.Treaty)]}), True),
        (lambda d: d.backlinks.pop("https://example.org/kg/id/res/cnd/60/1"), True),  # no longer cited
        (lambda d: d.entities.discard("https://example.org/kg/id/res/cnd/60/2"), True),  # the citer lost its page
        (lambda d: d.labels.update({"https://example.org/kg/id/res/cnd/60/3": "Renamed"}), False),  # unread
        (lambda d: d.types.update({"https://example.org/kg/id/res/cnd/60/3": [str(CNDKG.Treaty)]}), False),
    ],
)
def test_a_page_is_reused_exactly_when_something_it_read_changed(change, matters) -> None:  # type: ignore[no-untyped-def]
    data = _site_data()
    iri = "https://example.org/kg/id/res/cnd/60/1"
    log, _ = _record(data, iri)
    changed = _site_data()
    change(changed)
    replayed = digest_reads((read, replay(changed, read)) for read in log.results)
    assert (replayed != log.digest()) is matters


def test_whole_mapping_reads_are_noted() -> None:
    data = _site_data()
    view = traced(data)
    log = start_page(view)
    assert sorted(view.texts) == []
    assert len(view.types) == 2
    assert "x" not in view.backlinks
    assert {name for name, _, _ in log.results} == {"texts.items", "types.items", "backlinks.in"}


def _build(corpus: Path, out: Path, cache: Path | None, base: str | None = None) -> BuildReport:
    return build(BuildOptions(sources=[str(corpus)], out=out, search=False, root=corpus, cache=cache, base=base))


def _inodes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, Path, BuildReport]:
    corpus, cache, out = tmp_path / "corpus", tmp_path / "cache", tmp_path / "dist"
    write_corpus(corpus, COUNT, seed=3)
    return corpus, cache, out, _build(corpus, out, cache)


def test_an_unchanged_rebuild_links_every_entity_page_and_writes_the_same_bytes(built) -> None:  # type: ignore[no-untyped-def]
    corpus, cache, out, first = built
    assert first.pages_reused == 0
    before, hashes = _inodes(out), tree_hashes(out)
    again = _build(corpus, out, cache)
    records = json.loads((cache / MEMO_FILE).read_text(encoding="utf-8"))["pages"]
    assert again.pages_reused == len(records) > COUNT
    after = _inodes(out)
    assert all(after[f"{path}/index.html"] == before[f"{path}/index.html"] for path in records)
    now = tree_hashes(out)
    changed = {k for k in hashes if now[k] != hashes[k]}
    assert changed <= {"feed-history.json", "feed.atom", "index.html"}  # the feed keeps its history


def test_an_edit_renders_the_pages_that_read_it_and_links_the_rest(built) -> None:  # type: ignore[no-untyped-def]
    corpus, cache, out, _ = built
    before = _inodes(out)
    target = sorted(p for p in corpus.rglob("*") if p.is_file())[0]
    target.write_text(target.read_text(encoding="utf-8").replace("Member States", "States members", 1), "utf-8")
    again = _build(corpus, out, cache)
    after = _inodes(out)
    relinked = {k for k in after if k.endswith("/index.html") and before.get(k) == after[k]}
    assert 0 < again.pages_reused == len(relinked) < again.pages
    clean = out.parent / "clean"
    _build(corpus, clean, None)
    feed = {"feed-history.json", "feed.atom", "index.html"}
    assert {k: v for k, v in tree_hashes(out).items() if k not in feed} == {
        k: v for k, v in tree_hashes(clean).items() if k not in feed
    }


def test_a_previous_file_changed_since_is_rendered_again_not_linked(built) -> None:  # type: ignore[no-untyped-def]
    corpus, cache, out, _ = built
    records = json.loads((cache / MEMO_FILE).read_text(encoding="utf-8"))["pages"]
    path = sorted(records)[0]
    page = out / path / "index.html"
    original = page.read_bytes()
    page.write_bytes(original + b"<!-- changed by hand -->")
    again = _build(corpus, out, cache)
    assert again.pages_reused == len(records) - 1
    assert (out / path / "index.html").read_bytes() == original


@pytest.mark.parametrize("spoil", ["other base", "corrupt", "other output"])
def test_records_that_do_not_fit_are_not_used(built, spoil: str) -> None:  # type: ignore[no-untyped-def]
    corpus, cache, out, _ = built
    if spoil == "corrupt":
        (cache / MEMO_FILE).write_text('{"salt": 1, "pages": [', encoding="utf-8")
        assert _build(corpus, out, cache).pages_reused == 0
    elif spoil == "other base":
        assert _build(corpus, out, cache, base="https://example.org/other/").pages_reused == 0
    else:
        os.rename(out, out.parent / "moved")
        assert _build(corpus, out.parent / "elsewhere", cache).pages_reused == 0


def test_packed_reads_come_back_as_they_went_and_a_separator_in_an_argument_is_refused() -> None:
    reads = [("label", "https://example.org/a", ""), ("href", "res/cnd/60/1", "https://example.org/b#op1")]
    packed = pack_reads(reads)
    assert packed is not None and list(unpack_reads(packed)) == reads
    assert list(unpack_reads(pack_reads([]) or "")) == []
    assert pack_reads([("label", "a\x1eb", "")]) is None
    assert pack_reads([("first", "a", "p\x1fq")]) is None


@pytest.mark.parametrize("damage", ["no-separators", "unknown-read"])
def test_a_damaged_page_record_renders_its_page_and_never_fails_the_build(built, damage: str) -> None:  # type: ignore[no-untyped-def]
    corpus, cache, out, _ = built
    stored = json.loads((cache / MEMO_FILE).read_text(encoding="utf-8"))
    path = sorted(stored["pages"])[0]
    stored["pages"][path][2] = "garbage" if damage == "no-separators" else "nosuch\x1fa\x1fb"
    (cache / MEMO_FILE).write_text(json.dumps(stored), encoding="utf-8")
    again = _build(corpus, out, cache)
    assert again.pages_reused == len(stored["pages"]) - 1
