"""Turtle, written by Oxigraph's serializer with the project's prefixes, from triples in sorted order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

import pyoxigraph as ox

from cndkg.namespaces import PREFIXES

MEDIA_TYPE = "text/turtle"


def serialize(triples: Iterable[ox.Triple]) -> bytes:
    """Return sorted triples as Turtle with the project's prefixes."""
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
    assert data is not None
    return data


def write(triples: Iterable[ox.Triple], out: BinaryIO) -> None:
    """Write sorted triples as Turtle to a binary stream, streaming."""
    ox.serialize(triples, out, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
