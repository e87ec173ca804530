"""The change feed, CSV, GraphML and the dataset description (issue 19, parts 2 and 3).

The feed is parsed by feedparser (a real feed reader: ``bozo`` stays 0 for well-formed Atom) after a
first build, a rebuild of the same input (same bytes) and an edit of one source (one entry: the edited
resolution, later than before). The CSV files are read back and their row counts compared with what
SPARQL counts on the built graph; ``void.ttl`` describes each file with its media type and size.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import feedparser
import pyoxigraph as ox
import pytest
from lxml import etree
from rdflib import Graph, Literal, URIRef

from cndkg.build import BuildOptions, build
from cndkg.namespaces import DCAT, DCTERMS, VOID

from .conftest import CORPUS, SEED_ADOPTED_57_4

BASE = "https://w3id.org/cndkg/"
RES_57_4 = BASE + "id/res/cnd/57/4"


def texts_in(dist: Path) -> set[str]:
    """Return the IRIs of the texts that have Akoma Ntoso beside their page (the corpus's texts)."""
    from .test_akn import texts

    return set(texts(dist))


def parse_feed(dist: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse((dist / "feed.atom").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    shutil.copytree(CORPUS, folder)
    return folder


def test_feed_lists_every_text_then_nothing_new_then_the_edited_one(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "dist"
    build(BuildOptions(sources=[str(sources)], out=out, search=False))
    first = parse_feed(out)
    assert {e.id for e in first.entries} == texts_in(out)
    assert all(e.tags[0].term == "added" for e in first.entries)
    entry = next(e for e in first.entries if e.id == RES_57_4)
    assert entry.link.endswith("/res/cnd/57/4/") and "57/4" in entry.title
    feed_bytes, history = (out / "feed.atom").read_bytes(), (out / "feed-history.json").read_bytes()

    build(BuildOptions(sources=[str(sources)], out=out, search=False))
    assert (out / "feed.atom").read_bytes() == feed_bytes, "the same input must give the same feed"
    assert (out / "feed-history.json").read_bytes() == history

    edited = sources / SEED_ADOPTED_57_4.name
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("chronic, relapsing conditions", "chronic and relapsing conditions", 1), "utf-8")
    build(BuildOptions(sources=[str(sources)], out=out, search=False))
    after = parse_feed(out)
    assert [(e.id, e.tags[0].term) for e in after.entries] == [(RES_57_4, "changed")]
    assert after.feed.updated_parsed > first.feed.updated_parsed
    assert after.entries[0].updated == after.feed.updated


def test_source_date_epoch_stamps_the_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "dist"
    build(BuildOptions(sources=[str(SEED_ADOPTED_57_4)], out=out, search=False, site=True))
    feed = parse_feed(out)
    assert feed.feed.updated == "2023-11-14T22:13:20Z"
    assert [e.id for e in feed.entries] == [RES_57_4]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tables") / "dist"
    build(BuildOptions(sources=[], out=out, search=False))
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def sparql_count(store: ox.Store, where: str) -> int:
    query = (
        "PREFIX cndkg: <https://w3id.org/cndkg/ontology#>\n"
        f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT * WHERE {{ {where} }} }}"
    )
    [row] = list(store.query(query))  # type: ignore[arg-type]
    return int(row["n"].value)


def test_csv_files_round_trip_to_the_counts_sparql_gives(built: Path) -> None:
    store = ox.Store()
    store.bulk_load(path=str(built / "cndkg.nt"), format=ox.RdfFormat.N_TRIPLES)
    resolutions = read_csv(built / "resolutions.csv")
    citations = read_csv(built / "citations.csv")
    mandates = read_csv(built / "mandates.csv")
    sponsorships = read_csv(built / "sponsorships.csv")
    assert len(resolutions) == sparql_count(
        store, "VALUES ?t { cndkg:Resolution cndkg:DraftResolution cndkg:ResolutionFragment } ?s a ?t"
    )
    assert len({r["iri"] for r in resolutions}) == len(resolutions)
    assert len(citations) == sparql_count(store, "?c a cndkg:Citation")
    assert len(mandates) == sparql_count(store, "?m a cndkg:ReportingMandate")
    assert len(sponsorships) == sparql_count(store, "?d cndkg:sponsor ?s")
    assert sum(1 for c in citations if c["relation"] == "cndkg:recalls") == sparql_count(
        store, "?c cndkg:citingParagraph ?p ; cndkg:target ?t . ?p cndkg:recalls ?t"
    )
    row = next(c for c in citations if c["paragraph_iri"] == RES_57_4 + "#pp4")
    assert (row["text"], row["paragraph"], row["relation"]) == (RES_57_4, "pp4", "cndkg:reaffirms")
    assert row["target"] == BASE + "id/res/cnd/54/5" and row["matched_text"] == "its resolution 54/5"
    israel = [s for s in sponsorships if s["sponsor_name"] == "Israel"]
    assert israel and israel[0]["session"] == BASE + "id/session/cnd/57"
    assert all(m["due_session"].startswith(BASE + "id/session/") for m in mandates)


def test_graphml_holds_the_citation_network(built: Path) -> None:
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = etree.parse(str(built / "citations.graphml")).getroot()
    nodes = set(root.xpath("//g:node/@id", namespaces=ns))
    edges = root.xpath("//g:edge", namespaces=ns)
    citations = read_csv(built / "citations.csv")
    expected = {(c["text"], c["target"]) for c in citations}
    assert {(e.get("source"), e.get("target")) for e in edges} == expected
    assert {n for pair in expected for n in pair} == nodes
    assert RES_57_4 in nodes


def test_void_and_the_home_page_describe_every_download(built: Path) -> None:
    void = Graph().parse(built / "void.ttl", format="turtle")
    dataset = URIRef(BASE + "void.ttl#dataset")
    html = (built / "index.html").read_text(encoding="utf-8")
    for name, media in (
        ("resolutions.csv", "text/csv"),
        ("citations.csv", "text/csv"),
        ("mandates.csv", "text/csv"),
        ("sponsorships.csv", "text/csv"),
        ("citations.graphml", "application/graphml+xml"),
    ):
        url = URIRef(BASE + name)
        assert (dataset, VOID.dataDump, url) in void
        [node] = void.subjects(DCAT.downloadURL, url)
        assert (dataset, DCAT.distribution, node) in void
        assert (node, DCTERMS["format"], Literal(media)) in void
        assert int(void.value(node, DCAT.byteSize)) == (built / name).stat().st_size  # type: ignore[arg-type]
        assert f'<a href="{name}" type="{media}">{name}</a>' in html
    assert '<a href="feed.atom" type="application/atom+xml">feed.atom</a>' in html
    well_known = Graph().parse(built / ".well-known/void", format="turtle")
    assert (dataset, None, URIRef(BASE + "void.ttl")) in well_known
    for page in (built / "index.html", built / "res/cnd/57/4/index.html", built / "state/ISR/index.html"):
        assert '<link rel="alternate" type="application/atom+xml" href="' in page.read_text(encoding="utf-8")
