"""The previous build's graph, loaded again from its sorted dump while this build reads its sources.

A rebuild's graph differs from the previous build's by a few lines of the
sorted dump, but loading the store from every text's triples was the largest
cost of a one-file rebuild after the site (25.6 of 135 s at 10,000 texts).
When the cache folder vouches for the previous output's dump (written by the
same code and the same base, and untouched since: :func:`start_restore`), a
thread loads that dump into a store from the start of the build. Oxigraph
lets go of Python's lock while it loads, so the load runs on the other core
while this process reads and resolves the sources. Once the graph stage has
written the new sorted dump, the lines only in the old one are removed from
that store and the lines only in the new one added (:func:`bring_up_to_date`).
The store then holds exactly the new graph. Its triples come in another order
than a store filled text by text, and nothing the build writes depends on that
order (``tests/test_store_order.py``).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pyoxigraph as ox

from cndkg.cache import cache_salt, write_record
from cndkg.delta import LineDelta
from cndkg.graph.patch import MadeOf, PreviousGraph, read_spanning, write_spanning
from cndkg.publish.atomic import file_stamp

RECORD_FILE = "store.json"
DUMP_FILE = "cndkg.nt"

MOST_CHANGED_LINES = 200_000
"""Above this many changed lines, loading the new dump afresh is about as quick as bringing the old one up to
date (removing a triple costs about as much as loading a few)."""


def record_salt(base: str) -> str:
    """Return what, besides the sources, decides the dump's lines: the code and the base."""
    return cache_salt("store", base)


class Restore:
    """The previous output's dump, being loaded into a store on a thread."""

    def __init__(self, dump: Path, stamp: tuple[int, int], triples: int, made_of: PreviousGraph | None = None) -> None:
        self.dump = dump
        self.stamp = stamp
        self.triples = triples
        self.made_of = made_of
        """The parts and spanning lines the dump was made of, when the record keeps them (:mod:`cndkg.graph.patch`)."""
        self._store: ox.Store | None = None
        self._thread = threading.Thread(target=self._load, name="cndkg-restore", daemon=True)

    def start(self) -> Restore:
        """Start loading; return self."""
        self._thread.start()
        return self

    def _load(self) -> None:
        """Load the dump (on the thread); a dump that fails to load or holds another count of triples is not used."""
        store = ox.Store()
        try:
            # lenient: Oxigraph wrote this dump, and the build parses its new lines strictly when it writes Turtle
            store.bulk_load(path=str(self.dump), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        except (OSError, SyntaxError, ValueError):
            return
        if len(store) == self.triples:
            self._store = store

    def unchanged(self) -> bool:
        """Return whether the dump is still the file the record vouched for."""
        return file_stamp(self.dump) == self.stamp

    def store(self) -> ox.Store | None:
        """Wait for the load; return the previous graph's store, or None when it could not be restored.

        None too when the dump is no longer the file the record vouched for
        (another build replaced the folder meanwhile): the changes are measured
        against that file. The store is handed over once: a second call returns None.
        """
        self._thread.join()
        store, self._store = self._store, None
        return store if self.unchanged() else None

    def close(self) -> None:
        """Wait for the load and let go of a store not handed over (a build that failed before its graph stage).

        Waiting matters: a process must not exit, nor start another load, while
        this one is inside Oxigraph.
        """
        self._thread.join()
        self._store = None


def start_restore(cache: Path | None, out: Path, salt: str) -> Restore | None:
    """Start restoring the graph of the dump in ``out``, when the record in ``cache`` vouches for it; else None."""
    if cache is None:
        return None
    dump = out / DUMP_FILE
    try:
        stored = json.loads((cache / RECORD_FILE).read_text(encoding="utf-8"))
        fits = stored["salt"] == salt and stored["out"] == str(out.resolve())
        stamp, triples = (int(stored["stamp"][0]), int(stored["stamp"][1])), int(stored["triples"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    if not fits or file_stamp(dump) != stamp:
        return None
    return Restore(dump, stamp, triples, _made_of(cache, stored)).start()


def _made_of(cache: Path, stored: dict[str, object]) -> PreviousGraph | None:
    """Return the parts and spanning lines the record says the dump was made of (None: not kept, or not those)."""
    keys, digest = stored.get("parts"), stored.get("spanning")
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys) or not isinstance(digest, str):
        return None
    spanning = read_spanning(cache, digest)
    return None if spanning is None else PreviousGraph(frozenset(keys), spanning)


def save_record(cache: Path, out: Path, salt: str, triples: int, made_of: MadeOf | None = None) -> None:
    """Record the dump in ``out`` (after the output is in place) and how many triples it holds.

    ``made_of``: what the dump was made of, kept for the next build to patch
    it (:mod:`cndkg.graph.patch`).
    """
    stamp = file_stamp(out / DUMP_FILE)
    stored: dict[str, object] = {"salt": salt, "out": str(out.resolve()), "stamp": list(stamp or ())}
    stored["triples"] = triples
    digest = write_spanning(cache, made_of.spanning) if made_of is not None else None
    if made_of is not None and digest is not None:  # else the next build sorts every text's lines again
        stored |= {"parts": sorted(made_of.keys), "spanning": digest}
    write_record(cache / RECORD_FILE, json.dumps(stored).encode("utf-8") if stamp is not None else None)


def bring_up_to_date(store: ox.Store, triples: int, delta: LineDelta) -> int | None:
    """Remove the delta's removed lines from ``store`` (holding ``triples``) and add its added lines.

    Returns how many triples the store then holds, or None (the store must
    then not be used) when a changed line names a blank node (a blank node
    read again is another node), a removed line is not in the store or an
    added one is already there. Checking each changed triple, rather than
    counting the store afterwards, keeps the cost to the size of the change
    (counting 5 million triples takes half a second).
    """
    if any(b"_:" in line for line in (*delta.removed, *delta.added)):
        return None
    removed, added = _quads(delta.removed), _quads(delta.added)
    if len(set(removed)) != len(removed) or len(set(added)) != len(added):
        return None
    if not all(quad in store for quad in removed) or any(quad in store for quad in added):
        return None
    for quad in removed:
        store.remove(quad)
    store.extend(added)
    return triples - len(removed) + len(added)


def _quads(lines: tuple[bytes, ...]) -> list[ox.Quad]:
    """Return the triples of N-Triples lines, in the default graph."""
    if not lines:
        return []
    return list(ox.parse(b"\n".join(lines) + b"\n", format=ox.RdfFormat.N_TRIPLES, lenient=True))
