"""What a rebuild changed in the graph, and the part of the graph a product must read again because of it.

Both builds write the graph as sorted N-Triples, so the triples that changed are
the lines in one dump and not the other (:func:`changed_subjects`).
A product made of rows per text (a CSV file, the citation network) reads, for
each text, the triples of its *family* (the text's IRI and the hash IRIs under
it: paragraphs, citations, mandates) and the labels of what they name. So after
an edit only the families with a changed triple, or with a link to a node whose
triples changed, need their rows again (:func:`affected_families`), and those
rows can be computed from a small store holding just those families and the
nodes they name (:func:`scoped_store`), read from the sorted dump by binary
search instead of from the whole store.
"""

from __future__ import annotations

import contextlib
import heapq
import mmap
import os
import subprocess
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from cndkg.writers.ntriples import gnu_coreutil


@dataclass(frozen=True)
class Nearby:
    """The families whose products may change after a rebuild (:func:`affected_families`), and their triples.

    ``scoped`` holds those families' triples and those of every IRI they name
    (:func:`scoped_store`), read from the new sorted dump. The site's text
    views and the downloads both read it.
    """

    families: frozenset[str]
    scoped: ox.Store


def nearby(store: ox.Store, changed: set[str] | None, dump: Path) -> Nearby | None:
    """Return the families near the changed subjects and their triples; None when every family must be read.

    Takes this build's store, the subjects of the changed triples (None: not
    known) and this build's sorted dump.
    """
    if changed is None:
        return None
    families = affected_families(store, changed)
    if families is None:
        return None
    return Nearby(frozenset(families), scoped_store(dump, families))


@dataclass(frozen=True)
class RowsDelta:
    """What a product made of rows per family needs to be computed by delta.

    The previous build's output folder (its files are the previous rows), the
    families whose rows are computed again, and a store of their triples
    (:func:`scoped_store`).
    """

    previous: Path
    families: frozenset[str]
    scoped: ox.Store


MOST_FAMILIES = 2_000
"""Above this many families to read again, reading the whole store is as quick."""


def family(iri: str) -> str:
    """Return the IRI a node's family is named by: a hash IRI's document (``.../57/4#op2`` -> ``.../57/4``)."""
    return iri.split("#", 1)[0]


def affected_families(store: ox.Store, changed: set[str]) -> set[str] | None:
    """Return the families whose rows may change: those of the changed subjects and of the nodes linking to them.

    None when a blank node links to a changed node, or there are more than
    :data:`MOST_FAMILIES` (the caller reads the whole store instead).
    """
    near = neighbourhood(store, changed, 1, MOST_FAMILIES)
    families = None if near is None else {family(node) for node in near}
    return families if families is not None and len(families) <= MOST_FAMILIES else None


_COPY_SLICE = 16 << 20


class SortedLines:
    """A sorted N-Triples file, searched for the lines that start with a prefix (a binary search over its bytes)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> SortedLines:
        with open(self.path, "rb") as file:  # a mapping stays valid once its file is closed
            size = file.seek(0, 2)
            self._data: mmap.mmap | bytes = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        return self

    def __exit__(self, *_: object) -> None:
        if isinstance(self._data, mmap.mmap):
            self._data.close()

    def holds_at(self, at: int, line: bytes) -> bool:
        """Return whether the line starting at byte ``at`` is ``line`` (without its newline)."""
        end = at + len(line)
        return self._data[at:end] == line and (end == len(self._data) or self._data[end] == 0x0A)

    def copy(self, start: int, end: int, out: IO[bytes]) -> None:
        """Write the file's bytes from ``start`` to ``end`` to ``out``, a slice of at most 16 MiB at a time."""
        for at in range(start, end, _COPY_SLICE):
            out.write(self._data[at : min(end, at + _COPY_SLICE)])

    def __len__(self) -> int:
        return len(self._data)

    def starting_with(self, prefix: bytes) -> Iterator[bytes]:
        """Yield every line (without its newline) that starts with ``prefix``, in file order."""
        data = self._data
        at = self.first_at_least(prefix)
        while at < len(data):
            end = data.find(b"\n", at)
            end = len(data) if end < 0 else end
            line = data[at:end]
            if not line.startswith(prefix):
                return
            yield line
            at = end + 1

    def first_at_least(self, key: bytes) -> int:
        """Return where the first line not below ``key`` starts (past the end when there is none)."""
        data = self._data
        low, high = 0, len(data)
        while low < high:
            middle = (low + high) // 2
            start = data.rfind(b"\n", 0, middle) + 1
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end
            if data[start:end] < key:
                low = end + 1
            else:
                high = start
        return low


