"""The site is rendered from the published graph (issue 18): the text views read from the store say what the
resolved model says, and a page shows what the graph says, not what the model says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cndkg.graph import build_graph
from cndkg.model import ResolvedResolution
from cndkg.pipeline import Corpus, run_pipeline
from cndkg.publish.site import write_pages
from cndkg.publish.textview import Marker, TextView, UnresolvedView, read_texts, spans_from_graph
from cndkg.registry import Registry

from .conftest import CORPUS

RES_57_4 = "https://w3id.org/cndkg/id/res/cnd/57/4"
CHANGED = "words that only the graph holds"


@pytest.fixture(scope="module")
def pipeline(registry: Registry) -> Corpus:
    return run_pipeline([CORPUS], registry, root=CORPUS)


@pytest.fixture(scope="module")
def corpus(pipeline: Corpus) -> list[ResolvedResolution]:
    return pipeline.resolved


@pytest.fixture(scope="module")
def views(pipeline: Corpus, registry: Registry) -> dict[str, TextView]:
    store = build_graph(pipeline.settled, registry).store
    return read_texts(store)


def test_the_graph_has_every_text_of_the_model_in_corpus_order(
    corpus: list[ResolvedResolution], views: dict[str, TextView]
) -> None:
    assert list(views) == [item.iri for item in corpus]
    for item in corpus:
        view, record = views[item.iri], item.resolution
        assert (view.kind, view.source, view.line, view.body, view.truncated) == (
            record.kind.value,
            record.source,
            record.line,
            record.body,
            record.truncated,
        )
        if record.header.title:
            assert view.title == record.header.title


def test_the_graph_has_the_paragraphs_and_footnotes_of_the_model(
    corpus: list[ResolvedResolution], views: dict[str, TextView]
) -> None:
    for item in corpus:
        view = views[item.iri]
        assert [
            (
                p.eid,
                p.kind,
                p.position,
                p.number,
                p.cue,
                p.text,
                p.line,
                [(s.eid, s.label, s.text, s.line) for s in p.subparagraphs],
            )
            for p in view.paragraphs
        ] == [
            (
                p.eid,
                p.kind.value,
                p.position,
                p.number,
                p.cue,
                p.text,
                p.line,
                [(f"{p.eid}-{s.key}", s.label, s.text, s.line) for s in p.subparagraphs],
            )
            for p in item.resolution.paragraphs
        ]
        assert [(f.ident, f.label, f.text, f.line) for f in view.footnotes] == [
            (f.ident, f.label, f.text, f.line) for f in item.resolution.footnotes
        ]


def test_the_graph_has_the_citations_and_mandates_of_the_model_in_their_order(
    corpus: list[ResolvedResolution], views: dict[str, TextView]
) -> None:
    assert sum(len(item.citations) for item in corpus) > 50  # the seeds cite in paragraphs and in footnotes
    for item in corpus:
        view = views[item.iri]
        assert [
            (c.citing, c.target, c.relation, c.text, c.start, c.end, c.footnote, c.line) for c in view.citations
        ] == [
            (
                c.citing,
                c.target,
                c.relation,
                c.mention.text,
                c.mention.start,
                c.mention.end,
                c.mention.location.key if c.mention.location.container == "footnote" else None,
                c.mention.line,
            )
            for c in item.citations
        ]
        assert [(m.paragraph, m.due_session, m.phrase, m.line, m.addressees) for m in view.mandates] == [
            (m.paragraph, m.due_session, m.phrase, m.line, m.addressees) for m in item.mandates
        ]


def test_a_page_shows_the_paragraph_text_the_graph_holds(
    pipeline: Corpus, corpus: list[ResolvedResolution], registry: Registry, tmp_path: Path
) -> None:
    store = build_graph(pipeline.settled, registry).store
    paragraph = f"<{RES_57_4}#op1>"
    text = "<https://w3id.org/cndkg/ontology#text>"
    [row] = list(store.query(f"SELECT ?t WHERE {{ {paragraph} {text} ?t }}"))  # type: ignore[arg-type]
    before = row[0].value
    after = json.dumps(before.removesuffix(";") + f", {CHANGED};", ensure_ascii=False)  # offsets before it hold
    store.update(
        f"DELETE {{ {paragraph} {text} ?t }} INSERT {{ {paragraph} {text} {after} }} WHERE {{ {paragraph} {text} ?t }}"
    )
    write_pages(tmp_path, store, registry)  # given no model at all: what pages show comes from the graph
    page = (tmp_path / "res/cnd/57/4/index.html").read_text(encoding="utf-8")
    akn = (tmp_path / "res/cnd/57/4/data.akn.xml").read_text(encoding="utf-8")
    assert re.search(f'<p id="op1" [^\n]*, {CHANGED};</p>', page)
    assert re.search(f'<paragraph eId="op1">(?:(?!</paragraph>).)*, {CHANGED};</p>', akn, re.DOTALL)
    assert before not in page


def test_the_graph_has_the_markers_unresolved_mentions_and_addressees_of_the_model(
    pipeline: Corpus, corpus: list[ResolvedResolution], registry: Registry
) -> None:
    spans = spans_from_graph(build_graph(pipeline.settled, registry).store)
    assert any(item.addressings for item in corpus)
    assert any(p.footnote_refs for item in corpus for p in item.resolution.paragraphs)
    for item in corpus:
        found = spans.get(item.iri)
        markers = {
            eid: tuple(Marker(r.label, r.offset) for r in part.footnote_refs)
            for paragraph in item.resolution.paragraphs
            for eid, part in paragraph.texts()
            if part.footnote_refs
        }
        assert (found.markers if found else {}) == markers
        unresolved = tuple(UnresolvedView(p.rsplit("#", 1)[-1], text, line) for p, text, line in item.unresolved)
        assert (found.unresolved if found else ()) == unresolved
        assert (found.addressees if found else ()) == tuple((a.paragraph, a.addressee) for a in item.addressings)


def test_unresolved_mentions_come_back_from_the_graph_in_order_with_repeats(registry: Registry, tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text(
        "Resolution 62/4\n\nThe Commission on Narcotic Drugs,\n\n"
        "Recalling resolution 99/98 and resolution 99/99,\n\n"
        "1. Requests the United Nations Office on Drugs and Crime to recall resolution 99/98.\n",
        encoding="utf-8",
    )
    corpus = run_pipeline([tmp_path], registry, root=tmp_path)
    [item] = corpus.resolved
    assert [text for _, text, _ in item.unresolved] == ["resolution 99/98", "resolution 99/99", "resolution 99/98"]
    spans = spans_from_graph(build_graph(corpus.settled, registry).store)[item.iri]
    assert spans.unresolved == tuple(UnresolvedView(p.rsplit("#", 1)[-1], t, line) for p, t, line in item.unresolved)
    assert [who for _, who in spans.addressees] == ["https://w3id.org/cndkg/id/body/unodc"]


def test_a_citations_paragraph_is_found_by_its_eid_as_a_scan_would() -> None:
    """The paragraph table: a sub-paragraph's eId gives its paragraph, a repeated eId its first, none is None."""
    from dataclasses import replace

    from cndkg.publish.textview import ParagraphView

    def paragraph(eid: str, cue: str) -> ParagraphView:
        return ParagraphView(eid, "operative", 1, 1, cue, "words", 1)

    view = TextView(
        RES_57_4, "adopted", "a.txt", 1, "cnd", "A title", False,
        (paragraph("pp1", "Recalling"), paragraph("op1", "Requests"), paragraph("op1", "Decides")), (), (), (),
    )  # fmt: skip
    cases = {"pp1": "Recalling", "op1": "Requests", "op1-a": "Requests", "op1-a-ii": "Requests"}
    for eid, cue in cases.items():
        found = view.paragraph(eid)
        assert found is not None and found.cue == cue, eid
    assert view.paragraph("op2") is None and view.paragraph("") is None
    assert "_by_eid" not in repr(view), "page digests hold the view's repr: the table stays out of it"
    moved = replace(view, paragraphs=(paragraph("op1", "Invites"),))
    assert moved.paragraph("op1-b") is not None and moved.paragraph("op1-b").cue == "Invites"  # type: ignore[union-attr]
    assert moved.paragraph("pp1") is None
    assert view == replace(view), "the table takes no part in equality"
