"""Subject blocks of the sorted N-Triples dump, and the previous build's JSON-LD node (and Turtle) of each block.

The sorted N-Triples file holds each subject's triples as one run of lines (a
*block*). A JSON-LD node object is a pure function of its block and the base
IRI, so a build keeps, beside the dumps, an index from a digest of each block to
where its node object lies in ``cndkg.jsonld``; the next build copies the node
of every block whose digest it finds there, and converts only the rest. The index
is a file of fixed-size binary records in the cache folder (nothing in it is
run or unpickled), with a header naming the salt (code, base) and the size and
modification time of the ``cndkg.jsonld`` it describes, so it is used only with
that very file. The Turtle dump is indexed the same way (:data:`TURTLE_BLOCKS_FILE`): each block's Turtle
is a pure function of its lines too (:mod:`cndkg.writers.turtle`).
"""

from __future__ import annotations

import hashlib
import json
import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cndkg.cache import cache_salt
from cndkg.publish.atomic import file_stamp

INDEX_FILE = "jsonld-blocks.bin"
STAGED_SUFFIX = ".new"
"""The index a build writes, renamed to ``INDEX_FILE`` once the build's output is in place."""
_MAGIC = b"cndkg-jsonld-blocks 1\n"
_HEADER = struct.Struct("<32sQQ")  # salt digest, size and mtime (ns) of the described cndkg.jsonld
_RECORD = struct.Struct("<16sQI")  # block digest, node offset, node length in bytes
_BATCH = 2_000
"""Changed blocks converted together (one parse per batch, bounded memory)."""


@dataclass(frozen=True)
class Block:
    """One subject's lines of a sorted N-Triples file."""

    subject: str
    """The subject as the RDF library names it: the IRI, or a blank node's label without ``_:``."""
    lines: bytes
    digest: bytes
    """A digest of ``lines``."""


def _block(token: bytes, lines: list[bytes]) -> Block:
    """Return the block of a subject token and its lines."""
    joined = b"".join(lines)
    return Block(_subject_value(token), joined, hashlib.blake2b(joined, digest_size=16).digest())


def subject_blocks(path: Path) -> Iterator[Block]:
    """Yield the subject blocks of a sorted N-Triples file, in file order."""
    subject = b""
    lines: list[bytes] = []
    with open(path, "rb") as stream:
        for line in stream:
            token = line[: line.index(b" ")]
            if token != subject:
                if lines:
                    yield _block(subject, lines)
                subject, lines = token, [line]
            else:
                lines.append(line)
    if lines:
        yield _block(subject, lines)


def _subject_value(token: bytes) -> str:
    """Return a subject's value from its N-Triples token (``<iri>`` or ``_:label``)."""
    return token[1:-1].decode("utf-8") if token.startswith(b"<") else token[2:].decode("utf-8")


def blocks_salt(base: str | None, kind: str) -> bytes:
    """Return the salt of a block index: the package's code (the writers), the base IRI and what the index holds."""
    return bytes.fromhex(cache_salt(kind, base))[:32].ljust(32, b"\0")


JSONLD_BLOCKS = "jsonld blocks"
"""The kind of :func:`blocks_salt` of the JSON-LD dump's index (and of the entities' Turtle files' index)."""
TURTLE_BLOCKS_FILE = "turtle-blocks.bin"
"""The index of the Turtle dump's subject blocks (the same format as the JSON-LD nodes' index)."""
TURTLE_BLOCKS = "turtle blocks"
"""The kind of :func:`blocks_salt` of the Turtle dump's index."""


@dataclass
class PreviousNodes:
    """The previous build's JSON-LD nodes by block digest, read from its ``cndkg.jsonld`` (memory-mapped)."""

    where: dict[bytes, tuple[int, int]]
    mapped: mmap.mmap | None = None

    def node(self, digest: bytes) -> bytes | None:
        """Return the node object of a block with this digest, or None if the previous build had none."""
        found = self.where.get(digest)
        if found is None or self.mapped is None:
            return None
        offset, length = found
        return self.mapped[offset : offset + length]

    def close(self) -> None:
        """Unmap the previous file."""
        if self.mapped is not None:
            self.mapped.close()
            self.mapped = None


