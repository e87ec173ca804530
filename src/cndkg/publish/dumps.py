"""The dump files: the whole graph as sorted N-Triples, Turtle and JSON-LD, and each entity's alternates.

This module decides what is written where; the bytes come from the writers
(:mod:`cndkg.writers`, one module per format). The sorted N-Triples file is
written first; Turtle and JSON-LD are written from a streamed parse of it, and
each entity with a page gets its own description as ``data.ttl`` and
``data.jsonld`` from the same streams. Byte-identical for the same input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import pyoxigraph as ox

from cndkg.forking import fork_map, jobs_allowed
from cndkg.writers import WRITERS, jsonld, turtle
from cndkg.writers import ntriples as ntriples_writer

DUMP_FORMATS = {name: (writer.rdf_format, writer.media_type) for name, writer in WRITERS.items()}
"""Dump file -> (Oxigraph format, media type)."""


def write_dumps(
    store: ox.Store,
    folder: Path,
    base: str | None = None,
    alternates: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Write the three dumps of a store into ``folder``; return name -> size in bytes.

    The canonical N-Triples are written first (sorted lines, by GNU sort where
    the machine has it: see :func:`write_sorted_ntriples`); Turtle and
    JSON-LD are then written from a streamed parse of that file, on two
    processes when the worker policy allows, so the triples are never all held as
    Python objects. ``alternates`` maps each entity with a page to its
    folder under ``folder``: its description (its triples and those of the
    hash IRIs under it) is then written there as ``data.ttl`` and
    ``data.jsonld``, taken from the same streams. The bytes do not depend on
    the number of processes.
    """
    ntriples = folder / "cndkg.nt"
    ntriples_writer.write_sorted(store, ntriples, jobs_allowed(), ntriples_writer.gnu_sort())
    others = [name for name, (rdf_format, _) in DUMP_FORMATS.items() if rdf_format != ox.RdfFormat.N_TRIPLES]
    job = _DumpJob(ntriples, base, alternates or {})
    fork_map(_write_from_ntriples, job, others, min(jobs_allowed(), len(others)))
    return {name: (folder / name).stat().st_size for name in DUMP_FORMATS}


@dataclass(frozen=True)
class _DumpJob:
    """What the Turtle and JSON-LD writers share (inherited by forked workers, never pickled)."""

    ntriples: Path
    base: str | None
    alternates: Mapping[str, str]


def _write_from_ntriples(job: _DumpJob, name: str) -> None:
    """Write one dump (Turtle or JSON-LD) beside the sorted N-Triples file, streaming, and its alternates."""
    stream = ox.parse(path=str(job.ntriples), format=ox.RdfFormat.N_TRIPLES)
    target = job.ntriples.parent / name
    if DUMP_FORMATS[name][0] == ox.RdfFormat.JSON_LD:
        _write_jsonld(job, stream, target)
    else:
        _write_turtle(job, stream, target)


def _write_jsonld(job: _DumpJob, triples: Iterable[ox.Triple], target: Path) -> None:
    """Write the JSON-LD dump; each entity's ``data.jsonld`` is made of the same node objects."""
    opening = jsonld.opening(job.base)

    def write_entity(folder: str, nodes: list[str]) -> None:
        _write_alternate(target.parent / folder / "data.jsonld", opening + ",\n".join(nodes) + jsonld.CLOSING)

    entities = EntityGroups(job.alternates, write_entity)
    with open(target, "wb") as out:
        out.write(opening.encode("utf-8"))
        separator = ""
        for subject, node in jsonld.nodes(triples, job.base):
            out.write((separator + node).encode("utf-8"))
            separator = ",\n"
            entities.add(subject, node)
        out.write(jsonld.CLOSING.encode("utf-8"))
    entities.close()


def _write_turtle(job: _DumpJob, triples: Iterable[ox.Triple], target: Path) -> None:
    """Write the Turtle dump; each entity's ``data.ttl`` is its triples, serialized alone."""

    def write_entity(folder: str, described: list[ox.Triple]) -> None:
        _write_alternate(target.parent / folder / "data.ttl", turtle.serialize(described))

    entities = EntityGroups(job.alternates, write_entity)

    def tapped() -> Iterator[ox.Triple]:
        for triple in triples:
            entities.add(triple.subject.value, triple)  # type: ignore[union-attr]
            yield triple

    with open(target, "wb") as out:
        turtle.write(tapped(), out)
    entities.close()


def _write_alternate(path: Path, content: str | bytes) -> None:
    """Write one of an entity's RDF alternates beside its page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


Item = TypeVar("Item")


class EntityGroups(Generic[Item]):
    """Gathers, from a stream in sorted N-Triples order, what belongs to each entity with a page.

    An entity's description is its own triples and those of the hash IRIs
    under it (``.../57/4`` and ``.../57/4#op2``). In sorted order every
    subject that starts with an entity's IRI comes in one run, which may
    hold other entities (``.../57/40``) nested inside: so the entities being
    gathered form a stack, and one is complete as soon as a subject arrives
    that does not start with its IRI. ``complete`` is called once per
    entity of ``wanted`` (entity IRI -> its page folder) with the folder and
    its items in stream order; :meth:`close` completes the rest, including
    wanted entities that never appeared (with no items).
    """

    def __init__(self, wanted: Mapping[str, str], complete: Callable[[str, list[Item]], None]) -> None:
        self.wanted = wanted
        self.complete = complete
        self.open: list[tuple[str, list[Item]]] = []
        self.done: set[str] = set()
        self._subject = ""
        self._items: list[Item] | None = None  # where the last subject's items went (None: no page wants them)

    def add(self, subject: str, item: Item) -> None:
        """Add one item (a triple, a node object) of ``subject``, completing the entities it closes."""
        if subject == self._subject:  # most triples share the previous one's subject
            if self._items is not None:
                self._items.append(item)
            return
        open_ = self.open
        while open_ and not subject.startswith(open_[-1][0]):
            self._complete_last()
        key = subject.split("#", 1)[0]
        if not (open_ and open_[-1][0] == key) and key in self.wanted:
            open_.append((key, []))
        self._subject = subject
        self._items = open_[-1][1] if open_ and open_[-1][0] == key else None
        if self._items is not None:
            self._items.append(item)

    def close(self) -> None:
        """Complete every entity still open, then the wanted ones the stream never named."""
        while self.open:
            self._complete_last()
        for key in sorted(set(self.wanted) - self.done):
            self.done.add(key)
            self.complete(self.wanted[key], [])

    def _complete_last(self) -> None:
        key, items = self.open.pop()
        if key not in self.done:  # a stream out of order must not write an entity twice
            self.done.add(key)
            self.complete(self.wanted[key], items)
