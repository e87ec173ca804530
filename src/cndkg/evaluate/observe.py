"""What a built graph says about its resolutions, as plain data the comparison reads.

Read through the vocabulary contract only (types, ``eli:is_part_of``,
``cndkg:position``/``cue``, ``eli:cites``, ``cndkg:Citation``, ``cndkg:ReportingMandate``),
so that the comparison can be tested on hand-made observations without a graph.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.term import Node

from cndkg.namespaces import CNDKG, DCTERMS, ELI, PROV, RDF

RESOLUTION_TYPES = (CNDKG.Resolution, CNDKG.DraftResolution, CNDKG.ResolutionFragment)


@dataclass(frozen=True, slots=True)
class ObservedParagraph:
    """A paragraph of the graph: its cue, the targets it (or a sub-paragraph) cites, and their matched texts."""

    iri: str
    cue: str | None = None
    cites: frozenset[str] = frozenset()
    matched_texts: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ObservedMandate:
    """A reporting mandate given by an operative paragraph (``direct``) or one of its sub-paragraphs."""

    by: str
    due: tuple[str, ...] = ()
    direct: bool = True


@dataclass(frozen=True, slots=True)
class ObservedResolution:
    """A resolution of the graph, with its identifiers and paragraphs in order."""

    iri: str
    identifiers: frozenset[str] = frozenset()
    preambular: tuple[ObservedParagraph, ...] = ()
    operative: tuple[ObservedParagraph, ...] = ()
    mandates: tuple[ObservedMandate, ...] = ()


def observe(graph: Graph) -> list[ObservedResolution]:
    """Return the resolutions whose text is in the graph's sources, sorted by IRI.

    A resolution counts when it is derived from a source file or has paragraphs
    (stubs for cited resolutions have neither).
    """
    found = sorted({s for t in RESOLUTION_TYPES for s in graph.subjects(RDF.type, t) if isinstance(s, URIRef)})
    texts = _matched_texts(graph)
    return [_resolution(graph, r, texts) for r in found if _has_text(graph, r)]


def _has_text(graph: Graph, resolution: URIRef) -> bool:
    """Return True when the resolution comes from a source (derived from it, or with parts)."""
    return (
        graph.value(resolution, PROV.wasDerivedFrom) is not None
        or graph.value(None, ELI.is_part_of, resolution) is not None
    )


def _resolution(graph: Graph, iri: URIRef, texts: dict[tuple[str, str], list[str]]) -> ObservedResolution:
    """Return one resolution's observation."""
    preambular = _paragraphs(graph, iri, CNDKG.PreambularParagraph, texts)
    operative = _paragraphs(graph, iri, CNDKG.OperativeParagraph, texts)
    return ObservedResolution(
        iri=str(iri),
        identifiers=frozenset(str(o) for o in graph.objects(iri, DCTERMS.identifier)),
        preambular=preambular,
        operative=operative,
        mandates=_mandates(graph, {p.iri for p in operative}),
    )


def _paragraphs(
    graph: Graph, resolution: URIRef, kind: URIRef, texts: dict[tuple[str, str], list[str]]
) -> tuple[ObservedParagraph, ...]:
    """Return the resolution's paragraphs of one kind, by position (unpositioned ones last)."""
    found: list[tuple[int, ObservedParagraph]] = []
    for node in graph.subjects(ELI.is_part_of, resolution):
        if (node, RDF.type, kind) not in graph:
            continue
        position = graph.value(node, CNDKG.position)
        cue = graph.value(node, CNDKG.cue)
        found.append((int(position) if position is not None else 10**6, _paragraph(graph, node, cue, texts)))  # type: ignore[call-overload]
    return tuple(p for _, p in sorted(found, key=lambda item: item[0]))


def _paragraph(
    graph: Graph, node: Node, cue: Node | None, texts: dict[tuple[str, str], list[str]]
) -> ObservedParagraph:
    """Return a paragraph with the citations of it and of its sub-paragraphs."""
    nodes = [node, *graph.subjects(ELI.is_part_of, node)]
    cites = frozenset(str(t) for n in nodes for t in graph.objects(n, ELI.cites))
    matched: dict[str, tuple[str, ...]] = {}
    for target in cites:
        matched[target] = tuple(m for n in nodes for m in texts.get((str(n), target), ()))
    return ObservedParagraph(str(node), None if cue is None else str(cue), cites, matched)


def _matched_texts(graph: Graph) -> dict[tuple[str, str], list[str]]:
    """Return (citing paragraph IRI, target IRI) -> the texts matched, from the graph's Citation nodes."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for citation in graph.subjects(RDF.type, CNDKG.Citation):
        texts = [str(m) for m in graph.objects(citation, CNDKG.matchedText)]
        for paragraph in graph.objects(citation, CNDKG.citingParagraph):
            for target in graph.objects(citation, CNDKG.target):
                out[(str(paragraph), str(target))].extend(texts)
    return out


def _mandates(graph: Graph, operative: set[str]) -> tuple[ObservedMandate, ...]:
    """Return the mandates given by the operative paragraphs or by their sub-paragraphs."""
    out: list[ObservedMandate] = []
    for mandate in sorted(graph.subjects(RDF.type, CNDKG.ReportingMandate), key=str):
        by = [str(b) for b in graph.objects(mandate, CNDKG.mandatedBy)]
        direct = any(b in operative for b in by)
        within = any(str(p) in operative for b in by for p in graph.objects(URIRef(b), ELI.is_part_of))
        if direct or within:
            due = tuple(sorted(str(d) for d in graph.objects(mandate, CNDKG.dueSession)))
            out.append(ObservedMandate(by[0] if by else "?", due, direct))
    return tuple(out)
