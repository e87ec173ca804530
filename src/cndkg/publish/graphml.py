"""The citation network as GraphML (``citations.graphml``) for Gephi, yEd, networkx or igraph.

A node per text in the corpus and per entity one of them cites (its IRI as the
node id, with a label and a kind); a directed edge per (citing text, cited
entity, relation) with how many paragraphs cite that way. Written as text,
every label and IRI escaped; the bytes are those lxml's serialisation gives for
the same tree, which the tests take as the reference. Nodes and edges are
sorted, so the same graph gives the same bytes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from cndkg.namespaces import DCTERMS, GRAPHML_XML, PREFIXES, RDF, SKOS
from cndkg.publish.akn import clean
from cndkg.publish.tables import HEADERS

GRAPHML_FILE = "citations.graphml"
GRAPHML_MEDIA_TYPE = "application/graphml+xml"
GRAPHML_NAMESPACE = GRAPHML_XML
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
    path = folder / GRAPHML_FILE
    path.write_bytes(graphml_bytes(nodes, edges))
    return {GRAPHML_FILE: path.stat().st_size}


_HEAD = f"""<?xml version='1.0' encoding='UTF-8'?>
<graphml xmlns="{GRAPHML_NAMESPACE}">
  <key id="label" for="node" attr.name="label" attr.type="string"/>
  <key id="kind" for="node" attr.name="kind" attr.type="string"/>
  <key id="relation" for="edge" attr.name="relation" attr.type="string"/>
  <key id="weight" for="edge" attr.name="paragraphs" attr.type="int"/>
"""
_GRAPH = '  <graph id="citations" edgedefault="directed"'
_TAIL = "  </graph>\n</graphml>\n"
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)


def _text(value: str) -> str:
    """Return ``value`` as XML character data (escaped as libxml2 escapes it)."""
    return clean(value).translate(_TEXT_ESCAPES)


def _attribute(value: str) -> str:
    """Return ``value`` as a double-quoted attribute's content (escaped as libxml2 escapes it)."""
    return clean(value).translate(_ATTRIBUTE_ESCAPES)


def graphml_bytes(nodes: dict[str, tuple[str, str]], edges: Counter[tuple[str, str, str]]) -> bytes:
    """Return the GraphML document of a network: nodes in the given order, edges sorted.

    The bytes are those lxml's pretty printer gives for the same tree (a test
    holds it to that, on generated labels with every character XML escapes);
    formatting strings is about four times faster than building the tree, and
    the network of a 10,000-text corpus has about 200,000 elements.
    """
    if not nodes and not edges:
        return f"{_HEAD}{_GRAPH}/>\n</graphml>\n".encode()
    parts = [_HEAD, _GRAPH, ">\n"]
    for iri, (label, kind) in nodes.items():
        parts.append(
            f'    <node id="{_attribute(iri)}">\n'
            f'      <data key="label">{_text(label)}</data>\n'
            f'      <data key="kind">{_text(kind)}</data>\n'
            "    </node>\n"
        )
    for index, ((source, target, relation), count) in enumerate(sorted(edges.items())):
        parts.append(
            f'    <edge id="e{index}" source="{_attribute(source)}" target="{_attribute(target)}">\n'
            f'      <data key="relation">{_text(relation)}</data>\n'
            f'      <data key="weight">{count}</data>\n'
            "    </edge>\n"
        )
    parts.append(_TAIL)
    return "".join(parts).encode("utf-8")
