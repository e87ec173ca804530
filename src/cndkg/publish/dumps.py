"""The dump files: the whole graph as sorted N-Triples, Turtle and JSON-LD, and each entity's alternates.

This module decides what is written where; the bytes come from the writers
(:mod:`cndkg.writers`, one module per format). The sorted N-Triples file is
written first; Turtle and JSON-LD are written from it, and each entity with a
page gets its own description as ``data.ttl`` and ``data.jsonld`` from the same
subject blocks (:mod:`cndkg.publish.blocks`). JSON-LD node objects of blocks the
previous build converted are copied from its ``cndkg.jsonld``, not converted
again. Byte-identical for the same input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import pyoxigraph as ox

from cndkg.forking import fork_alongside, jobs_allowed
from cndkg.publish.atomic import in_folder, keep_or_link, keep_or_write
from cndkg.publish.blocks import (
    JSONLD_BLOCKS,
    STAGED_SUFFIX,
    TURTLE_BLOCKS,
    TURTLE_BLOCKS_FILE,
    TURTLE_INDEX_FILE,
    Block,
    NewIndex,
    PreviousNodes,
    TurtleIndex,
    batches,
    blocks_key,
    blocks_salt,
    load_previous,
    load_turtle_index,
    subject_blocks,
)
from cndkg.writers import WRITERS, jsonld, turtle
from cndkg.writers import ntriples as ntriples_writer

DUMP_FORMATS = {name: (writer.rdf_format, writer.media_type) for name, writer in WRITERS.items()}
"""Dump file -> (Oxigraph format, media type)."""


def write_sorted_dump(store: ox.Store, folder: Path) -> Path:
    """Write the canonical N-Triples dump (``cndkg.nt``, sorted lines) into ``folder``; return its path.

    The build writes it before validating, which compares it with the
    previous build's (:mod:`cndkg.revalidate`).
    """
    ntriples = folder / "cndkg.nt"
    ntriples_writer.write_sorted(store, ntriples, jobs_allowed(), ntriples_writer.gnu_sort())
    return ntriples


def write_dumps(
    store: ox.Store,
    folder: Path,
    base: str | None = None,
    alternates: Mapping[str, str] | None = None,
    reuse: NodeReuse | None = None,
    *,
    sorted_written: bool = False,
    alongside: Callable[[], dict[str, int]] | None = None,
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
    the number of processes. With ``sorted_written``, the N-Triples dump is
    already there (:func:`write_sorted_dump`). ``alongside`` (the other
    downloads, say) runs in this process while the workers write; the sizes
    it returns are added to the dumps'.
    """
    ntriples = folder / "cndkg.nt" if sorted_written else write_sorted_dump(store, folder)
    others = [name for name, (rdf_format, _) in DUMP_FORMATS.items() if rdf_format != ox.RdfFormat.N_TRIPLES]
    job = _DumpJob(ntriples, base, alternates or {}, reuse)
    _, sizes = fork_alongside(_write_from_ntriples, job, others, min(jobs_allowed(), len(others)), alongside or dict)
    return {name: (folder / name).stat().st_size for name in DUMP_FORMATS} | sizes


@dataclass(frozen=True)
class _DumpJob:
    """What the Turtle and JSON-LD writers share (inherited by forked workers, never pickled)."""

    ntriples: Path
    base: str | None
    alternates: Mapping[str, str]
    reuse: NodeReuse | None


@dataclass(frozen=True)
class NodeReuse:
    """The previous build's output folder, its JSON-LD dump's block index, and where this build's index goes.

    An entity's ``data.ttl`` or ``data.jsonld`` with the bytes of the previous
    build's is linked from the previous output, not written again.
    """

    index: Path
    previous: Path

    @property
    def previous_jsonld(self) -> Path:
        """Return the previous build's JSON-LD dump."""
        return self.previous / "cndkg.jsonld"

    @property
    def turtle_index(self) -> Path:
        """Return the previous build's index of entities' Turtle files (beside the block index)."""
        return self.index.with_name(TURTLE_INDEX_FILE)

    @property
    def previous_turtle(self) -> Path:
        """Return the previous build's Turtle dump."""
        return self.previous / "cndkg.ttl"

    @property
    def turtle_blocks(self) -> Path:
        """Return the index of the previous build's Turtle dump by subject block (beside the JSON-LD index)."""
        return self.index.with_name(TURTLE_BLOCKS_FILE)

    @property
    def indexes(self) -> tuple[Path, ...]:
        """Return every index this reuse reads and a build rewrites."""
        return self.index, self.turtle_index, self.turtle_blocks

    @staticmethod
    def staged(index: Path) -> Path:
        """Return where a build writes one of its indexes until its output is in place."""
        return index.with_name(index.name + STAGED_SUFFIX)


def commit_index(reuse: NodeReuse) -> None:
    """Put this build's block indexes in place of the previous ones (after the output folder was swapped in)."""
    for final in reuse.indexes:
        try:
            reuse.staged(final).replace(final)
        except OSError:
            final.unlink(missing_ok=True)  # an index of files that are gone is never used, but is not kept


