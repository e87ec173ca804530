"""RDF writers: one module per format (as rdflib's serializer plugins), one interface.

Every writer takes triples in canonical sorted order (:func:`sorted_triples`)
and gives deterministic bytes: :mod:`~cndkg.writers.ntriples` (also the graph
stage's line-by-line terms and the sorted dump every other format is written
from), :mod:`~cndkg.writers.turtle` (Oxigraph's serializer with the project's
prefixes) and :mod:`~cndkg.writers.jsonld` (compact, ``@context`` inlined).
:data:`WRITERS` names each dump file with its writer; :func:`serialize` picks a
writer by format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from cndkg.writers import jsonld, ntriples, turtle


@dataclass(frozen=True)
class Writer:
    """One RDF format: its dump file, media type, Oxigraph format and serializer (sorted triples -> bytes)."""

    file_name: str
    media_type: str
    rdf_format: ox.RdfFormat
    serialize: Callable[[Iterable[ox.Triple], str | None], bytes]


WRITERS: dict[str, Writer] = {
    "cndkg.ttl": Writer("cndkg.ttl", turtle.MEDIA_TYPE, ox.RdfFormat.TURTLE, lambda t, base: turtle.serialize(t)),
    "cndkg.nt": Writer(
        "cndkg.nt", ntriples.MEDIA_TYPE, ox.RdfFormat.N_TRIPLES, lambda t, base: ntriples.serialize(iter(t))
    ),
    "cndkg.jsonld": Writer("cndkg.jsonld", jsonld.MEDIA_TYPE, ox.RdfFormat.JSON_LD, jsonld.serialize),
}
"""The dump files, each with its writer (in the order the dumps are listed)."""


def writer_for(rdf_format: ox.RdfFormat) -> Writer:
    """Return the writer of an Oxigraph format (Turtle, N-Triples or JSON-LD)."""
    for writer in WRITERS.values():
        if writer.rdf_format == rdf_format:
            return writer
    raise ValueError(f"no writer for {rdf_format}")


def serialize(triples: Iterable[ox.Triple], rdf_format: ox.RdfFormat, base: str | None = None) -> bytes:
    """Return sorted triples serialized in ``rdf_format`` (``base`` names ``id:`` in JSON-LD's context)."""
    return writer_for(rdf_format).serialize(triples, base)


def to_oxigraph_term(node: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """Return an rdflib term as the pyoxigraph term with the same value."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    raise TypeError(f"cannot convert {node!r}")


def sorted_triples(graph: Graph | Iterable[tuple[Node, Node, Node]]) -> list[ox.Triple]:
    """Return a graph's triples as pyoxigraph triples in canonical N-Triples order."""
    converted = [
        ox.Triple(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o))  # type: ignore[arg-type]
        for s, p, o in graph
    ]
    converted.sort(key=str)
    return converted
