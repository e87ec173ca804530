"""The texts of the corpus as the published graph states them: what a page or an Akoma Ntoso file shows.

:func:`read_texts` reads every resolution, draft and fragment with its
paragraphs, sub-paragraphs, footnotes, citations and reporting mandates out of
the Oxigraph store, a property at a time over the whole store (never a query
per text), and groups them into one frozen :class:`TextView` per text IRI, in
corpus order. The site is rendered from these views, so a page shows what the
graph says.

The text spans the graph records beside citations are read by
:func:`spans_from_graph`: footnote markers (``cndkg:FootnoteMarker``, with their
label and offset in a paragraph's or sub-paragraph's text), unresolved mentions
(``cndkg:UnresolvedMention``, with paragraph, words, line and order) and the
bodies paragraphs address (``cndkg:AddresseeMention``, in the text's order,
which orders a mandate's addressees).

Orders the graph does not state are rebuilt from what it does state:
texts by their source file and line (the first file in name order, as the
pipeline reads them), paragraphs by line, kind and position, footnotes by line
(then number), citations in document order (paragraphs then footnotes, by
offset, a mention's own target before the document it is published in),
mandates by paragraph, line and the offset of the session they name. The
enacting formula's body is the label of the text's ``eli:passed_by``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote

import pyoxigraph as ox

from cndkg.iris import hash_iri
from cndkg.model import FootnoteRef
from cndkg.namespaces import CNDKG, DCTERMS, ELI, PROV, RDF, RDFS, SKOS

TextKind = Literal["adopted", "draft", "fragment"]
ParagraphKind = Literal["preambular", "operative"]

_TEXT_CLASSES: dict[str, TextKind] = {
    str(CNDKG.Resolution): "adopted",
    str(CNDKG.DraftResolution): "draft",
    str(CNDKG.ResolutionFragment): "fragment",
}
_PARAGRAPH_CLASSES: dict[str, ParagraphKind] = {
    str(CNDKG.PreambularParagraph): "preambular",
    str(CNDKG.OperativeParagraph): "operative",
}
_GRAPH = ox.DefaultGraph()
_RDF_TYPE = ox.NamedNode(str(RDF.type))


Marker = FootnoteRef
"""A footnote marker in a text: the footnote's label, at a character offset (the model's own type)."""


@dataclass(frozen=True, slots=True)
class SubParagraphView:
    """A sub-paragraph (``op2-b``): its label as printed (``(b)``), text and source line."""

    eid: str
    label: str
    text: str
    line: int
    markers: tuple[Marker, ...] = ()


@dataclass(frozen=True, slots=True)
class ParagraphView:
    """A preambular or operative paragraph with its sub-paragraphs."""

    eid: str
    kind: ParagraphKind
    position: int
    number: int | None
    cue: str
    text: str
    line: int
    markers: tuple[Marker, ...] = ()
    subparagraphs: tuple[SubParagraphView, ...] = ()


@dataclass(frozen=True, slots=True)
class FootnoteView:
    """A footnote: its eId (the fragment of its IRI, ``fn4``), identifier in the text (``4``, ``4-2``), label."""

    eid: str
    ident: str
    label: str
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class CitationView:
    """One citation: paragraph ``citing`` cites ``target`` through the words ``text[start:end]``.

    The words are in the paragraph (or sub-paragraph) ``citing`` names, or in the
    footnote ``footnote`` (its identifier) when the paragraph cites through a marker.
    """

    citing: str
    target: str
    relation: str
    text: str
    start: int
    end: int
    footnote: str | None
    line: int

    @property
    def eid(self) -> str:
        """Return the eId of the citing paragraph (``op2``, ``op2-b``)."""
        return self.citing.rsplit("#", 1)[-1]


@dataclass(frozen=True, slots=True)
class MandateView:
    """A reporting mandate: the paragraph asking for the report, the session it is due at, whom it addresses."""

    paragraph: str
    due_session: str
    phrase: str
    line: int
    addressees: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnresolvedView:
    """A reference the resolver could not resolve: its paragraph, words and source line."""

    eid: str
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class TextView:
    """One resolution, draft or fragment of the corpus, as the graph states it."""

    iri: str
    kind: TextKind
    source: str
    line: int
    body: str
    title: str | None
    truncated: bool
    paragraphs: tuple[ParagraphView, ...]
    footnotes: tuple[FootnoteView, ...]
    citations: tuple[CitationView, ...]
    mandates: tuple[MandateView, ...]
    unresolved: tuple[UnresolvedView, ...] = ()
    _by_eid: Mapping[str, ParagraphView] = field(init=False, repr=False, compare=False)
    """Each eId's first paragraph: the site asks for the paragraph of 340,000 citations at 10,000 texts."""

    def __post_init__(self) -> None:
        by_eid: dict[str, ParagraphView] = {}
        for paragraph in self.paragraphs:
            by_eid.setdefault(paragraph.eid, paragraph)
        object.__setattr__(self, "_by_eid", by_eid)

    def paragraph(self, eid: str) -> ParagraphView | None:
        """Return the paragraph with this eId (a sub-paragraph's eId gives its paragraph), or None."""
        return self._by_eid.get(eid.split("-", 1)[0])