def _write_from_ntriples(job: _DumpJob, name: str) -> None:
    """Write one dump (Turtle or JSON-LD) beside the sorted N-Triples file, and its alternates."""
    target = job.ntriples.parent / name
    if DUMP_FORMATS[name][0] == ox.RdfFormat.JSON_LD:
        _write_jsonld(job, target)
    else:
        _write_turtle(job, target)


def _write_jsonld(job: _DumpJob, target: Path) -> None:
    """Write the JSON-LD dump a subject block at a time; each entity's ``data.jsonld`` is made of the same nodes."""
    opening, closing = jsonld.opening(job.base).encode("utf-8"), jsonld.CLOSING.encode("utf-8")

    def write_entity(folder: str, nodes: list[bytes]) -> None:
        content = opening + b",\n".join(nodes) + closing
        _write_alternate(target.parent, f"{folder}/data.jsonld", content, job.reuse)

    salt = blocks_salt(job.base, JSONLD_BLOCKS)
    previous = load_previous(job.reuse.index, job.reuse.previous_jsonld, salt) if job.reuse else PreviousNodes({})
    index = NewIndex(salt)
    entities = EntityGroups(job.alternates, write_entity)
    try:
        with open(target, "wb") as out:
            position = out.write(opening)
            separator = b""
            for block, node in _nodes(subject_blocks(job.ntriples), previous, job.base):
                position += out.write(separator)
                index.add(block.digest, position, len(node))
                position += out.write(node)
                separator = b",\n"
                entities.add(block.subject, node)
            out.write(closing)
    finally:
        previous.close()
    entities.close()
    if job.reuse is not None:
        index.write(job.reuse.staged(job.reuse.index), target)


def _nodes(blocks: Iterator[Block], previous: PreviousNodes, base: str | None) -> Iterator[tuple[Block, bytes]]:
    """Yield each block with its JSON-LD node object: the previous build's, or converted now (a run at a time)."""
    for run, known in batches(blocks, previous):
        missing = [block for block, node in zip(run, known, strict=True) if node is None]
        triples = ox.parse(b"".join(block.lines for block in missing), format=ox.RdfFormat.N_TRIPLES)
        converted_nodes = [node.encode("utf-8") for _, node in jsonld.nodes(triples, base)]
        if len(converted_nodes) != len(missing):  # one subject per block, by construction
            raise RuntimeError(f"{len(missing)} subject blocks gave {len(converted_nodes)} JSON-LD nodes")
        converted = iter(converted_nodes)
        for block, node in zip(run, known, strict=True):
            yield block, node if node is not None else next(converted)


def _write_turtle(job: _DumpJob, target: Path) -> None:
    """Write the Turtle dump a subject block at a time; each entity's ``data.ttl`` is its blocks' Turtle.

    A block's Turtle is copied from the previous build's dump when its lines
    are those of a block there, else serialized by Oxigraph (which parses its
    lines strictly). With ``reuse``, an entity whose blocks are those of the
    previous build (:class:`~cndkg.publish.blocks.TurtleIndex`) gets the previous file, linked.
    """
    salt = blocks_salt(job.base, JSONLD_BLOCKS).hex()
    previous = load_turtle_index(job.reuse.turtle_index, salt) if job.reuse else TurtleIndex(salt)
    written = TurtleIndex(salt)

    def write_entity(folder: str, items: list[tuple[Block, bytes]]) -> None:
        relative, key = f"{folder}/data.ttl", blocks_key([block for block, _ in items])
        path = target.parent / relative
        if job.reuse and previous.unchanged(folder, key, job.reuse.previous / relative):
            in_folder(path, lambda: keep_or_link(job.reuse.previous / relative, path))  # type: ignore[union-attr]
        else:
            content = turtle.header() + b"".join(piece for _, piece in items) if items else b""
            _write_alternate(target.parent, relative, content, job.reuse)
        written.note(folder, key, path)

    turtle_salt = blocks_salt(job.base, TURTLE_BLOCKS)
    reuse = job.reuse
    known = load_previous(reuse.turtle_blocks, reuse.previous_turtle, turtle_salt) if reuse else PreviousNodes({})
    index = NewIndex(turtle_salt)
    entities = EntityGroups(job.alternates, write_entity)
    try:
        with open(target, "wb") as out:
            position = 0
            for block in subject_blocks(job.ntriples):
                piece = known.node(block.digest)
                if piece is None:
                    piece = _turtle_block(block)
                if position == 0:
                    position += out.write(turtle.header())
                index.add(block.digest, position, len(piece))
                position += out.write(piece)
                entities.add(block.subject, (block, piece))
    finally:
        known.close()
    entities.close()
    if reuse is not None:
        written.write(reuse.staged(reuse.turtle_index))
        index.write(reuse.staged(reuse.turtle_blocks), target)


def _turtle_block(block: Block) -> bytes:
    """Return a subject block as Turtle without the prefix lines (its lines parsed strictly)."""
    return turtle.subject_block(ox.parse(block.lines, format=ox.RdfFormat.N_TRIPLES))


def _write_alternate(folder: Path, relative: str, content: str | bytes, reuse: NodeReuse | None) -> None:
    """Write one of an entity's RDF alternates beside its page (linked from the previous output if the same)."""
    target = folder / relative
    data = content.encode("utf-8") if isinstance(content, str) else content
    in_folder(target, lambda: keep_or_write(target, data, reuse.previous / relative if reuse else None))


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
