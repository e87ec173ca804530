"""The citation network as GraphML (``citations.graphml``) for Gephi, yEd, networkx or igraph.

A node per text in the corpus and per entity one of them cites (its IRI as the
node id, with a label and a kind); a directed edge per (citing text, cited
entity, relation) with how many paragraphs cite that way. Written with lxml,
which escapes every label; nodes and edges sorted, so the same graph gives the
same bytes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
from lxml import etree

from cndkg.namespaces import DCTERMS, GRAPHML_XML, PREFIXES, RDF, SKOS
from cndkg.publish.akn import clean
from cndkg.publish.tables import HEADERS

GRAPHML_FILE = "citations.graphml"
GRAPHML_MEDIA_TYPE = "application/graphml+xml"
GRAPHML_NAMESPACE = GRAPHML_XML
_G = f"{{{GRAPHML_NAMESPACE}}}"
_PARAGRAPH, _RELATION, _TARGET = (
    HEADERS["citations.csv"].index(name) for name in ("paragraph_iri", "relation", "target")
)


def _compact(iri: str) -> str:
    """Return an IRI of a known namespace as ``prefix:local``."""
    for prefix, namespace in sorted(PREFIXES.items()):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def citation_network(
    store: ox.Store, citations: list[list[str]]
) -> tuple[dict[str, tuple[str, str]], Counter[tuple[str, str, str]]]:
    """Return the network: node IRI -> (label, kind), and (text, target, relation) -> citing paragraphs.

    Takes the store (for the nodes' labels and kinds) and the rows of
    ``citations.csv`` (:func:`cndkg.publish.tables.citation_rows`): the
    network is that table summed up, so the two downloads always agree. A
    paragraph citing a target with several relations counts once for each.
    """
    seen = {(row[_PARAGRAPH], row[_TARGET], relation) for row in citations for relation in row[_RELATION].split()}
    edges: Counter[tuple[str, str, str]] = Counter()
    for paragraph, target, relation in seen:
        edges[(paragraph.split("#", 1)[0], target, relation)] += 1
    nodes: dict[str, tuple[str, str]] = {}
    for iri in sorted({e[0] for e in edges} | {e[1] for e in edges}):
        nodes[iri] = (_label(store, iri), _kind(store, iri))
    return nodes, edges


def _first(store: ox.Store, iri: str, predicate: str) -> str | None:
    """Return the smallest value of a property of an IRI, or None."""
    quads = store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None)
    values = sorted(str(getattr(q.object, "value", "")) for q in quads)
    return values[0] if values else None


def _label(store: ox.Store, iri: str) -> str:
    """Return a node's label: prefLabel, title or identifier, else the end of its IRI."""
    for predicate in (SKOS.prefLabel, DCTERMS.title, DCTERMS.identifier):
        found = _first(store, iri, str(predicate))
        if found:
            return found
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _kind(store: ox.Store, iri: str) -> str:
    """Return a node's type as ``prefix:Local`` (the smallest, when it has several)."""
    found = _first(store, iri, str(RDF.type))
    return _compact(found) if found else ""


def write_graphml(store: ox.Store, folder: Path, citations: list[list[str]]) -> dict[str, int]:
    """Write ``citations.graphml`` into ``folder`` from the store and the citation rows; return name -> size."""
    nodes, edges = citation_network(store, citations)
    root = etree.Element(_G + "graphml", nsmap={None: GRAPHML_NAMESPACE})
    for key, target, name, kind in (
        ("label", "node", "label", "string"),
        ("kind", "node", "kind", "string"),
        ("relation", "edge", "relation", "string"),
        ("weight", "edge", "paragraphs", "int"),
    ):
        etree.SubElement(root, _G + "key", {"id": key, "for": target, "attr.name": name, "attr.type": kind})
    graph = etree.SubElement(root, _G + "graph", id="citations", edgedefault="directed")
    for iri, (label, kind) in nodes.items():
        node = etree.SubElement(graph, _G + "node", id=clean(iri))
        etree.SubElement(node, _G + "data", key="label").text = clean(label)
        etree.SubElement(node, _G + "data", key="kind").text = kind
    for index, ((source, target, relation), count) in enumerate(sorted(edges.items())):
        edge = etree.SubElement(graph, _G + "edge", id=f"e{index}", source=clean(source), target=clean(target))
        etree.SubElement(edge, _G + "data", key="relation").text = relation
        etree.SubElement(edge, _G + "data", key="weight").text = str(count)
    path = folder / GRAPHML_FILE
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return {GRAPHML_FILE: path.stat().st_size}