@dataclass(frozen=True, slots=True)
class TextSpans:
    """A text's spans beside its citations: markers, unresolved mentions, addressings (see :func:`spans_from_graph`)."""

    markers: Mapping[str, tuple[Marker, ...]] = field(default_factory=dict)
    unresolved: tuple[UnresolvedView, ...] = ()
    addressees: tuple[tuple[str, str], ...] = ()


def spans_from_graph(store: ox.Store) -> dict[str, TextSpans]:
    """Return, per text IRI, its footnote markers, unresolved mentions and addressees, as the graph states them.

    Markers by paragraph or sub-paragraph eId (label and offset, in order),
    unresolved mentions in the text's order (with repeats), and addressings
    ((paragraph IRI, addressee) in the order the text names them).
    """
    scan = _Scan(store)
    orders = {s: int(o) for s, o in scan.pairs(str(CNDKG.order))}
    markers: dict[str, dict[str, list[tuple[int, Marker]]]] = defaultdict(lambda: defaultdict(list))
    marker_nodes = set(scan.subjects(str(CNDKG.FootnoteMarker)))
    labels = scan.values(str(CNDKG.label), marker_nodes)
    offsets = scan.values(str(CNDKG.startOffset), marker_nodes)
    for part, node in scan.pairs(str(CNDKG.footnoteMarker)):
        if node in marker_nodes:
            marker = Marker(labels.get(node, ""), int(offsets.get(node, "0")))
            markers[_text_of(part)][_eid(part)].append((orders.get(node, 0), marker))
    unresolved: dict[str, list[tuple[int, UnresolvedView]]] = defaultdict(list)
    unresolved_nodes = set(scan.subjects(str(CNDKG.UnresolvedMention)))
    addressee_nodes = set(scan.subjects(str(CNDKG.AddresseeMention)))
    spans = unresolved_nodes | addressee_nodes
    paragraphs = scan.values(str(CNDKG.inParagraph), spans)
    words = scan.values(str(CNDKG.matchedText), unresolved_nodes)
    lines = scan.values(str(CNDKG.sourceLine), unresolved_nodes)
    for node in unresolved_nodes:
        paragraph = paragraphs.get(node, "")
        view = UnresolvedView(_eid(paragraph), words.get(node, ""), int(lines.get(node, "0")))
        unresolved[_text_of(node)].append((orders.get(node, 0), view))
    addressings: dict[str, list[tuple[int, tuple[str, str]]]] = defaultdict(list)
    targets = scan.values(str(CNDKG.addressee), addressee_nodes)
    for node in addressee_nodes:
        addressings[_text_of(node)].append((orders.get(node, 0), (paragraphs.get(node, ""), targets.get(node, ""))))
    return {
        text: TextSpans(
            {eid: tuple(m for _, m in sorted(found, key=_first)) for eid, found in markers.get(text, {}).items()},
            tuple(v for _, v in sorted(unresolved.get(text, []), key=_first)),
            tuple(a for _, a in sorted(addressings.get(text, []), key=_first)),
        )
        for text in set(markers) | set(unresolved) | set(addressings)
    }


