"""Turtle, written by Oxigraph's serializer with the project's prefixes, from triples in sorted order.

Written from sorted triples, Turtle is the prefix lines (:func:`header`) and
then each subject's triples on their own (:func:`subject_block`), one after
the other: the serializer carries nothing from one subject to the next (the
graph has no blank nodes to nest). So a dump can be assembled from blocks
serialized one at a time, and kept between builds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pyoxigraph as ox

from cndkg.namespaces import PREFIXES

MEDIA_TYPE = "text/turtle"
_PREFIXES = dict(PREFIXES)  # built once: the serializer is called once per subject block


def serialize(triples: Iterable[ox.Triple] | Iterable[ox.Quad]) -> bytes:
    """Return sorted triples as Turtle with the project's prefixes."""
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=_PREFIXES)
    assert data is not None
    return data


_PROBE = ox.Triple(ox.NamedNode("urn:cndkg:probe"), ox.NamedNode("urn:cndkg:probe"), ox.NamedNode("urn:cndkg:probe"))


@functools.lru_cache(maxsize=1)
def header() -> bytes:
    """Return the prefix lines Turtle written by :func:`serialize` starts with, before its first triple."""
    data = serialize([_PROBE])
    return data[: data.index(b"<urn:cndkg:probe>")]


def subject_block(triples: Iterable[ox.Triple] | Iterable[ox.Quad]) -> bytes:
    """Return one subject's triples (sorted) as Turtle without the prefix lines."""
    data = serialize(triples)
    prefixes = header()
    if not data.startswith(prefixes):  # Oxigraph writes the prefixes before the first triple, and only then
        raise RuntimeError("the Turtle serializer did not start with the prefix lines")
    return data[len(prefixes) :]
