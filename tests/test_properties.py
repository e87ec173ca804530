"""Property-based tests: any text never crashes the reader or the finder, spans slice back, graphs round-trip.

Run longer with HYPOTHESIS_PROFILE=fuzz (10,000 examples per property).
"""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

from cndkg.find import find, find_in_text
from cndkg.graph import build_graph
from cndkg.model import SourceDocument
from cndkg.pipeline import lexicon_for
from cndkg.read.html import read_html
from cndkg.read.markup import read_markup
from cndkg.registry import load_registry
from cndkg.resolve import resolve, settle
from cndkg.segment import segment
from cndkg.validate import validate_graph
from cndkg.writers import serialize, sorted_triples

REGISTRY = load_registry()
LEXICON = lexicon_for(REGISTRY)
PIECES = [
    "Resolution 57/4",
    "Supporting recovery",
    "The Commission on Narcotic Drugs,",
    "*Recalling*",
    "Recalling its resolution 61/11 of 16 March 2018, entitled “Title”,¹",
    "Noting with appreciation the work,",
    "1. *Requests* the United Nations Office on Drugs and Crime to report at its sixty-sixth session;",
    "2. Invites Member States to act.",
    "(a) To do a thing;",
    "¹ United Nations, Treaty Series, vol. 976, No. 14152.",
    "² Ibid., vol. 1019, No. 14956.",
    "³ Ibid.",
    "<sup>4</sup>",
    "target 3.5 of the Goals",
    "General Assembly resolution",
    "217 A (III)",
    "E/2019/28",
    "Chile and Peru: draft resolution",
    "Sixty-seventh session",
    "Agenda item 6",
    "<p>",
    "</div>",
    "<em>",
    "---",
    "# Heading",
    "[E/2014/28](#)",
    "1/ Official Records",
    "*/",
    "\u00ad",
    "\u200b",
    "Reaffirming also the Single Convention on Narcotic Drugs of 1961 as amended by the 1972 Protocol,",
]
TEXTS = st.lists(st.one_of(st.text(max_size=80), st.sampled_from(PIECES)), max_size=30).map("\n".join)
SEPARATED = st.lists(st.one_of(st.text(max_size=60), st.sampled_from(PIECES)), max_size=25).map("\n\n".join)


def _check_line_map(doc: SourceDocument, source: str) -> None:
    lines = source.count("\n") + 1
    assert list(doc.line_map.offsets) == sorted(doc.line_map.offsets)
    for offset in range(0, len(doc.text) + 1, max(1, len(doc.text) // 7 or 1)):
        assert 1 <= doc.line_at(offset) <= lines


@given(TEXTS)
def test_markup_reader_never_crashes_and_maps_every_offset(text: str) -> None:
    doc = read_markup(text, "x.md", "text/markdown")
    _check_line_map(doc, text)


@given(TEXTS)
def test_html_reader_never_crashes(text: str) -> None:
    doc = read_html(text, "x.html")
    assert isinstance(doc.text, str)


@given(st.text(max_size=400))
def test_finder_spans_slice_back_on_any_text(text: str) -> None:
    for found in find_in_text(text, LEXICON, operative=True, antecedent=text[:50]):
        assert text[found.start : found.end] == found.text


@given(SEPARATED)
def test_segment_and_find_never_crash_and_spans_slice_back(text: str) -> None:
    doc = read_markup(text, "x.txt", "text/plain")
    for record in segment(doc, REGISTRY.state_names_with_and):
        containers = {p.eid: p.text for p in record.paragraphs}
        containers.update({f"{p.eid}-{s.key}": s.text for p in record.paragraphs for s in p.subparagraphs})
        footnotes = {f.ident: f.text for f in record.footnotes}
        for mention in find(record, LEXICON):
            source = containers if mention.location.container == "paragraph" else footnotes
            assert source[mention.location.key][mention.start : mention.end] == mention.text


@settings(max_examples=25)
@given(SEPARATED)
@example("The Commission on Narcotic Drugs,\n\n\x1b\x0cu")  # a paragraph whose first word is no word: its cue
def test_graph_of_any_input_round_trips_through_its_dump_and_validates(text: str) -> None:
    doc = read_markup(text, "x.txt", "text/plain")
    records = segment(doc, REGISTRY.state_names_with_and)
    resolved = [resolve(record, find(record, LEXICON), REGISTRY) for record in records]
    graph = build_graph(settle(resolved, REGISTRY), REGISTRY).graph
    turtle = serialize(sorted_triples(graph), ox.RdfFormat.TURTLE)
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), graph)
    outcome = validate_graph(graph)
    # whatever the text, what cndkg makes of it conforms to its own shapes (else nothing would be published)
    assert outcome.conforms, [str(v) for v in outcome.violations][:3]


SITE_PATHS = st.lists(st.sampled_from(["res", "cnd", "57", "4", "ga", "a.b"]), max_size=5).map("/".join)


@given(SITE_PATHS, SITE_PATHS)
def test_relative_site_links_match_posix_relpath(start: str, target: str) -> None:
    import posixpath

    from cndkg.publish.sitedata import relative

    link = posixpath.relpath(target or ".", start or ".")
    assert relative(start, target) == ("./" if link == "." else link + "/")