def _first(pair: tuple[int, object]) -> int:
    """Sort key: the order a span has in its text."""
    return pair[0]


class _Scan:
    """The store read a predicate at a time, as plain strings."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def pairs(self, predicate: str) -> Iterator[tuple[str, str]]:
        """Yield (subject, object) of every triple with this predicate (IRIs and lexical forms)."""
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(predicate), None, _GRAPH):
            yield quad.subject.value, quad.object.value  # type: ignore[union-attr]

    def subjects(self, class_iri: str) -> Iterator[str]:
        """Yield the subjects typed ``class_iri``."""
        for quad in self.store.quads_for_pattern(None, _RDF_TYPE, ox.NamedNode(class_iri), _GRAPH):
            yield quad.subject.value  # type: ignore[union-attr]

    def values(self, predicate: str, subjects: set[str]) -> dict[str, str]:
        """Return subject -> value of a single-valued predicate, of the given subjects (the first, if several)."""
        found: dict[str, str] = {}
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(predicate), None, _GRAPH):
            subject = quad.subject.value  # type: ignore[union-attr]
            if subject in subjects and subject not in found:
                found[subject] = quad.object.value  # type: ignore[union-attr]
        return found

    def lists(self, predicate: str, subjects: set[str]) -> dict[str, list[str]]:
        """Return subject -> values, in the store's order, of the given subjects."""
        found: dict[str, list[str]] = defaultdict(list)
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(predicate), None, _GRAPH):
            subject = quad.subject.value  # type: ignore[union-attr]
            if subject in subjects:
                found[subject].append(quad.object.value)  # type: ignore[union-attr]
        return found


def _text_of(hash_iri: str) -> str:
    """Return the text IRI a paragraph, footnote, citation or mandate IRI belongs to."""
    return hash_iri.split("#", 1)[0]


def _eid(hash_iri: str) -> str:
    """Return the fragment of a hash IRI (``op2``, ``fn4``)."""
    return hash_iri.rsplit("#", 1)[-1]


def _relations() -> list[str]:
    """Return the citation relations: every sub-property of ``eli:cites``, and ``cndkg:refersToSession``."""
    from cndkg.vocabulary import ontology_graph

    found = {str(s) for s in ontology_graph().subjects(RDFS.subPropertyOf, ELI.cites)}
    return sorted(found | {str(CNDKG.refersToSession)})


