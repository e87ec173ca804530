"""Validation of a rebuild: check only the nodes near what changed, keep the other nodes' results.

A rebuild's graph differs from the previous build's in a few triples. Both
builds write the graph as sorted N-Triples, so the changed triples are the
lines in one file and not the other (:mod:`cndkg.delta`: GNU ``comm``, or a merge in Python): a
sorted dump of a million lines is compared in about a tenth of a second. A
SHACL check of a node reads the node's own triples and, for ``sh:class``,
``sh:node`` and ``sh:or`` on its values, those of nodes some links away
(:func:`cndkg.validate_fast.reach`). So the nodes whose results can change are
the subjects of changed triples and the nodes at most that many links before
them; every other node keeps the previous build's violations. The outcome is
the one a full validation gives (tested on random changes to a real graph).

The previous build's violations are kept in the cache folder
(``validation.json``) with the size and time of the dump they go with; with
anything else (another output folder, shapes, code or base, a dump that is not
the one recorded), the build validates everything.
"""

from __future__ import annotations

import json
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from cndkg.cache import cache_salt, write_record
from cndkg.delta import neighbourhood
from cndkg.publish.atomic import file_stamp
from cndkg.validate import ValidationOutcome
from cndkg.validate_fast import Found, reach, validate_store

MEMO_FILE = "validation.json"

MOST_FOCUS_NODES = 20_000
"""Above this many nodes to check again, a full validation is as quick (the node list is a query's text)."""

_IRI_UNSAFE = frozenset('<>"{}|^`\\ \t\n')


@dataclass(frozen=True)
class ValidationMemo:
    """The previous build's violations, the salt they were found under, and the stamp of the dump they go with."""

    salt: str
    out: str
    dump: tuple[int, int]
    found: frozenset[Found]


def memo_salt(shapes_digest: str, base: str) -> str:
    """Return what, besides the graph, decides a validation's outcome: the shapes, the code, the base."""
    return cache_salt("validation", shapes_digest, base)


def load_memo(cache: Path | None, out: Path, salt: str) -> ValidationMemo | None:
    """Return the violations the last build into ``out`` recorded in ``cache``, if they fit ``salt`` and its dump."""
    if cache is None:
        return None
    try:
        stored = json.loads((cache / MEMO_FILE).read_text(encoding="utf-8"))
        dump = (int(stored["dump"][0]), int(stored["dump"][1]))
        found = frozenset(_found(row) for row in stored["found"])
        memo = ValidationMemo(str(stored["salt"]), str(stored["out"]), dump, found)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    if memo.salt != salt or memo.out != str(out.resolve()) or file_stamp(out / "cndkg.nt") != memo.dump:
        return None
    return memo


def _found(row: object) -> Found:
    """Return one stored violation as a tuple of six strings (ValueError for anything else)."""
    if not isinstance(row, list) or len(row) != 6 or not all(isinstance(part, str) for part in row):
        raise ValueError("a stored violation is not six strings")
    return (row[0], row[1], row[2], row[3], row[4], row[5])


def save_memo(cache: Path, out: Path, salt: str, found: AbstractSet[Found]) -> None:
    """Record this build's violations with the stamp of its dump (after the output is in place)."""
    stamp = file_stamp(out / "cndkg.nt")  # None: no dump to go with
    stored = {"salt": salt, "out": str(out.resolve()), "dump": list(stamp or ()), "found": sorted(map(list, found))}
    write_record(cache / MEMO_FILE, json.dumps(stored).encode("utf-8") if stamp is not None else None)


def discard_memo(cache: Path) -> None:
    """Remove the record of violations (the last build was validated by pySHACL, which gives none to keep)."""
    (cache / MEMO_FILE).unlink(missing_ok=True)


def revalidate(
    store: ox.Store,
    shapes: Graph,
    base: str,
    changed: set[str] | None,
    memo: ValidationMemo,
) -> tuple[ValidationOutcome, int] | None:
    """Validate a rebuild's store by checking only the nodes near the triples that changed.

    Takes the store, the shapes, the base, the subjects of the triples that
    changed since the previous build (:func:`cndkg.delta.changed_subjects` of the two
    builds' sorted dumps) and the previous build's violations. Returns the
    outcome and how many nodes were checked, or None when the change cannot be
    narrowed down (no changed subjects known, too many nodes to check), so the
    caller validates everything.
    """
    if changed is None or any(_IRI_UNSAFE.intersection(iri) for iri in changed):
        return None
    focus = neighbourhood(store, changed, reach(shapes), MOST_FOCUS_NODES)
    if focus is None or len(focus) > MOST_FOCUS_NODES or any(_IRI_UNSAFE.intersection(iri) for iri in focus):
        return None
    kept = {violation for violation in memo.found if violation[0] not in focus}
    return validate_store(store, shapes, base, focus, kept), len(focus)