def load_previous(index: Path, previous_dump: Path, salt: bytes) -> PreviousNodes:
    """Return the pieces (JSON-LD nodes, Turtle blocks) an index locates in ``previous_dump``, if it fits.

    It fits when it describes that very file with this salt. A missing,
    truncated or foreign index, or a dump changed since, gives an empty
    result: the blocks are then all converted.
    """
    empty = PreviousNodes({})
    try:
        data = index.read_bytes()
        stat = previous_dump.stat()
    except OSError:
        return empty
    start = len(_MAGIC) + _HEADER.size
    if not data.startswith(_MAGIC) or len(data) < start or (len(data) - start) % _RECORD.size:
        return empty
    stored_salt, size, mtime = _HEADER.unpack_from(data, len(_MAGIC))
    if (stored_salt, size, mtime) != (salt, stat.st_size, stat.st_mtime_ns):
        return empty
    where = {digest: (offset, length) for digest, offset, length in _RECORD.iter_unpack(data[start:])}
    try:
        with open(previous_dump, "rb") as stream:
            mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) if size else None
    except (OSError, ValueError):
        return empty
    return PreviousNodes(where, mapped)


@dataclass
class NewIndex:
    """The block index of the JSON-LD file being written."""

    salt: bytes
    records: list[bytes] = field(default_factory=list)

    def add(self, digest: bytes, offset: int, length: int) -> None:
        """Note where the node of a block lies in the new file."""
        self.records.append(_RECORD.pack(digest, offset, length))

    def write(self, index: Path, jsonld: Path) -> None:
        """Write the index of the finished ``jsonld`` file (a cache: a failure to write costs only time)."""
        stat = jsonld.stat()
        header = _MAGIC + _HEADER.pack(self.salt, stat.st_size, stat.st_mtime_ns)
        try:
            index.parent.mkdir(parents=True, exist_ok=True)
            index.write_bytes(header + b"".join(self.records))
        except OSError:
            index.unlink(missing_ok=True)


def batches(blocks: Iterator[Block], previous: PreviousNodes) -> Iterator[tuple[list[Block], list[bytes | None]]]:
    """Group blocks into runs for conversion: each run with the previous node of each block (None: convert it).

    A run ends after at most ``_BATCH`` blocks to convert, so the blocks to convert
    are parsed together, a run at a time, and memory stays bounded.
    """
    run: list[Block] = []
    known: list[bytes | None] = []
    missing = 0
    for block in blocks:
        node = previous.node(block.digest)
        run.append(block)
        known.append(node)
        missing += node is None
        if missing >= _BATCH or len(run) >= 8 * _BATCH:
            yield run, known
            run, known, missing = [], [], 0
    if run:
        yield run, known


TURTLE_INDEX_FILE = "entity-turtle.json"


@dataclass
class TurtleIndex:
    """Each entity's ``data.ttl`` by its page folder: a digest of its subject blocks, and the file's size and mtime.

    An entity's Turtle is a pure function of its blocks, so a file whose blocks
    have the digest the previous build recorded (and which has the size and
    modification time recorded) is linked, not serialized again.
    """

    salt: str
    entries: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    def unchanged(self, folder: str, key: str, previous: Path) -> bool:
        """Tell whether the previous build's file for ``folder`` was made from blocks with digest ``key``."""
        entry = self.entries.get(folder)
        return entry is not None and entry[0] == key and file_stamp(previous) == entry[1:]

    def note(self, folder: str, key: str, written: Path) -> None:
        """Record the file written (or linked) for ``folder``."""
        size, mtime = file_stamp(written) or (-1, -1)  # unreadable: recorded so that it never matches
        self.entries[folder] = (key, size, mtime)

    def write(self, path: Path) -> None:
        """Write the index (a cache: a failure to write costs only time)."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"salt": self.salt, "entries": self.entries}), encoding="utf-8")
        except OSError:
            path.unlink(missing_ok=True)


def blocks_key(blocks: list[Block]) -> str:
    """Return the digest of an entity's subject blocks."""
    return hashlib.blake2b(b"".join(block.digest for block in blocks), digest_size=16).hexdigest()


def load_turtle_index(path: Path, salt: str) -> TurtleIndex:
    """Return the previous build's Turtle index if it was made with this salt (else an empty one)."""
    index = TurtleIndex(salt)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("salt") == salt:
            index.entries = {
                str(folder): (str(key), int(size), int(mtime))
                for folder, (key, size, mtime) in stored["entries"].items()
            }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        index.entries = {}
    return index