def read_texts(store: ox.Store) -> dict[str, TextView]:
    """Return every text of the corpus in the store, by IRI, in corpus order.

    Takes the dataset's Oxigraph store. A text is a resolution, draft or
    fragment with a source line (cited resolutions without a text in the corpus
    have none).
    """
    extras = spans_from_graph(store)
    scan = _Scan(store)
    kinds: dict[str, TextKind] = {}
    for class_iri, kind in _TEXT_CLASSES.items():
        for subject in scan.subjects(class_iri):
            if "#" not in subject:
                kinds[subject] = kind
    paragraph_kinds: dict[str, ParagraphKind] = {}
    for class_iri, paragraph_kind in _PARAGRAPH_CLASSES.items():
        for subject in scan.subjects(class_iri):
            paragraph_kinds[subject] = paragraph_kind
    subs = set(scan.subjects(str(CNDKG.SubParagraph)))
    footnotes = set(scan.subjects(str(CNDKG.Footnote)))
    mandates = set(scan.subjects(str(CNDKG.ReportingMandate)))
    cited = set(scan.subjects(str(CNDKG.Citation)))
    lined = set(kinds) | set(paragraph_kinds) | subs | footnotes | mandates | cited
    lines = {s: int(o) for s, o in scan.pairs(str(CNDKG.sourceLine)) if s in lined}
    texts = {iri: kind for iri, kind in kinds.items() if iri in lines}
    parts = set(paragraph_kinds) | subs | footnotes | mandates
    words = scan.values(str(CNDKG.text), parts)
    labels = scan.values(str(CNDKG.label), subs | footnotes)

    paragraphs = _paragraphs(scan, paragraph_kinds, subs, words, labels, lines, extras)
    notes: dict[str, list[FootnoteView]] = defaultdict(list)
    for text_iri, note in scan.pairs(str(CNDKG.footnote)):
        if text_iri in texts and note in footnotes:
            eid = _eid(note)
            notes[text_iri].append(
                FootnoteView(eid, unquote(eid[2:]), labels.get(note, ""), words.get(note, ""), lines[note])
            )
    for found in notes.values():
        found.sort(key=lambda f: (f.line, _label_order(f.ident)))
    citations = _citations(scan, {n for n in cited if _text_of(n) in texts}, lines, paragraphs, notes)
    due = _mandates(scan, mandates, words, lines, paragraphs, citations, extras)

    sources = _sources(scan, texts)
    titles = scan.values(str(DCTERMS.title), set(texts))
    truncated = scan.values(str(CNDKG.truncated), set(texts))
    bodies = scan.values(str(ELI.passed_by), set(texts))
    body_names = {body: _pref_label(store, body) for body in set(bodies.values())}
    order = sorted(texts, key=lambda iri: (sources.get(iri, ""), lines[iri], iri))
    views: dict[str, TextView] = {}
    for iri in order:
        extra = extras.get(iri)
        views[iri] = TextView(
            iri=iri,
            kind=texts[iri],
            source=sources.get(iri, ""),
            line=lines[iri],
            body=body_names.get(bodies.get(iri, ""), ""),
            title=titles.get(iri),
            truncated=truncated.get(iri) == "true",
            paragraphs=tuple(paragraphs.get(iri, ())),
            footnotes=tuple(notes.get(iri, ())),
            citations=tuple(citations.get(iri, ())),
            mandates=tuple(due.get(iri, ())),
            unresolved=extra.unresolved if extra is not None else (),
        )
    return views


def patch_texts(previous: Mapping[str, TextView], families: Collection[str], scoped: ox.Store) -> dict[str, TextView]:
    """Return every text of the corpus, in corpus order, from the previous build's views and a few read again.

    Takes the previous build's views (:func:`read_texts` of its store), the
    families near what changed since (:func:`cndkg.delta.affected_families`)
    and a store of their triples and of every IRI they name
    (:func:`cndkg.delta.scoped_store`). A text's view is read from its family's
    triples and from the IRIs those name (its body's label, its source files'
    names, the documents its citations' targets are published in), so a text
    outside those families has the view it had; the families' texts are read
    from ``scoped``, and a family that is no text any more drops out. The
    result equals :func:`read_texts` of the whole store.
    """
    fresh = read_texts(scoped)
    views = {iri: view for iri, view in previous.items() if iri not in families}
    views.update((iri, view) for iri, view in fresh.items() if iri in families)
    return {iri: views[iri] for iri in sorted(views, key=lambda iri: (views[iri].source, views[iri].line, iri))}


def _label_order(ident: str) -> tuple[int, str]:
    """Sort key of footnote identifiers on one line: by number where they are numbers."""
    head = ident.split("-", 1)[0]
    return (int(head), ident) if head.isdigit() else (1 << 30, ident)