def scoped_store(dump: Path, families: Iterable[str]) -> ox.Store:
    """Return a store with the triples of some families and those of every IRI they name, from a sorted dump.

    Takes the sorted N-Triples dump and the families' IRIs. The named IRIs'
    triples are their own (their label, type, ...), not their families'.
    """
    lines: list[bytes] = []
    with SortedLines(dump) as sorted_lines:
        for name in sorted(set(families)):
            encoded = name.encode("utf-8")
            lines += sorted_lines.starting_with(b"<" + encoded + b"> ")
            lines += sorted_lines.starting_with(b"<" + encoded + b"#")
        named = {iri for line in lines for iri in _objects(line)}
        for iri in sorted(named):
            lines += sorted_lines.starting_with(b"<" + iri + b"> ")
    store = ox.Store()
    if lines:
        store.bulk_load(input=b"\n".join(lines) + b"\n", format=ox.RdfFormat.N_TRIPLES)
    return store


def _objects(line: bytes) -> Iterator[bytes]:
    """Yield the IRI a line's object is, if it is one (an N-Triples IRI holds no space and no ``>``)."""
    subject_end = line.find(b"> ")
    predicate_end = line.find(b"> ", subject_end + 2)
    body = line.rstrip()
    if subject_end > 0 and predicate_end > 0 and body.startswith(b"<", predicate_end + 2) and body.endswith(b"> ."):
        yield body[predicate_end + 3 : len(body) - 3]


@dataclass(frozen=True)
class LineDelta:
    """How one sorted N-Triples dump differs from another: the lines only in the previous, and only in the current."""

    removed: tuple[bytes, ...]
    added: tuple[bytes, ...]

    def subjects(self) -> set[str] | None:
        """Return the subjects of the changed lines (None when one is a blank node, which cannot be named)."""
        return _subjects((*self.removed, *self.added))


def _subjects(lines: Iterable[bytes]) -> set[str] | None:
    """Return the subjects of N-Triples lines (None when one is a blank node, which cannot be named)."""
    subjects: set[str] = set()
    for line in lines:
        end = line.find(b">")
        if not line.startswith(b"<") or end < 0:
            return None
        subjects.add(line[1:end].decode("utf-8"))
    return subjects


def patch_sorted(previous: Path, delta: LineDelta, current: Path) -> bool:
    """Write ``current``: the sorted file ``previous`` without the delta's removed lines and with its added ones.

    The delta's lines must be sorted bytewise and unique. Returns False (and
    ``current`` must not be used) when a removed line is not in ``previous`` or
    an added one already is. Only the changed lines are looked for (a binary
    search each); the rest is copied, so the cost is that of copying the file.
    """
    changes = heapq.merge(((line, False) for line in delta.removed), ((line, True) for line in delta.added))
    with SortedLines(previous) as lines, open(current, "wb") as out:
        if len(lines) and not lines.holds_at(len(lines) - 1, b""):
            return False  # a last line without its newline
        done = 0
        for line, added in changes:
            at = lines.first_at_least(line)
            if at < done or lines.holds_at(at, line) == added:
                return False
            lines.copy(done, at, out)
            if added:
                out.write(line + b"\n")
                done = at
            else:
                done = at + len(line) + 1
        lines.copy(done, len(lines), out)
    return True


