"""A rebuild's sorted dump, patched from the previous build's by the lines that changed.

The sorted dump is the union of every text's lines (its part,
:mod:`cndkg.graph.parts`) and of the lines that span texts (stubs, sessions,
labels, stated facts, the reference data). Sorting that union again took
most of a one-file rebuild's graph stage (piping, sorting and merging about
14 of 18 s at 10,000 texts). When the cache folder vouches for the previous
output's dump (:mod:`cndkg.graph.restore`) and keeps the keys of the parts it
was made of and its spanning lines, a rebuild reads in full only the parts of
texts that are new or changed and of those gone, and the header of every other
part (its index entries, sessions and foreign lines). Then:

- a line is **removed** when a gone part or the previous spanning lines held
  it, and no part or spanning line of this build holds it;
- a line is **added** when a new part or this build's spanning lines hold it,
  and the previous dump does not;

and the new dump is the previous one with those lines taken out and put in
(:func:`cndkg.delta.patch_sorted`). The same lines bring the restored store up
to date, so the dumps need not be compared.

A line may be held twice: a compilation's source file is in the part of each of
its texts (a *foreign* line, listed in each part's header), and a date a citing
text states may be the cited text's own too. So a line is taken out only when
no new part, no kept part's foreign lines and no spanning line holds it, and
when it is about a kept text's family, not that text's part either (read for
the purpose).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cndkg.cache import write_entry
from cndkg.delta import LineDelta, SortedLines
from cndkg.graph.parts import PartCache
from cndkg.writers.ntriples import nt_iri

SPANNING_FILE = "store-spanning.nt"

MOST_PATCHED_PARTS = 1_000
"""Above this many new, changed or gone texts, sorting every text's lines again is about as quick."""

_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


@dataclass(frozen=True)
class PreviousGraph:
    """What the previous dump was made of: its parts' keys and its spanning lines (sorted, without newlines)."""

    keys: frozenset[str]
    spanning: frozenset[bytes]


@dataclass(frozen=True)
class MadeOf:
    """What a build's sorted dump was made of: its parts' keys and its sorted spanning lines (the file's bytes)."""

    keys: frozenset[str]
    spanning: bytes


class PatchRefused(Exception):
    """The previous dump cannot be patched (a part it was made of is no longer in the cache, say)."""


def write_spanning(cache: Path, lines: bytes) -> str | None:
    """Keep a build's sorted spanning lines in the cache folder; return their digest for the record (None: unkept)."""
    return _digest(lines) if write_entry(cache / SPANNING_FILE, lines) else None


def read_spanning(cache: Path, digest: str) -> frozenset[bytes] | None:
    """Return the spanning lines the cache keeps, when they have the recorded digest; else None."""
    try:
        data = (cache / SPANNING_FILE).read_bytes()
    except OSError:
        return None
    return frozenset(data.splitlines()) if _digest(data) == digest else None


def _digest(data: bytes) -> str:
    """Return the digest the record keeps of the spanning lines."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _subject(line: bytes) -> bytes:
    """Return the IRI a line's subject is (b"" for a blank node)."""
    return line[1 : line.find(b">")] if line.startswith(b"<") else b""


def _family(subject: bytes) -> bytes:
    """Return the family a subject IRI belongs to (:func:`cndkg.delta.family`, on bytes)."""
    return subject.split(b"#", 1)[0]


class DumpPatch:
    """The lines a rebuild's dump differs from the previous one by, from the parts that changed.

    Takes the previous build's dump and what it was made of, the part cache,
    the lines of this build's new parts, the kept texts (IRI -> part key), the
    foreign lines of the kept parts, and every part key of this build. Raises
    PatchRefused when a gone part cannot be read.
    """

    def __init__(
        self,
        previous: PreviousGraph,
        dump: SortedLines,
        parts: PartCache,
        new_lines: Iterable[bytes],
        kept: dict[str, str],
        kept_foreign: Iterable[bytes],
        keys: set[str],
    ) -> None:
        self._previous = previous
        self._dump = dump
        self._parts = parts
        self._new_lines = {line for line in new_lines if line}
        self._kept = {iri.encode("utf-8"): key for iri, key in kept.items()}
        self._kept_foreign = set(kept_foreign)
        self._gone_lines: set[bytes] = set()
        for key in previous.keys - keys:
            part = parts.load(key)
            if part is None:
                raise PatchRefused(f"the part {key} of the previous dump is not in the cache")
            self._gone_lines.update(line for line in part.ntriples.splitlines() if line)
        self._typed = {_subject(line) for line in (*self._new_lines, *self._kept_foreign) if _is_type(line)}
        self._kept_parts: dict[bytes, set[bytes]] = {}

    def typed(self, iri: str) -> bool:
        """Return whether this build's parts give ``iri`` a type (as a search of all their lines would)."""
        subject = nt_iri(iri).encode("utf-8")[1:-1]  # as the lines write it
        if subject in self._typed:
            return True
        family = _family(subject)
        if family not in self._kept:
            return False
        for line in self._dump.starting_with(b"<" + subject + b"> " + _RDF_TYPE + b" "):
            if line not in self._previous.spanning and line not in self._gone_lines:
                return True  # from a part the previous dump was made of, and still is
            if line in self._kept_part(family):
                return True
        return False

    def delta(self, spanning: set[bytes]) -> LineDelta | None:
        """Return the removed and added lines, given this build's spanning lines; None if a blank node changed."""
        removed = {
            line
            for line in self._gone_lines | (self._previous.spanning - spanning)
            if line not in spanning and not self._held_by_parts(line)
        }
        fresh = (self._new_lines | spanning) - self._previous.spanning - self._gone_lines
        added = {line for line in fresh if not self._in_previous_dump(line)}
        if any(not _subject(line) for line in (*removed, *added)):
            return None
        return LineDelta(tuple(sorted(removed)), tuple(sorted(added)))

    def _held_by_parts(self, line: bytes) -> bool:
        """Return whether one of this build's parts holds ``line``."""
        if line in self._new_lines or line in self._kept_foreign:
            return True
        family = _family(_subject(line))
        return family in self._kept and line in self._kept_part(family)

    def _in_previous_dump(self, line: bytes) -> bool:
        """Return whether the previous dump holds ``line``."""
        return self._dump.holds_at(self._dump.first_at_least(line), line)

    def _kept_part(self, family: bytes) -> set[bytes]:
        """Return the lines of a kept text's part (read once)."""
        found = self._kept_parts.get(family)
        if found is None:
            part = self._parts.load(self._kept[family])
            if part is None:
                raise PatchRefused(f"the part of {family.decode('utf-8')} is not in the cache")
            found = self._kept_parts[family] = {line for line in part.ntriples.splitlines() if line}
        return found


def _is_type(line: bytes) -> bool:
    """Return whether an N-Triples line states a type."""
    subject_end = line.find(b"> ")
    return line.startswith(_RDF_TYPE, subject_end + 2) if subject_end > 0 else False