def _paragraphs(
    scan: _Scan,
    kinds: dict[str, ParagraphKind],
    subs: set[str],
    words: dict[str, str],
    labels: dict[str, str],
    lines: dict[str, int],
    extras: Mapping[str, TextSpans],
) -> dict[str, list[ParagraphView]]:
    """Return text IRI -> its paragraphs with their sub-paragraphs, in document order."""
    positions = {s: int(o) for s, o in scan.pairs(str(CNDKG.position)) if s in kinds or s in subs}
    numbers = {s: int(o) for s, o in scan.pairs(str(CNDKG.number)) if s in kinds}
    cues = scan.values(str(CNDKG.cue), set(kinds))
    children: dict[str, list[str]] = defaultdict(list)
    for sub, parent in scan.pairs(str(ELI.is_part_of)):
        if sub in subs:
            children[parent].append(sub)
    found: dict[str, list[ParagraphView]] = defaultdict(list)
    for iri, kind in kinds.items():
        text_iri = _text_of(iri)
        markers = extras[text_iri].markers if text_iri in extras else {}
        eid = _eid(iri)
        sub_views = tuple(
            SubParagraphView(_eid(s), labels.get(s, ""), words.get(s, ""), lines.get(s, 0), markers.get(_eid(s), ()))
            for s in sorted(children.get(iri, ()), key=lambda s: positions.get(s, 0))
        )
        found[text_iri].append(
            ParagraphView(
                eid,
                kind,
                positions.get(iri, 0),
                numbers.get(iri),
                cues.get(iri, ""),
                words.get(iri, ""),
                lines.get(iri, 0),
                markers.get(eid, ()),
                sub_views,
            )
        )
    for paragraphs in found.values():
        paragraphs.sort(key=lambda p: (p.line, p.kind != "preambular", p.position))
    return found


def _document_order(paragraphs: Iterable[ParagraphView]) -> dict[str, int]:
    """Return eId -> place in the text of each paragraph and sub-paragraph (a paragraph, then its sub-paragraphs)."""
    order: dict[str, int] = {}
    for paragraph in paragraphs:
        order[paragraph.eid] = len(order)
        for sub in paragraph.subparagraphs:
            order[sub.eid] = len(order)
    return order


def _citations(
    scan: _Scan,
    nodes: set[str],
    lines: dict[str, int],
    paragraphs: Mapping[str, list[ParagraphView]],
    notes: Mapping[str, list[FootnoteView]],
) -> dict[str, list[CitationView]]:
    """Return text IRI -> its citations in document order.

    The order is the text's: paragraphs (each followed by its sub-paragraphs),
    then footnotes; by offset within each; a footnote's words cited by several
    paragraphs in their order; one mention's own target before a document it is
    published in (the Official Records volume that locates a declaration).
    """
    citing = scan.values(str(CNDKG.citingParagraph), nodes)
    targets = scan.values(str(CNDKG.target), nodes)
    matched = scan.values(str(CNDKG.matchedText), nodes)
    starts = scan.values(str(CNDKG.startOffset), nodes)
    ends = scan.values(str(CNDKG.endOffset), nodes)
    in_footnote = scan.values(str(CNDKG.inFootnote), nodes)
    pairs = {(citing[n], targets[n]) for n in nodes if n in citing and n in targets}
    relation: dict[tuple[str, str], str] = {}
    for predicate in _relations():
        for pair in scan.pairs(predicate):
            if pair in pairs:
                relation[pair] = predicate
    published = scan.lists(str(CNDKG.publishedIn), set(targets.values()))
    found: dict[str, list[CitationView]] = defaultdict(list)
    for node in nodes:
        if node not in citing or node not in targets:
            continue
        note = in_footnote.get(node)
        view = CitationView(
            citing[node],
            targets[node],
            relation.get((citing[node], targets[node]), str(ELI.cites)),
            matched.get(node, ""),
            int(starts.get(node, 0)),
            int(ends.get(node, 0)),
            unquote(_eid(note)[2:]) if note else None,
            lines.get(node, 0),
        )
        found[_text_of(node)].append(view)
    for text_iri, views in found.items():
        views[:] = _in_text_order(views, paragraphs.get(text_iri, ()), notes.get(text_iri, ()), published)
    return found