def line_delta(previous: Path, current: Path, most: int | None = None) -> LineDelta | None:
    """Return the lines in only one of two sorted N-Triples files, and which.

    None when a file is not sorted bytewise, or more than ``most`` lines
    changed (the caller then reads everything; the comparison stops there).
    """
    removed: list[bytes] = []
    added: list[bytes] = []
    with _changes(previous, current) as changes:
        for change in changes:
            if change is None:
                return None
            (added if change[0] else removed).append(change[1])
            if most is not None and len(removed) + len(added) > most:
                return None
    return LineDelta(tuple(removed), tuple(added))


def changed_subjects(previous: Path, current: Path) -> set[str] | None:
    """Return the subjects of the lines in one sorted N-Triples file and not in the other.

    None when a changed line's subject is a blank node or the files are not
    sorted bytewise (the caller then reads everything). The lines are not
    kept: after a change of code most of the dump may differ.
    """
    unsorted: list[None] = []

    def lines(changes: Iterator[tuple[bool, bytes] | None]) -> Iterator[bytes]:
        for change in changes:
            if change is None:
                unsorted.append(None)
                return
            yield change[1]

    with _changes(previous, current) as changes:
        subjects = _subjects(lines(changes))
    return None if unsorted else subjects


@contextmanager
def _changes(previous: Path, current: Path) -> Iterator[Iterator[tuple[bool, bytes] | None]]:
    """Yield the (whether only in ``current``, line) of the lines in only one of two sorted files (None: unsorted).

    GNU ``comm`` compares them where the machine has it, its output read as it
    comes (and the command stopped when the caller stops reading); else Python merges them.
    """
    comm = gnu_coreutil("comm")
    if comm is None:
        with contextlib.closing(_merge_differences(previous, current)) as merged:
            yield merged
        return
    command = [comm, "-3", "--check-order", str(previous), str(current)]
    environment = {**os.environ, "LC_ALL": "C"}  # compare bytes, whatever the user's locale
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environment) as comparing:
        assert comparing.stdout is not None
        try:
            yield _read_comm(comparing.stdout, comparing)
        finally:
            comparing.kill()


def _read_comm(output: IO[bytes], comparing: subprocess.Popen[bytes]) -> Iterator[tuple[bool, bytes] | None]:
    """Yield what ``comm -3`` writes (the second file's lines indented by a tab), then None if it failed."""
    for line in output:
        line = line.rstrip(b"\n")
        yield (True, line[1:]) if line.startswith(b"\t") else (False, line)
    if comparing.wait() != 0:  # unsorted input (--check-order), or a file it could not read
        yield None


def _merge_differences(previous: Path, current: Path) -> Generator[tuple[bool, bytes] | None, None, None]:
    """Yield the lines in only one of two sorted files, merging them in Python (None when one is not sorted)."""
    with open(previous, "rb") as left_file, open(current, "rb") as right_file:
        left, right = next(left_file, None), next(right_file, None)
        last_left, last_right = b"", b""
        while left is not None or right is not None:
            if (left is not None and left < last_left) or (right is not None and right < last_right):
                yield None
                return
            if right is None or (left is not None and left < right):
                yield False, left.rstrip(b"\n")  # type: ignore[union-attr]
                last_left, left = left, next(left_file, None)  # type: ignore[assignment]
            elif left is None or right < left:
                yield True, right.rstrip(b"\n")
                last_right, right = right, next(right_file, None)
            else:
                last_left, left = left, next(left_file, None)
                last_right, right = right, next(right_file, None)


def neighbourhood(store: ox.Store, nodes: set[str], hops: int, most: int) -> set[str] | None:
    """Return ``nodes`` and every node with a path of at most ``hops`` links to one of them.

    None when a blank node links to one of them (a blank node cannot be named
    in a query's list of nodes). Stops going further back once more than
    ``most`` nodes are found (the caller then reads everything instead).
    """
    found = set(nodes)
    frontier = set(nodes)
    for _ in range(hops):
        before: set[str] = set()
        for node in frontier:
            for quad in store.quads_for_pattern(None, None, ox.NamedNode(node), ox.DefaultGraph()):
                subject = quad.subject
                if not isinstance(subject, ox.NamedNode):
                    return None
                if subject.value not in found:
                    before.add(subject.value)
        if not before or len(found) > most:
            break
        found |= before
        frontier = before
    return found