def _in_text_order(
    views: list[CitationView],
    paragraphs: Iterable[ParagraphView],
    notes: Iterable[FootnoteView],
    published: Mapping[str, list[str]],
) -> list[CitationView]:
    """Return one text's citations in the order of the words citing (see :func:`_citations`)."""
    order = _document_order(paragraphs)
    containers = dict(order)
    for footnote in notes:
        containers["#" + footnote.ident] = len(containers)
    targets: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    for view in views:
        targets[(_container(view), view.start, view.end)].add(view.target)
    last = 1 << 30
    keyed = []
    for view in views:
        others = targets[(_container(view), view.start, view.end)] - {view.target}
        # A document another target of the same words is published in comes after that target.
        located = any(view.target in published.get(other, ()) for other in others)
        where = containers.get(_container(view), last)
        keyed.append(((where, view.start, view.end, order.get(view.eid, last), located, view.target), view))
    keyed.sort(key=lambda pair: pair[0])
    return [view for _, view in keyed]


def _container(view: CitationView) -> str:
    """Return where a citation's words are: the citing paragraph's eId, or ``#`` and the footnote's identifier."""
    return view.eid if view.footnote is None else "#" + view.footnote


def _mandates(
    scan: _Scan,
    nodes: set[str],
    words: dict[str, str],
    lines: dict[str, int],
    paragraphs: Mapping[str, list[ParagraphView]],
    citations: Mapping[str, list[CitationView]],
    extras: Mapping[str, TextSpans],
) -> dict[str, list[MandateView]]:
    """Return text IRI -> its reporting mandates, in the order of the paragraphs and session mentions making them."""
    mandated = scan.values(str(CNDKG.mandatedBy), nodes)
    due = scan.values(str(CNDKG.dueSession), nodes)
    addressees = scan.lists(str(CNDKG.addressee), nodes)
    found: dict[str, list[tuple[tuple[int, int, int, int], MandateView]]] = defaultdict(list)
    orders: dict[str, dict[str, int]] = {}
    for node in nodes:
        paragraph, session = mandated.get(node), due.get(node)
        if paragraph is None or session is None:
            continue
        text_iri = _text_of(paragraph)
        if text_iri not in orders:
            orders[text_iri] = _document_order(paragraphs.get(text_iri, ()))
        order = orders[text_iri]
        whole = hash_iri(text_iri, _eid(paragraph).split("-", 1)[0])
        rank: dict[str, int] = {}
        for place, addressee in extras[text_iri].addressees if text_iri in extras else ():
            if place in (paragraph, whole):
                rank.setdefault(addressee, len(rank))
        who = tuple(sorted(addressees.get(node, ()), key=lambda a: (rank.get(a, len(rank)), a)))
        start = min(
            (c.start for c in citations.get(text_iri, ()) if c.citing == paragraph and c.target == session),
            default=0,
        )
        index = int(node.rsplit("-mandate", 1)[-1]) if node.rsplit("-mandate", 1)[-1].isdigit() else 0
        key = (order.get(_eid(paragraph), 1 << 30), lines.get(node, 0), start, index)
        found[text_iri].append((key, MandateView(paragraph, session, words.get(node, ""), lines.get(node, 0), who)))
    return {text_iri: [view for _, view in sorted(views, key=lambda kv: kv[0])] for text_iri, views in found.items()}


def _sources(scan: _Scan, texts: Mapping[str, TextKind]) -> dict[str, str]:
    """Return text IRI -> the name of its source file (the first in name order, when a text is in several)."""
    files = set(scan.subjects(str(CNDKG.SourceFile)))
    file_names = scan.lists(str(DCTERMS.identifier), files)
    derived = scan.lists(str(PROV.wasDerivedFrom), set(texts))
    names: dict[str, str] = {}
    for iri, origins in derived.items():
        found = [name for origin in origins for name in file_names.get(origin, ())]
        if found:
            names[iri] = min(found)
    return names


def _pref_label(store: ox.Store, iri: str) -> str:
    """Return an entity's ``skos:prefLabel`` (its least, if it has several), or ''."""
    found = [
        q.object.value  # type: ignore[union-attr]
        for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(str(SKOS.prefLabel)), None, _GRAPH)
    ]
    return min(found, default="")
